import { PtuneError } from '../errors.js';
import { TEMPLATE_PLACEHOLDER, type ExampleOrigin } from './task-config.js';

/** A piece of a filled template: fixed text (`field` null) or the value of one field. */
export interface TemplateSegment {
  readonly text: string;
  readonly field: string | null;
}

/**
 * Splits a filled template into fixed-text and field segments, in order, so that tokenizer-aware
 * code can shorten only field segments. `{{`/`}}` become literal braces inside fixed text; adjacent
 * fixed text is merged and empty fixed text dropped, while every field keeps its segment (even an
 * empty value). A field missing from `fields` is DATA_INVALID (prefixed `file:line:` when `origin` is given).
 */
export function templateSegments(template: string, fields: Readonly<Record<string, string>>, origin?: ExampleOrigin): TemplateSegment[] {
  const segments: TemplateSegment[] = [];
  let fixed = '';
  let last = 0;
  for (const match of template.matchAll(TEMPLATE_PLACEHOLDER)) {
    fixed += template.slice(last, match.index);
    last = match.index + match[0].length;
    const field = match[1];
    if (field === undefined) {
      fixed += match[0][0]; // "{{" -> "{", "}}" -> "}"
      continue;
    }
    if (!Object.hasOwn(fields, field)) {
      const where = origin ? `${origin.file}:${origin.line}: ` : '';
      throw new PtuneError('DATA_INVALID', `${where}template field "${field}" is missing; the example has fields: ${Object.keys(fields).join(', ') || '(none)'}`);
    }
    if (fixed) segments.push({ text: fixed, field: null });
    fixed = '';
    segments.push({ text: fields[field]!, field });
  }
  fixed += template.slice(last);
  if (fixed) segments.push({ text: fixed, field: null });
  return segments;
}

/** Fills `{field}` placeholders (see `templateSegments`); e.g. "{a} {{b}}" with a="x" -> "x {b}". */
export function fillTemplate(template: string, fields: Readonly<Record<string, string>>, origin?: ExampleOrigin): string {
  return templateSegments(template, fields, origin)
    .map((segment) => segment.text)
    .join('');
}
