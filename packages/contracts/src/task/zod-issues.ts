import type { z } from 'zod';
import { closestMatch } from '../levenshtein.js';
import { describeValue, formatPath, valueAt, type PathSegment, type TaskIssue } from './task-issue.js';

/** Keys people write for ones the schema names otherwise. */
const SYNONYMS: Readonly<Record<string, string>> = {
  labels: 'verbalizer',
  label_map: 'labelMap',
  prompt: 'template',
  type: 'kind',
  task_type: 'kind',
  title: 'name',
  choices: 'candidates',
  options: 'candidates',
  max_new_tokens: 'maxNewTokens',
  columns: 'fields',
};

type AnySchema = z.core.$ZodType;
interface Def {
  readonly type: string;
  readonly shape?: Record<string, AnySchema>;
  readonly innerType?: AnySchema;
  readonly element?: AnySchema;
  readonly valueType?: AnySchema;
  readonly options?: readonly AnySchema[];
  readonly discriminator?: string;
}
const defOf = (schema: AnySchema): Def => (schema as unknown as { _zod: { def: Def } })._zod.def;

/** The schema that validates the value at `path` (following the data through discriminated unions). */
function schemaAt(schema: AnySchema, path: readonly PathSegment[], root: unknown): AnySchema | undefined {
  let current: AnySchema | undefined = schema;
  for (let depth = 0; depth <= path.length && current; ) {
    const def = defOf(current);
    if (def.type === 'optional' || def.type === 'nullable' || def.type === 'default' || def.type === 'readonly') {
      current = def.innerType;
      continue;
    }
    if (def.type === 'union') {
      const value = valueAt(root, path.slice(0, depth));
      const discriminator = def.discriminator;
      const objects = (def.options ?? []).filter((option) => defOf(option).type === 'object');
      current = discriminator
        ? objects.find((option) => literalOf(defOf(option).shape?.[discriminator]) === valueAt(value, [discriminator]))
        : (Array.isArray(value) ? def.options?.find((o) => defOf(o).type === 'array') : objects[0]);
      continue;
    }
    if (depth === path.length) return current;
    const segment = path[depth]!;
    current = def.type === 'object' ? def.shape?.[String(segment)] : def.type === 'array' ? def.element : def.type === 'record' ? def.valueType : undefined;
    depth++;
  }
  return current;
}

function literalOf(schema: AnySchema | undefined): unknown {
  const def = schema && (defOf(schema) as Def & { values?: unknown[] });
  return def?.values?.[0];
}

/** Keys an object at `path` may have, or [] when the schema there is not an object. */
function allowedKeys(schema: AnySchema, path: readonly PathSegment[], root: unknown): string[] {
  const at = schemaAt(schema, path, root);
  const def = at && defOf(at);
  return def?.type === 'object' ? Object.keys(def.shape ?? {}) : [];
}

const article = (type: string) => (/^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`);
const TYPE_NAMES: Readonly<Record<string, string>> = { record: 'object', int: 'integer' };

function sizeExpectation(issue: z.core.$ZodIssueTooSmall | z.core.$ZodIssueTooBig, bound: 'at least' | 'at most'): string {
  const limit = Number('minimum' in issue ? issue.minimum : issue.maximum);
  switch (issue.origin) {
    case 'string':
      return limit === 1 && bound === 'at least' ? 'a non-empty string' : `a string of ${bound} ${limit} characters`;
    case 'array':
      return `a list of ${bound} ${limit} items`;
    default: {
      const strict = !issue.inclusive;
      return `a number ${bound === 'at least' ? (strict ? '>' : '>=') : strict ? '<' : '<='} ${limit}`;
    }
  }
}

/**
 * Converts zod issues (over `root`, validated by `schema`) to task issues with readable expected /
 * got text; unknown keys get "did you mean" from the keys allowed there; a union is reported
 * through its closest option.
 */
export function taskIssuesFromZod(issues: readonly z.core.$ZodIssue[], schema: AnySchema, root: unknown, at: readonly PathSegment[] = []): TaskIssue[] {
  const out: TaskIssue[] = [];
  const push = (path: readonly PathSegment[], expected: string, got: string, suggestion?: string) =>
    out.push({ path: formatPath([...at, ...path]), expected, got, ...(suggestion === undefined ? {} : { suggestion }) });
  for (const issue of issues) {
    const path = issue.path as PathSegment[];
    const got = describeValue(valueAt(root, path));
    switch (issue.code) {
      case 'unrecognized_keys': {
        const allowed = allowedKeys(schema, path, root);
        for (const key of issue.keys) {
          const suggestion = SYNONYMS[key] && allowed.includes(SYNONYMS[key]) ? SYNONYMS[key] : closestMatch(key, allowed);
          push([...path, key], `one of the keys ${allowed.join(', ')}`, `unknown key ${JSON.stringify(key)}`, suggestion);
        }
        break;
      }
      case 'invalid_union': {
        if (issue.discriminator !== undefined) {
          const options = ('options' in issue ? (issue.options ?? []) : []).map(String);
          const value = valueAt(root, path);
          push(path, `one of ${options.map((o) => JSON.stringify(o)).join(', ')}`, got, typeof value === 'string' ? closestMatch(value, options) : undefined);
          break;
        }
        const closest: readonly z.core.$ZodIssue[] = [...issue.errors].sort((a, b) => a.length - b.length)[0] ?? [];
        const nested = closest.map((inner) => ({ ...inner, path: [...path, ...(inner.path as PathSegment[])] }));
        out.push(...taskIssuesFromZod(nested, schema, root, at));
        break;
      }
      case 'invalid_type':
        push(path, article(TYPE_NAMES[issue.expected] ?? issue.expected), got);
        break;
      case 'too_small':
        push(path, sizeExpectation(issue, 'at least'), got);
        break;
      case 'too_big':
        push(path, sizeExpectation(issue, 'at most'), got);
        break;
      case 'invalid_value': {
        const values = issue.values.map((v) => JSON.stringify(v));
        const value = valueAt(root, path);
        push(path, values.length === 1 ? values[0]! : `one of ${values.join(', ')}`, got, typeof value === 'string' ? closestMatch(value, issue.values.map(String)) : undefined);
        break;
      }
      default:
        push(path, issue.message.replace(/^Invalid input: expected /, ''), got);
    }
  }
  return out;
}
