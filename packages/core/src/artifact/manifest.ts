import { formatTaskIssues, validateTaskConfig } from '@ptune/contracts';
import { MAX_PROMPT_LENGTH, PROMPT_INIT_METHODS, type PromptInitMethod } from '../prompt/prompt-config.js';
import { PtuneError, type PtuneErrorCode } from '../errors.js';
import type { TaskConfig } from '../task/task-config.js';

/**
 * The prompt artifact's manifest: everything needed to use (and trust) a soft prompt besides its
 * numbers. Stored as one JSON string under `__metadata__["ptune.manifest"]` of the safetensors file.
 * Keys this version does not know are kept as read (a newer writer may add some); a newer
 * `formatVersion` is refused, since its meaning may have changed.
 */
export const ARTIFACT_FORMAT_VERSION = 1;
/** The safetensors `__metadata__` key holding the manifest JSON. */
export const MANIFEST_METADATA_KEY = 'ptune.manifest';
export const MAX_D_MODEL = 65_536;

export type ArtifactArchitecture = 'llama' | 't5';
export type ArtifactDtype = 'float32' | 'float16';
/** How the prompt was initialised (paper §3.2): a `ManifestPromptInit` plus its seed; extra details are kept. */
export interface ManifestPromptInit {
  readonly method: PromptInitMethod;
  /** `text`: the text whose token embeddings seeded the prompt. */
  readonly text?: string;
  /** `from`: the artifact (sha256 or name) the prompt was copied from. */
  readonly from?: string;
  readonly seed?: number;
  readonly [detail: string]: unknown;
}

/** A summary of the training run; every field is optional, extra fields are kept. */
export interface TrainingSummary {
  readonly optimizer?: string;
  readonly learningRate?: number;
  readonly steps?: number;
  readonly batchSize?: number;
  readonly seed?: number;
  readonly examplesPerSecond?: number;
  readonly wallTimeSeconds?: number;
  readonly backend?: string;
  readonly [detail: string]: unknown;
}

export interface PromptManifest {
  readonly formatVersion: typeof ARTIFACT_FORMAT_VERSION;
  readonly taskId: string;
  readonly taskName: string;
  /** The task config as used for training (template, verbalizer...), stored as-is. */
  readonly task: TaskConfig;
  /** The frozen model's id, e.g. "stories260K". */
  readonly baseModel: string;
  readonly architecture: ArtifactArchitecture;
  /** The frozen model's parameter fingerprint, `sha256:<64 hex>`. */
  readonly fingerprint: string;
  /** k, the number of soft tokens. */
  readonly promptLength: number;
  readonly dModel: number;
  /** How `prompt_embeddings` is stored in the file. */
  readonly dtype: ArtifactDtype;
  readonly init: ManifestPromptInit;
  readonly training?: TrainingSummary;
  /** Dev-set metrics, name -> value (e.g. {"accuracy": 0.91}). */
  readonly metrics?: Readonly<Record<string, number>>;
  /** ISO 8601 timestamp. */
  readonly createdAt: string;
}

type Json = Record<string, unknown>;
const INIT_METHODS: readonly string[] = PROMPT_INIT_METHODS;
const TRAINING_NUMBERS = ['learningRate', 'steps', 'batchSize', 'seed', 'examplesPerSecond', 'wallTimeSeconds'];
const ISO_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Parses and validates the manifest JSON of an artifact; errors name `source`. */
export function parseManifest(json: string, source: string): PromptManifest {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    throw new PtuneError('ARTIFACT_INVALID', `${source}: manifest is not valid JSON (${(error as Error).message})`);
  }
  return validateManifest(value, source);
}

/**
 * Validates a manifest object (`code` is the error code for bad fields: ARTIFACT_INVALID for files,
 * INVALID_ARGUMENT for callers building one). An unknown format version is ARTIFACT_VERSION_UNSUPPORTED.
 */
