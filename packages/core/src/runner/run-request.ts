import type { TaskConfig } from '../task/task-config.js';
import { resolveTaskConfig } from '../task/task-config.js';
import { PtuneError } from '../errors.js';
import type { StopReason } from '../model/generate.js';

/**
 * What a model runner executes, in the isolate or on a model host: prompts (vectors + task) and
 * rows (a prompt index + template fields). The same request gives the same response either way.
 */
export interface RunPrompt {
  /** Stable identity of the prompt (the artifact's sha256): runners cache prepared prompts by it. */
  readonly id: string;
  readonly task: TaskConfig;
  readonly promptLength: number;
  /** Row-major `[promptLength, dModel]`. */
  readonly embeddings: Float32Array;
}

export interface RunRow {
  /** Index into `RunRequest.prompts`. */
  readonly prompt: number;
  /** Template field -> text (user text: never parsed into special tokens). */
  readonly fields: Readonly<Record<string, string>>;
  /** Multiple choice with a candidate list field: this row's candidate texts. */
  readonly candidates?: readonly string[];
}

export interface RunRequest {
  /** Fingerprint of the model the prompts belong to; a runner serving another model refuses. */
  readonly model: string;
  readonly prompts: readonly RunPrompt[];
  readonly rows: readonly RunRow[];
}

export interface ClassificationRunResult {
  readonly kind: 'classification';
  /** The label key (as in the data). */
  readonly label: string;
  /** What the label means: `task.labelNames[label]`, else the label itself. */
  readonly name: string;
  /** The verbalized label, trimmed. */
  readonly text: string;
  /** Per label: summed (or length-normalised) log-likelihood. */
  readonly scores: Record<string, number>;
  readonly truncated: boolean;
}

export interface GenerationRunResult {
  readonly kind: 'generation';
  /** The decoded continuation (greedy), exactly the concatenation of the streamed pieces. */
  readonly text: string;
  readonly tokens: number[];
  readonly stopReason: StopReason;
  readonly truncated: boolean;
}

export interface MultipleChoiceRunResult {
  readonly kind: 'multiple-choice';
  /** Index of the chosen candidate among this row's candidates. */
  readonly choice: number;
  /** The chosen candidate's text, trimmed. */
  readonly text: string;
  /** Per candidate, in order: summed (or length-normalised) log-likelihood. */
  readonly scores: number[];
  readonly candidates: string[];
  readonly truncated: boolean;
}

/**
 * A row that could not be answered (a missing field, a value the task's wording lacks, an input
 * too long): reported in its place, so one bad row never fails the other rows of a batch.
 */
export interface ErrorRunResult {
  readonly kind: 'error';
  readonly error: { readonly code: string; readonly message: string };
}

export type RunResult = ClassificationRunResult | MultipleChoiceRunResult | GenerationRunResult | ErrorRunResult;

export interface RunResponse {
  /** The fingerprint of the model that ran. */
  readonly model: string;
  /** One per request row, in order. */
  readonly results: RunResult[];
  /** Batched model passes: one for all classification rows, one (prefill + decode loop) for all generation rows. */
  readonly forwards: number;
}

/** Limits a runner puts on one request. */
export interface RunLimits {
  readonly maxPrompts: number;
  readonly maxRows: number;
  readonly maxFieldChars: number;
}

export const DEFAULT_RUN_LIMITS: RunLimits = { maxPrompts: 256, maxRows: 1024, maxFieldChars: 8192 };

/** The JSON form: embeddings as base64 of float32 little-endian bytes (exact, compact). */
export interface RunRequestJson {
  readonly model: string;
  readonly prompts: ReadonlyArray<Omit<RunPrompt, 'embeddings'> & { readonly embeddings: string }>;
  readonly rows: readonly RunRow[];
}

