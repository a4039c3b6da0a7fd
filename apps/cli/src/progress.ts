import type { TrainEvent } from '@ptune/core/train';

/** A training progress bar on stderr: redrawn in place on a terminal, a line every 10% otherwise. */
export function trainingProgress(label: string): (event: TrainEvent) => void {
  const tty = process.stderr.isTTY === true;
  let lastDecile = -1;
  let lastEval = '';
  return (event) => {
    if (event.type === 'eval') {
      lastEval = Object.entries(event.metrics).map(([k, v]) => `${k} ${v.toFixed(4)}`).join(' ');
      if (!tty) process.stderr.write(`${label}: step ${event.step} dev ${lastEval}${event.improved ? ' (best)' : ''}\n`);
      return;
    }
    if (event.type === 'early-stop') {
      process.stderr.write(`${tty ? '\n' : ''}${label}: early stop at step ${event.step} (best step ${event.bestStep})\n`);
      return;
    }
    if (event.type !== 'step') return;
    const fraction = event.step / event.steps;
    const remainingS = ((event.elapsedMs / event.step) * (event.steps - event.step)) / 1000;
    const line = `${label} ${'#'.repeat(Math.round(fraction * 30)).padEnd(30, '.')} ${event.step}/${event.steps} loss ${event.loss.toFixed(4)} ${event.examplesPerSecond.toFixed(1)} ex/s ~${Math.ceil(remainingS)}s left${lastEval ? ` | dev ${lastEval}` : ''}`;
    if (tty) {
      process.stderr.write(`\r${line}`);
      if (event.step === event.steps) process.stderr.write('\n');
    } else {
      const decile = Math.floor(fraction * 10);
      if (decile > lastDecile) {
        lastDecile = decile;
        process.stderr.write(`${line}\n`);
      }
    }
  };
}
