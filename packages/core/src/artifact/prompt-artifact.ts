import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { PtuneError, isPtuneError } from '../errors.js';
import { MAX_PROMPT_LENGTH } from '../prompt/prompt-config.js';
import { parseSafetensors, serializeSafetensors, toFloat32, type SafetensorsFile } from '../safetensors/safetensors.js';
import {
  ARTIFACT_FORMAT_VERSION,
  MANIFEST_METADATA_KEY,
  MAX_D_MODEL,
  parseManifest,
  validateManifest,
  type ArtifactArchitecture,
  type ArtifactDtype,
  type PromptManifest,
} from './manifest.js';
import { assertFinite, toFloat16Bits } from './prompt-values.js';

/**
 * The prompt artifact: one safetensors file holding `prompt_embeddings` [k, dModel] (F32 or F16)
 * with the manifest JSON in `__metadata__["ptune.manifest"]`. The same bytes serve the CLI, the
 * registry and the web app; the file's sha256 is the prompt's identity.
 */
export const PROMPT_TENSOR_NAME = 'prompt_embeddings';
/** Decoding refuses larger files unless told otherwise (150 x 8192 float32 is 4.9 MB). */
export const DEFAULT_MAX_ARTIFACT_BYTES = 8 * 1024 * 1024;

/** A manifest as a caller writes it: k, dModel and dtype are derived from the encode input. */
export type PromptManifestInput = Omit<PromptManifest, 'formatVersion' | 'promptLength' | 'dModel' | 'dtype'>;

export interface EncodePromptArtifactInput {
  /** Row-major [promptLength, dModel]. */
  readonly embeddings: Float32Array;
  readonly promptLength: number;
  readonly dModel: number;
  readonly manifest: PromptManifestInput;
  /** Storage dtype; float16 halves the file and rounds to nearest even. Default float32. */
  readonly dtype?: ArtifactDtype;
}

export interface DecodePromptArtifactOptions {
  /** Files above this many bytes are refused before parsing. Default 8 MiB. */
  readonly maxBytes?: number;
}

export interface PromptArtifact {
  readonly manifest: PromptManifest;
  /** Row-major [promptLength, dModel], decoded to float32. */
  readonly embeddings: Float32Array;
  /** Lowercase hex sha256 of the whole file. */
  readonly sha256: string;
}

/** What a loaded frozen model offers, to check an artifact against. */
export interface ArtifactModelIdentity {
  readonly fingerprint: string;
  readonly dModel: number;
  readonly architecture: ArtifactArchitecture;
}

/** Serialises a prompt and its manifest; bad input is INVALID_ARGUMENT. Same input, same bytes. */
export function encodePromptArtifact(input: EncodePromptArtifactInput): Uint8Array {
  const source = 'encodePromptArtifact';
  const { embeddings, promptLength, dModel, dtype = 'float32' } = input;
  const argument = (message: string) => new PtuneError('INVALID_ARGUMENT', `${source}: ${message}`);
  if (!(embeddings instanceof Float32Array)) throw argument('embeddings must be a Float32Array');
  if (!Number.isSafeInteger(promptLength) || promptLength < 1 || promptLength > MAX_PROMPT_LENGTH) {
    throw argument(`promptLength must be an integer in 1..${MAX_PROMPT_LENGTH}, got ${promptLength}`);
  }
  if (!Number.isSafeInteger(dModel) || dModel < 1 || dModel > MAX_D_MODEL) {
    throw argument(`dModel must be an integer in 1..${MAX_D_MODEL}, got ${dModel}`);
  }
  if (embeddings.length !== promptLength * dModel) {
    throw argument(`embeddings has ${embeddings.length} values; promptLength x dModel = ${promptLength} x ${dModel} = ${promptLength * dModel}`);
  }
  assertFinite(embeddings, dModel, 'INVALID_ARGUMENT', source, 'embeddings');
  // A decoded manifest may be passed back in: its derived fields are replaced, unknown keys kept.
  const { formatVersion: _v, promptLength: _k, dModel: _d, dtype: _t, ...rest } = input.manifest as PromptManifestInput &
    Partial<Pick<PromptManifest, 'formatVersion' | 'promptLength' | 'dModel' | 'dtype'>>;
  const manifest = validateManifest(
    { formatVersion: ARTIFACT_FORMAT_VERSION, ...rest, promptLength, dModel, dtype },
    source,
    'INVALID_ARGUMENT',
  );
  const shape = [promptLength, dModel];
  const tensor =
    dtype === 'float16'
      ? ({ dtype: 'F16', shape, data: toFloat16Bits(embeddings, dModel, source) } as const)
      : ({ dtype: 'F32', shape, data: embeddings } as const);
  return serializeSafetensors([[PROMPT_TENSOR_NAME, tensor]], { [MANIFEST_METADATA_KEY]: JSON.stringify(manifest) });
}

/**
 * Reads and fully validates an artifact. Every defect is a PtuneError: ARTIFACT_TOO_LARGE,
 * ARTIFACT_VERSION_UNSUPPORTED, or ARTIFACT_INVALID with the reason (and `source` in the message).
 */
