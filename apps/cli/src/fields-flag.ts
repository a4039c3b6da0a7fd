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
