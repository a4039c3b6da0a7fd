/** One violation of the task schema: where, what was expected, what was found. */
export interface TaskIssue {
  /** Key path in the validated document, e.g. "task.verbalizer" or "task.candidates[1]". */
  readonly path: string;
  readonly expected: string;
  readonly got: string;
  /** A near-miss key or value: "did you mean ...". */
  readonly suggestion?: string;
}

export type PathSegment = string | number;

/** `["task", "candidates", 1]` -> `task.candidates[1]`; keys that are not identifiers are quoted. */
export function formatPath(path: readonly PathSegment[]): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(segment)) text += text ? `.${segment}` : segment;
    else text += `[${JSON.stringify(segment)}]`;
  }
  return text || '(the document)';
}

/** A short rendering of a found value: `nothing (missing)`, `"text"`, `42`, `an object {...}`. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing (missing)';
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  if (text.length > 60) text = `${text.slice(0, 57)}...`;
  if (Array.isArray(value)) return `an array ${text}`;
  if (typeof value === 'object' && value !== null) return `an object ${text}`;
  return text;
}

/** The value at `path` in `root`, or undefined. */
export function valueAt(root: unknown, path: readonly PathSegment[]): unknown {
  let value = root;
  for (const segment of path) {
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, segment)) return undefined;
    value = (value as Record<PathSegment, unknown>)[segment];
  }
  return value;
}

/** One line per issue: `path: expected X, got Y (did you mean "Z"?)`. */
export function formatTaskIssue(issue: TaskIssue): string {
  const suggestion = issue.suggestion === undefined ? '' : ` (did you mean ${JSON.stringify(issue.suggestion)}?)`;
  return `${issue.path}: expected ${issue.expected}, got ${issue.got}${suggestion}`;
}

/**
 * Every issue in one message: `source: N problems in the task:` then one `  - ` line each. This is
 * the text the CLI prints and the edge API returns.
 */
export function formatTaskIssues(issues: readonly TaskIssue[], source: string, what = 'the task'): string {
  const count = issues.length === 1 ? '1 problem' : `${issues.length} problems`;
  return `${source}: ${count} in ${what}:\n${issues.map((issue) => `  - ${formatTaskIssue(issue)}`).join('\n')}`;
}
