/** Repeat-until-enough timing shared by the bench sections. */

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Runs `once()` (async, resolves to the milliseconds it measured itself) `warmup` times untimed,
 * then repeats it until both `minRepeats` and `minTimeMs` of measured time are reached, stopping
 * early at `maxTimeMs` (after at least one repeat) or `maxRepeats`. Returns every sample.
 */
export async function repeat(once, { warmup = 1, minRepeats = 3, minTimeMs = 1500, maxTimeMs = 15000, maxRepeats = 200 } = {}) {
  for (let i = 0; i < warmup; i++) await once();
  const samples = [];
  let total = 0;
  while (samples.length < maxRepeats) {
    const ms = await once();
    samples.push(ms);
    total += ms;
    if (samples.length >= minRepeats && total >= minTimeMs) break;
    if (total >= maxTimeMs) break;
  }
  return { samplesMs: samples, medianMs: median(samples), totalMs: total };
}
