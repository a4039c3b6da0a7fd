/**
 * Template syntax: `{name}` is a field, `{{` and `}}` are literal braces. One regex, global: use
 * with `matchAll`; group 1 is the field name.
 */
export const TEMPLATE_PLACEHOLDER = /\{\{|\}\}|\{([^{}]*)\}/g;

/** A field name a template may use: letters, digits, `_`, `.` and `-`. */
export const FIELD_NAME = /^[A-Za-z_][\w.-]*$/;

/** Field names a template refers to, in order of first appearance. */
export function templateFields(template: string): string[] {
  const fields: string[] = [];
  for (const match of template.matchAll(TEMPLATE_PLACEHOLDER)) {
    if (match[1] !== undefined && !fields.includes(match[1])) fields.push(match[1]);
  }
  return fields;
}
