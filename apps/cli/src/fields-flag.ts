import { PtuneError } from '@ptune/core';

/** Parses `--fields`: a JSON object or an array of objects (inputs of multi-field templates). */
export function parseFieldsFlag(fieldsJson: string): Array<Record<string, unknown>> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fieldsJson);
  } catch {
    throw new PtuneError('INVALID_ARGUMENT', `--fields is not valid JSON: ${fieldsJson.slice(0, 60)}`);
  }
  const list = Array.isArray(parsed) ? parsed : [parsed];
  list.forEach((item, i) => {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) throw new PtuneError('INVALID_ARGUMENT', `--fields item ${i} is not an object`);
  });
  return list as Array<Record<string, unknown>>;
}

/** One line per prediction: label, per-label scores, the input (shortened). */
export function predictionLine(label: string, scores: Readonly<Record<string, number>>, input: string | Readonly<Record<string, unknown>>): string {
  const scoreText = Object.entries(scores).map(([l, s]) => `${l} ${s.toFixed(3)}`).join(', ');
  const inputText = typeof input === 'string' ? input : Object.values(input).join(' | ');
  return `${label}\t(${scoreText})\t${JSON.stringify(inputText).slice(0, 80)}\n`;
}
