import { PtuneError } from '../errors.js';
import { serializeSafetensors, toFloat32 } from '../safetensors/safetensors.js';
import type { ArtifactArchitecture, ArtifactDtype, ManifestPromptInit } from './manifest.js';
import {
  DEFAULT_MAX_ARTIFACT_BYTES,
  PROMPT_TENSOR_NAME,
  decodePromptArtifact,
  encodeImportedPrompt,
  parseWrapped,
  type PromptManifestInput,
} from './prompt-artifact.js';
import { toFloat16Bits } from './prompt-values.js';
import { encodePeftSidecar, PEFT_MODEL_CARD_FILE, PEFT_SIDECAR_FILE, peftModelCard } from './peft-sidecar.js';

/**
 * Hugging Face PEFT prompt tuning interop. PEFT saves `adapter_config.json` (a PromptTuningConfig)
 * and `adapter_model.safetensors` holding `prompt_embeddings`
 * [num_virtual_tokens * num_transformer_submodules, token_dim] (peft/utils/save_and_load.py).
 * We write num_transformer_submodules 1: the prompt goes before the (encoder) input only, as in
 * the paper; PEFT's seq2seq default of 2 (a second prompt for the decoder) is refused on import.
 */
export const PEFT_CONFIG_FILE = 'adapter_config.json';
export const PEFT_WEIGHTS_FILE = 'adapter_model.safetensors';

export interface PeftExportOptions {
  readonly source?: string;
  /** `base_model_name_or_path` (a Hub id PEFT can load); default: the manifest's baseModel. */
  readonly baseModelNameOrPath?: string;
  /** Written as null when absent: PEFT then reads them from the base model's config. */
  readonly numAttentionHeads?: number;
  readonly numLayers?: number;
  readonly maxBytes?: number;
}

/** What PEFT files do not carry; baseModel, architecture and init default to what the config says. */
export interface PeftImportDefaults extends Omit<PromptManifestInput, 'baseModel' | 'architecture' | 'init'> {
  readonly baseModel?: string;
  readonly architecture?: ArtifactArchitecture;
  readonly init?: ManifestPromptInit;
}

export interface PeftImportOptions {
  readonly source?: string;
  /** Storage dtype of the artifact; default float16 for F16 weights, else float32. */
  readonly dtype?: ArtifactDtype;
  /** Size limit for adapter_model.safetensors. Default 8 MiB. */
  readonly maxBytes?: number;
}

const TASK_TYPES: Record<ArtifactArchitecture, string> = { llama: 'CAUSAL_LM', t5: 'SEQ_2_SEQ_LM' };
// class-label: label embeddings, then sampled vocabulary; PEFT's nearest is SAMPLE_VOCAB (the exact init is in the sidecar).
const INIT_TO_PEFT: Record<string, string> = { random: 'RANDOM', 'sampled-vocab': 'SAMPLE_VOCAB', 'class-label': 'SAMPLE_VOCAB', text: 'TEXT' };

/**
 * Artifact bytes -> PEFT files (`adapter_config.json`, `adapter_model.safetensors`) plus the
 * sidecar `ptune_task.json` (the manifest, task included) and a README.md model card.
 */
export function exportPeft(artifactBytes: Uint8Array, options: PeftExportOptions = {}): Map<string, Uint8Array> {
  const source = options.source ?? 'artifact';
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_ARTIFACT_BYTES;
  const { manifest, embeddings } = decodePromptArtifact(artifactBytes, source, { maxBytes });
  const baseModel = options.baseModelNameOrPath ?? manifest.baseModel;
  // PEFT has no copy-from init; with inference_mode the init is never run anyway.
  const init = INIT_TO_PEFT[manifest.init.method] ?? 'RANDOM';
  const config = {
    auto_mapping: null,
    base_model_name_or_path: baseModel,
    inference_mode: true,
    num_attention_heads: options.numAttentionHeads ?? null,
    num_layers: options.numLayers ?? null,
    num_transformer_submodules: 1,
    num_virtual_tokens: manifest.promptLength,
    peft_type: 'PROMPT_TUNING',
    prompt_tuning_init: init,
    prompt_tuning_init_text: init === 'TEXT' ? (manifest.init.text ?? '') : null,
    revision: null,
    task_type: TASK_TYPES[manifest.architecture],
    token_dim: manifest.dModel,
    tokenizer_kwargs: null,
    // PEFT refuses TEXT init without a tokenizer.
    tokenizer_name_or_path: init === 'TEXT' ? baseModel : null,
  };
  const shape = [manifest.promptLength, manifest.dModel];
  const tensor =
    manifest.dtype === 'float16'
      ? ({ dtype: 'F16', shape, data: toFloat16Bits(embeddings, manifest.dModel, source) } as const)
      : ({ dtype: 'F32', shape, data: embeddings } as const);
  return new Map([
    [PEFT_CONFIG_FILE, new TextEncoder().encode(`${JSON.stringify(config, null, 2)}\n`)],
    [PEFT_WEIGHTS_FILE, serializeSafetensors([[PROMPT_TENSOR_NAME, tensor]], { format: 'pt' })],
    [PEFT_SIDECAR_FILE, encodePeftSidecar(manifest)],
    [PEFT_MODEL_CARD_FILE, new TextEncoder().encode(peftModelCard(manifest, baseModel))],
  ]);
}

