import type { ArtifactArchitecture } from '../artifact/manifest.js';
import { PtuneError } from '../errors.js';

/** Where a hosted model's manifest sits beside its files (`models/{id}/manifest.json` in R2). */
export const MODEL_MANIFEST_FILE = 'manifest.json';
export const MODEL_MANIFEST_VERSION = 1;
/** Model ids and file names: one URL path segment, one object-key segment, no escaping needed. */
export const MODEL_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const FILE_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const FINGERPRINT = /^sha256:[0-9a-f]{64}$/;
const SHA256_HEX = /^[0-9a-f]{64}$/;
const ARCHITECTURES: readonly ArtifactArchitecture[] = ['llama', 't5'];

/** One file of a hosted model: what a client needs to fetch and verify it. */
export interface ModelFileEntry {
  readonly name: string;
  readonly bytes: number;
  /** Lowercase hex sha256 of the file. */
  readonly sha256: string;
}

/**
 * A frozen model as a host (R2 bucket, model server, web app) describes it: identity (the
 * fingerprint prompts are bound to), the sizes a prompt must match, and the files to load it.
 * The architecture is data: a runner loads whatever `loadModel` recognises in `files`.
 */
export interface ModelManifest {
  readonly manifestVersion: typeof MODEL_MANIFEST_VERSION;
  readonly id: string;
  readonly architecture: ArtifactArchitecture;
  /** `sha256:<64 hex>`, see `fingerprintParameters`. */
  readonly fingerprint: string;
  readonly dModel: number;
  readonly vocabSize: number;
  readonly maxSeqLen: number;
  /** The files `loadModel` reads, in the order it reads them. */
  readonly files: readonly ModelFileEntry[];
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const positiveInteger = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value) && value > 0;

/** Validates a parsed manifest; every problem is CHECKPOINT_INVALID naming `source` and the field. */
export function validateModelManifest(value: unknown, source: string): ModelManifest {
  const bad = (message: string): never => {
    throw new PtuneError('CHECKPOINT_INVALID', `${source}: ${message}`);
  };
  if (!isRecord(value)) return bad('a model manifest must be a JSON object');
  if (value.manifestVersion !== MODEL_MANIFEST_VERSION) bad(`manifestVersion must be ${MODEL_MANIFEST_VERSION}, got ${JSON.stringify(value.manifestVersion)}`);
  if (typeof value.id !== 'string' || !MODEL_ID_PATTERN.test(value.id)) bad(`id must match ${MODEL_ID_PATTERN.source}, got ${JSON.stringify(value.id)}`);
  if (!ARCHITECTURES.includes(value.architecture as ArtifactArchitecture)) bad(`architecture must be one of ${ARCHITECTURES.join(', ')}, got ${JSON.stringify(value.architecture)}`);
  if (typeof value.fingerprint !== 'string' || !FINGERPRINT.test(value.fingerprint)) bad(`fingerprint must be sha256:<64 hex>, got ${JSON.stringify(value.fingerprint)}`);
  for (const key of ['dModel', 'vocabSize', 'maxSeqLen'] as const) if (!positiveInteger(value[key])) bad(`${key} must be a positive integer, got ${JSON.stringify(value[key])}`);
  if (!Array.isArray(value.files) || value.files.length === 0) bad('files must be a non-empty array');
  const names = new Set<string>();
  (value.files as unknown[]).forEach((file, i) => {
    if (!isRecord(file)) return bad(`files[${i}] must be an object`);
    if (typeof file.name !== 'string' || !FILE_NAME_PATTERN.test(file.name) || file.name === MODEL_MANIFEST_FILE) bad(`files[${i}].name must match ${FILE_NAME_PATTERN.source} (and not be ${MODEL_MANIFEST_FILE}), got ${JSON.stringify(file.name)}`);
    if (names.has(file.name as string)) bad(`files[${i}].name "${String(file.name)}" appears twice`);
    names.add(file.name as string);
    if (!(typeof file.bytes === 'number' && Number.isSafeInteger(file.bytes) && file.bytes >= 0)) bad(`files[${i}].bytes must be an integer >= 0`);
    if (typeof file.sha256 !== 'string' || !SHA256_HEX.test(file.sha256)) bad(`files[${i}].sha256 must be 64 lowercase hex digits`);
  });
  const files = (value.files as Array<Record<string, unknown>>).map((f) => ({ name: f.name as string, bytes: f.bytes as number, sha256: f.sha256 as string }));
  return {
    manifestVersion: MODEL_MANIFEST_VERSION,
    id: value.id as string,
    architecture: value.architecture as ArtifactArchitecture,
    fingerprint: value.fingerprint as string,
    dModel: value.dModel as number,
    vocabSize: value.vocabSize as number,
    maxSeqLen: value.maxSeqLen as number,
    files,
  };
}

/** Parses manifest JSON text (CHECKPOINT_INVALID when it is not JSON or not a valid manifest). */
export function parseModelManifest(json: string, source: string): ModelManifest {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    throw new PtuneError('CHECKPOINT_INVALID', `${source}: the model manifest is not JSON (${(error as Error).message})`);
  }
  return validateModelManifest(value, source);
}