function toBase64(values: Float32Array): string {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  values.forEach((v, i) => view.setFloat32(i * 4, v, true));
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

function fromBase64(text: string, where: string): Float32Array {
  let binary: string;
  try {
    binary = atob(text);
  } catch {
    throw new PtuneError('INVALID_ARGUMENT', `${where} is not valid base64`);
  }
  if (binary.length % 4 !== 0) throw new PtuneError('INVALID_ARGUMENT', `${where} holds ${binary.length} bytes, not a whole number of float32 values`);
  const view = new DataView(Uint8Array.from(binary, (c) => c.charCodeAt(0)).buffer);
  const values = new Float32Array(binary.length / 4);
  for (let i = 0; i < values.length; i++) values[i] = view.getFloat32(i * 4, true);
  return values;
}

export function runRequestToJson(request: RunRequest): RunRequestJson {
  return { model: request.model, prompts: request.prompts.map((p) => ({ ...p, embeddings: toBase64(p.embeddings) })), rows: request.rows };
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Validates a request received as JSON (a model host's input): shapes, indices, finite values,
 * string fields within limits. Every problem is INVALID_ARGUMENT naming the path.
 */
export function runRequestFromJson(value: unknown, limits: RunLimits = DEFAULT_RUN_LIMITS): RunRequest {
  const bad = (message: string): never => {
    throw new PtuneError('INVALID_ARGUMENT', message);
  };
  if (!isRecord(value)) return bad('the run request must be a JSON object');
  if (typeof value.model !== 'string') bad('model must be the fingerprint string of the model to run');
  if (!Array.isArray(value.prompts) || value.prompts.length === 0 || value.prompts.length > limits.maxPrompts) bad(`prompts must be an array of 1..${limits.maxPrompts} prompts`);
  if (!Array.isArray(value.rows) || value.rows.length === 0 || value.rows.length > limits.maxRows) bad(`rows must be an array of 1..${limits.maxRows} rows`);
  const prompts = (value.prompts as unknown[]).map((raw, i): RunPrompt => {
    const at = `prompts[${i}]`;
    if (!isRecord(raw)) return bad(`${at} must be an object`);
    if (typeof raw.id !== 'string' || raw.id.length === 0 || raw.id.length > 128) bad(`${at}.id must be a string of 1..128 characters`);
    if (!isRecord(raw.task)) bad(`${at}.task must be a task config object`);
    const task = resolveTaskConfig(raw.task as unknown as TaskConfig);
    if (!(typeof raw.promptLength === 'number' && Number.isSafeInteger(raw.promptLength) && raw.promptLength > 0)) bad(`${at}.promptLength must be a positive integer`);
    if (typeof raw.embeddings !== 'string') bad(`${at}.embeddings must be base64 float32 data`);
    const embeddings = fromBase64(raw.embeddings as string, `${at}.embeddings`);
    if (embeddings.length === 0 || embeddings.length % (raw.promptLength as number) !== 0) bad(`${at}.embeddings holds ${embeddings.length} values, not promptLength (${String(raw.promptLength)}) x dModel`);
    if (!embeddings.every(Number.isFinite)) bad(`${at}.embeddings contains NaN or Inf`);
    return { id: raw.id as string, task, promptLength: raw.promptLength as number, embeddings };
  });
  const rows = (value.rows as unknown[]).map((raw, i): RunRow => {
    const at = `rows[${i}]`;
    if (!isRecord(raw)) return bad(`${at} must be an object`);
    if (!(typeof raw.prompt === 'number' && Number.isInteger(raw.prompt) && raw.prompt >= 0 && raw.prompt < prompts.length)) bad(`${at}.prompt must be an index into prompts (0..${prompts.length - 1})`);
    if (!isRecord(raw.fields)) bad(`${at}.fields must be an object of strings`);
    const fields = raw.fields as Record<string, unknown>;
    for (const [name, text] of Object.entries(fields)) {
      if (typeof text !== 'string') bad(`${at}.fields.${name} must be a string`);
      if ((text as string).length > limits.maxFieldChars) bad(`${at}.fields.${name} has ${(text as string).length} characters; at most ${limits.maxFieldChars}`);
    }
    if (raw.candidates !== undefined) {
      const list = raw.candidates;
      if (!Array.isArray(list) || !list.every((c) => typeof c === 'string' && c.length <= limits.maxFieldChars)) bad(`${at}.candidates must be a list of strings of at most ${limits.maxFieldChars} characters`);
      return { prompt: raw.prompt as number, fields: fields as Record<string, string>, candidates: list as string[] };
    }
    return { prompt: raw.prompt as number, fields: fields as Record<string, string> };
  });
  return { model: value.model as string, prompts, rows };
}