export function validateManifest(value: unknown, source: string, code: PtuneErrorCode = 'ARTIFACT_INVALID'): PromptManifest {
  const fail = (message: string) => new PtuneError(code, `${source}: manifest ${message}`);
  if (!isObject(value)) throw fail(`must be a JSON object, got ${describe(value)}`);
  const version = value.formatVersion;
  if (!Number.isSafeInteger(version)) throw fail(`formatVersion must be an integer, got ${describe(version)}`);
  if (version !== ARTIFACT_FORMAT_VERSION) {
    throw new PtuneError(
      'ARTIFACT_VERSION_UNSUPPORTED',
      `${source}: artifact format version ${version} is not supported (this build reads version ${ARTIFACT_FORMAT_VERSION}); upgrade ptune`,
    );
  }
  const string = (key: string) => {
    if (typeof value[key] !== 'string' || value[key] === '') throw fail(`${key} must be a non-empty string, got ${describe(value[key])}`);
  };
  const integer = (key: string, min: number, max: number) => {
    const v = value[key];
    if (!Number.isSafeInteger(v) || (v as number) < min || (v as number) > max) {
      throw fail(`${key} must be an integer in ${min}..${max}, got ${describe(v)}`);
    }
  };
  const oneOf = (key: string, options: readonly string[]) => {
    if (!options.includes(value[key] as string)) throw fail(`${key} must be one of ${options.join(', ')}, got ${describe(value[key])}`);
  };
  for (const key of ['taskId', 'taskName', 'baseModel']) string(key);
  const task = value.task;
  // The shared task schema: a publish of a task the CLI could not have trained is refused here.
  const checked = validateTaskConfig(task, ['task']);
  if (!checked.ok) throw new PtuneError(code, formatTaskIssues(checked.issues, `${source}: manifest task`, 'the task config'));
  if (!isObject(task)) throw fail('task must be an object');
  if (task.id !== value.taskId) throw fail(`taskId "${String(value.taskId)}" differs from task.id "${task.id}"`);
  oneOf('architecture', ['llama', 't5']);
  if (typeof value.fingerprint !== 'string' || !/^sha256:[0-9a-f]{64}$/.test(value.fingerprint)) {
    throw fail(`fingerprint must be "sha256:" and 64 lowercase hex digits, got ${describe(value.fingerprint)}`);
  }
  integer('promptLength', 1, MAX_PROMPT_LENGTH);
  integer('dModel', 1, MAX_D_MODEL);
  oneOf('dtype', ['float32', 'float16']);
  checkInit(value.init, fail);
  if (value.training !== undefined) checkTraining(value.training, fail);
  if (value.metrics !== undefined) {
    if (!isObject(value.metrics)) throw fail(`metrics must be an object of numbers, got ${describe(value.metrics)}`);
    for (const [name, metric] of Object.entries(value.metrics)) {
      if (!Number.isFinite(metric)) throw fail(`metrics["${name}"] must be a finite number, got ${describe(metric)}`);
    }
  }
  const createdAt = value.createdAt;
  if (typeof createdAt !== 'string' || !ISO_DATE.test(createdAt) || Number.isNaN(Date.parse(createdAt))) {
    throw fail(`createdAt must be an ISO 8601 timestamp such as "2024-05-01T12:00:00Z", got ${describe(createdAt)}`);
  }
  return value as unknown as PromptManifest;
}

function checkInit(init: unknown, fail: (message: string) => PtuneError): void {
  if (!isObject(init)) throw fail(`init must be an object like {"method": "random"}, got ${describe(init)}`);
  if (!INIT_METHODS.includes(init.method as string)) {
    throw fail(`init.method must be one of ${INIT_METHODS.join(', ')}, got ${describe(init.method)}`);
  }
  if (init.method === 'text' && typeof init.text !== 'string') throw fail('init.text must be a string when init.method is "text"');
  if (init.method === 'from' && typeof init.from !== 'string') throw fail('init.from must be a string when init.method is "from"');
}

function checkTraining(training: unknown, fail: (message: string) => PtuneError): void {
  if (!isObject(training)) throw fail(`training must be an object, got ${describe(training)}`);
  for (const key of TRAINING_NUMBERS) {
    if (training[key] !== undefined && !Number.isFinite(training[key])) {
      throw fail(`training.${key} must be a finite number, got ${describe(training[key])}`);
    }
  }
  for (const key of ['optimizer', 'backend']) {
    if (training[key] !== undefined && typeof training[key] !== 'string') throw fail(`training.${key} must be a string, got ${describe(training[key])}`);
  }
}

/** A short rendering of a JSON value for error messages. */
function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value); // bigint or a cycle, only possible from a caller's object
  }
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
