import type { RunResult } from '@ptune/core';

/** A prediction as one text line: what it means (label name, chosen candidate, generated text), scores, the input. */
export function predictionText(result: RunResult, input: unknown): string {
  const inputText = JSON.stringify(typeof input === 'string' ? input : input && typeof input === 'object' ? Object.values(input).map(String).join(' | ') : String(input)).slice(0, 80);
  switch (result.kind) {
    case 'classification': {
      const scores = Object.entries(result.scores).map(([l, s]) => `${l} ${s.toFixed(3)}`).join(', ');
      const shown = result.name !== result.label ? `${result.name} (label ${result.label})` : result.label;
      return `${shown}\t(${scores})\t${inputText}\n`;
    }
    case 'multiple-choice':
      return `${JSON.stringify(result.text)} (candidate ${result.choice})\t(${result.scores.map((s) => s.toFixed(3)).join(', ')})\t${inputText}\n`;
    case 'generation':
      return `${JSON.stringify(result.text)}\t(${result.stopReason})\t${inputText}\n`;
    default:
      return `error ${result.error.code}: ${result.error.message}\t${inputText}\n`;
  }
}