/** PEFT prompt-tuning files -> artifact bytes; the caller supplies what PEFT does not carry. */
export function importPeft(files: ReadonlyMap<string, Uint8Array>, defaults: PeftImportDefaults, options: PeftImportOptions = {}): Uint8Array {
  const source = options.source ?? 'PEFT adapter';
  const invalid = (message: string) => new PtuneError('ARTIFACT_INVALID', `${source}: ${message}`);
  const config = readConfig(files, invalid);
  if (config.peft_type !== 'PROMPT_TUNING') throw invalid(`${PEFT_CONFIG_FILE} has peft_type ${JSON.stringify(config.peft_type)}, not "PROMPT_TUNING"`);
  const architecture = importArchitecture(config.task_type, defaults.architecture, source);
  const k = config.num_virtual_tokens;
  if (!Number.isSafeInteger(k) || (k as number) < 1) throw invalid(`num_virtual_tokens must be a positive integer, got ${JSON.stringify(k)}`);
  const submodules = config.num_transformer_submodules ?? (architecture === 'llama' ? 1 : 2); // PEFT's defaults
  if (submodules !== 1) {
    throw invalid(`num_transformer_submodules is ${JSON.stringify(submodules)}; only 1 (a prompt before the encoder input) is supported`);
  }

  const weights = files.get(PEFT_WEIGHTS_FILE);
  if (!weights) {
    const pickle = files.has('adapter_model.bin') ? '; adapter_model.bin (pickle) is not read, convert it to safetensors' : '';
    throw invalid(`no ${PEFT_WEIGHTS_FILE}${pickle}`);
  }
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_ARTIFACT_BYTES;
  if (weights.byteLength > maxBytes) {
    throw new PtuneError('ARTIFACT_TOO_LARGE', `${source}: ${PEFT_WEIGHTS_FILE} is ${weights.byteLength} bytes, over the ${maxBytes}-byte limit`);
  }
  const file = parseWrapped(weights, `${source}/${PEFT_WEIGHTS_FILE}`);
  const entry = file.tensors.get(PROMPT_TENSOR_NAME);
  const names = [...file.tensors.keys()];
  if (!entry || names.length !== 1) throw invalid(`${PEFT_WEIGHTS_FILE} must hold only "${PROMPT_TENSOR_NAME}", found ${JSON.stringify(names)}`);
  const [rows, columns] = entry.shape;
  const tokenDim = config.token_dim ?? columns;
  if (entry.shape.length !== 2 || rows !== k || columns !== tokenDim) {
    throw invalid(`"${PROMPT_TENSOR_NAME}" has shape [${entry.shape.join(', ')}]; the config says [${k}, ${JSON.stringify(tokenDim)}]`);
  }
  if (entry.dtype !== 'F32' && entry.dtype !== 'F16' && entry.dtype !== 'BF16') {
    throw invalid(`"${PROMPT_TENSOR_NAME}" has dtype ${entry.dtype}; F32, F16 or BF16 is required`);
  }
  const values = toFloat32(entry, PROMPT_TENSOR_NAME, source);

  const baseModel = defaults.baseModel ?? config.base_model_name_or_path;
  if (typeof baseModel !== 'string' || baseModel === '') throw invalid('base_model_name_or_path is missing; pass baseModel');
  const manifest: PromptManifestInput = { ...defaults, baseModel, architecture, init: defaults.init ?? importInit(config) };
  const dtype = options.dtype ?? (entry.dtype === 'F16' ? 'float16' : 'float32');
  return encodeImportedPrompt(values, k as number, columns as number, manifest, dtype, source);
}

function readConfig(files: ReadonlyMap<string, Uint8Array>, invalid: (message: string) => PtuneError): Record<string, unknown> {
  const bytes = files.get(PEFT_CONFIG_FILE);
  if (!bytes) throw invalid(`no ${PEFT_CONFIG_FILE} (files: ${[...files.keys()].join(', ') || 'none'})`);
  let config: unknown;
  try {
    config = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (error) {
    throw invalid(`${PEFT_CONFIG_FILE} is not valid JSON (${(error as Error).message})`);
  }
  if (typeof config !== 'object' || config === null || Array.isArray(config)) throw invalid(`${PEFT_CONFIG_FILE} is not a JSON object`);
  return config as Record<string, unknown>;
}

function importArchitecture(taskType: unknown, expected: ArtifactArchitecture | undefined, source: string): ArtifactArchitecture {
  const fromConfig = taskType === 'CAUSAL_LM' ? 'llama' : taskType === 'SEQ_2_SEQ_LM' ? 't5' : undefined;
  if (fromConfig && expected && fromConfig !== expected) {
    throw new PtuneError(
      'ARTIFACT_ARCHITECTURE_MISMATCH',
      `${source}: task_type ${taskType} means a ${fromConfig} model, but architecture "${expected}" was given`,
    );
  }
  const architecture = expected ?? fromConfig;
  if (!architecture) {
    throw new PtuneError('ARTIFACT_INVALID', `${source}: task_type ${JSON.stringify(taskType)} is neither CAUSAL_LM nor SEQ_2_SEQ_LM; pass architecture`);
  }
  return architecture;
}

function importInit(config: Record<string, unknown>): ManifestPromptInit {
  if (config.prompt_tuning_init === 'TEXT' && typeof config.prompt_tuning_init_text === 'string') {
    return { method: 'text', text: config.prompt_tuning_init_text };
  }
  return { method: config.prompt_tuning_init === 'SAMPLE_VOCAB' ? 'sampled-vocab' : 'random' };
}