export function decodePromptArtifact(bytes: Uint8Array, source: string, options: DecodePromptArtifactOptions = {}): PromptArtifact {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_ARTIFACT_BYTES;
  if (!(bytes instanceof Uint8Array)) throw new PtuneError('INVALID_ARGUMENT', `${source}: artifact bytes must be a Uint8Array`);
  if (!(maxBytes > 0)) throw new PtuneError('INVALID_ARGUMENT', `decodePromptArtifact: maxBytes must be positive, got ${maxBytes}`);
  if (bytes.byteLength > maxBytes) {
    throw new PtuneError('ARTIFACT_TOO_LARGE', `${source}: artifact is ${bytes.byteLength} bytes, over the ${maxBytes}-byte limit`);
  }
  const invalid = (message: string) => new PtuneError('ARTIFACT_INVALID', `${source}: ${message}`);
  const file = parseWrapped(bytes, source);
  const json = file.metadata[MANIFEST_METADATA_KEY];
  if (json === undefined) throw invalid(`no manifest (__metadata__["${MANIFEST_METADATA_KEY}"]); is this a prompt artifact?`);
  const manifest = parseManifest(json, source);

  const entry = file.tensors.get(PROMPT_TENSOR_NAME);
  const names = [...file.tensors.keys()];
  if (!entry) throw invalid(`no "${PROMPT_TENSOR_NAME}" tensor (found ${names.length ? names.map((n) => `"${n}"`).join(', ') : 'none'})`);
  const extra = names.filter((name) => name !== PROMPT_TENSOR_NAME);
  if (extra.length > 0) throw invalid(`unexpected tensors ${extra.map((n) => `"${n}"`).join(', ')}; an artifact holds only "${PROMPT_TENSOR_NAME}"`);
  if (entry.dtype !== 'F32' && entry.dtype !== 'F16') throw invalid(`"${PROMPT_TENSOR_NAME}" has dtype ${entry.dtype}; F32 or F16 is required`);
  const expectedDtype = manifest.dtype === 'float16' ? 'F16' : 'F32';
  if (entry.dtype !== expectedDtype) throw invalid(`"${PROMPT_TENSOR_NAME}" is stored as ${entry.dtype} but manifest.dtype is "${manifest.dtype}"`);
  const { promptLength: k, dModel } = manifest;
  if (entry.shape.length !== 2 || entry.shape[0] !== k || entry.shape[1] !== dModel) {
    throw invalid(`"${PROMPT_TENSOR_NAME}" has shape [${entry.shape.join(', ')}]; the manifest says [${k}, ${dModel}] (promptLength, dModel)`);
  }
  // The one tensor must fill the data section exactly: stray bytes mean the header lies about sizes.
  const dataStart = 8 + Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
  const tensorStart = entry.bytes.byteOffset - bytes.byteOffset;
  const tensorEnd = tensorStart + entry.bytes.byteLength;
  if (tensorStart !== dataStart || tensorEnd !== bytes.byteLength) {
    throw invalid(
      `"${PROMPT_TENSOR_NAME}" spans file bytes ${tensorStart}..${tensorEnd}, but the data section is ${dataStart}..${bytes.byteLength} (stray bytes or lying data_offsets)`,
    );
  }
  const embeddings = toFloat32(entry, PROMPT_TENSOR_NAME, source);
  assertFinite(embeddings, dModel, 'ARTIFACT_INVALID', source, PROMPT_TENSOR_NAME);
  return { manifest, embeddings, sha256: bytesToHex(sha256(bytes)) };
}

/**
 * Throws when an artifact cannot be used with a model: ARTIFACT_ARCHITECTURE_MISMATCH,
 * ARTIFACT_DIM_MISMATCH, then ARTIFACT_FINGERPRINT_MISMATCH, each naming expected and actual.
 */
export function checkArtifactCompatibility(
  artifact: { readonly manifest: PromptManifest },
  model: ArtifactModelIdentity,
  source: string,
): void {
  const { manifest } = artifact;
  if (manifest.architecture !== model.architecture) {
    throw new PtuneError(
      'ARTIFACT_ARCHITECTURE_MISMATCH',
      `${source}: prompt is for architecture "${manifest.architecture}", but the model is "${model.architecture}"`,
    );
  }
  if (manifest.dModel !== model.dModel) {
    throw new PtuneError('ARTIFACT_DIM_MISMATCH', `${source}: prompt has dModel ${manifest.dModel}, but the model's dModel is ${model.dModel}`);
  }
  if (manifest.fingerprint !== model.fingerprint) {
    throw new PtuneError(
      'ARTIFACT_FINGERPRINT_MISMATCH',
      `${source}: prompt was trained on "${manifest.baseModel}" with fingerprint ${manifest.fingerprint}, but the model's fingerprint is ${model.fingerprint}`,
    );
  }
}

/** parseSafetensors with its SAFETENSORS_INVALID turned into ARTIFACT_INVALID (message kept). */
export function parseWrapped(bytes: Uint8Array, source: string): SafetensorsFile {
  try {
    return parseSafetensors(bytes, source);
  } catch (error) {
    if (isPtuneError(error) && error.code === 'SAFETENSORS_INVALID') {
      throw new PtuneError('ARTIFACT_INVALID', error.message, { cause: error });
    }
    throw error;
  }
}

/**
 * Encodes a prompt read from another format (PEFT, .npy): defects of the input file are
 * ARTIFACT_INVALID naming `source`; defects of the caller's manifest stay INVALID_ARGUMENT.
 */
export function encodeImportedPrompt(
  values: Float32Array,
  rows: number,
  dModel: number,
  manifest: PromptManifestInput,
  dtype: ArtifactDtype,
  source: string,
): Uint8Array {
  if (rows < 1 || rows > MAX_PROMPT_LENGTH) {
    throw new PtuneError('ARTIFACT_INVALID', `${source}: the prompt has ${rows} rows; a prompt length must be 1..${MAX_PROMPT_LENGTH}`);
  }
  if (dModel < 1 || dModel > MAX_D_MODEL) {
    throw new PtuneError('ARTIFACT_INVALID', `${source}: the prompt has ${dModel} columns; dModel must be 1..${MAX_D_MODEL}`);
  }
  assertFinite(values, dModel, 'ARTIFACT_INVALID', source, 'prompt');
  return encodePromptArtifact({ embeddings: values, promptLength: rows, dModel, manifest, dtype });
}
