import { ensureBackend } from '../backend/backends.js';
import { PtuneError } from '../errors.js';
import { fingerprintParameters } from '../model/fingerprint.js';
import type { FrozenLanguageModel } from '../model/language-model.js';
import { LlamaModel } from '../model/llama.js';
import { T5Model } from '../model/t5.js';
import { TextTokenizer } from '../tokenizer/text-tokenizer.js';
import { loadTokenizerFromSource } from '../tokenizer/tokenizer-files.js';
import type { FileSource } from './file-source.js';
import { loadHfLlama } from './hf-llama.js';
import { loadHfT5 } from './hf-t5.js';
import { parseLlama2cCheckpoint } from './llama2c.js';
import { readJson } from './read-parameters.js';

export type CheckpointFormat = 'llama2c' | 'hf';

/** A frozen model ready to run, with its tokenizer when the checkpoint ships one. */
export interface LoadedModel {
  readonly model: FrozenLanguageModel;
  readonly tokenizer: TextTokenizer | null;
  readonly format: CheckpointFormat;
  readonly source: string;
}

export interface LoadModelOptions {
  /** llama2.c checkpoint file name (default: the only `*.bin` that is not a `tok*.bin`). */
  readonly checkpointFile?: string;
  /** llama2.c tokenizer file name (default: the only `tok*.bin`). */
  readonly tokenizerFile?: string;
}

/** Returns the tokenizer or throws TOKENIZER_MISSING naming the model source. */
export function requireTokenizer(loaded: LoadedModel): TextTokenizer {
  if (!loaded.tokenizer) {
    throw new PtuneError('TOKENIZER_MISSING', `${loaded.source} has no tokenizer (tokenizer.json or spiece.model, or tok*.bin for llama2.c checkpoints)`);
  }
  return loaded.tokenizer;
}

async function detectLlama2cFiles(source: FileSource, options: LoadModelOptions): Promise<{ checkpoint: string; tokenizer: string | null }> {
  const names = options.checkpointFile && options.tokenizerFile ? [] : ((await source.list?.()) ?? []);
  const tokenizers = names.filter((n) => /^tok.*\.bin$/.test(n));
  const checkpoints = names.filter((n) => n.endsWith('.bin') && !tokenizers.includes(n));
  const checkpoint = options.checkpointFile ?? (checkpoints.length === 1 ? checkpoints[0]! : null);
  if (!checkpoint) {
    throw new PtuneError(
      'CHECKPOINT_NOT_FOUND',
      `${source.description}: no config.json (Hugging Face layout) and ${checkpoints.length === 0 ? 'no' : 'more than one'} llama2.c *.bin checkpoint`,
    );
  }
  return { checkpoint, tokenizer: options.tokenizerFile ?? tokenizers[0] ?? null };
}

/** Architectures of Hugging Face checkpoints, by `config.json` `model_type` (qwen2 loads as Llama with q/k/v biases). */
const HF_MODEL_TYPES = ['llama', 'qwen2', 't5'] as const;
type HfModelType = (typeof HF_MODEL_TYPES)[number];

/** Which loader a HF `config.json` needs; UNSUPPORTED_ARCHITECTURE names an unknown `model_type`. */
function hfModelType(raw: Record<string, unknown>, where: string): HfModelType {
  const architectures = Array.isArray(raw.architectures) ? raw.architectures : [];
  if (HF_MODEL_TYPES.includes(raw.model_type as HfModelType)) return raw.model_type as HfModelType;
  if (raw.model_type === undefined && architectures.includes('LlamaForCausalLM')) return 'llama';
  if (raw.model_type === undefined && architectures.includes('Qwen2ForCausalLM')) return 'qwen2';
  throw new PtuneError(
    'UNSUPPORTED_ARCHITECTURE',
    `${where}: model_type ${JSON.stringify(raw.model_type)} (architectures ${JSON.stringify(architectures)}) is not supported (${HF_MODEL_TYPES.join(', ')})`,
  );
}

async function loadHfModel(source: FileSource, rawConfig: Record<string, unknown>): Promise<FrozenLanguageModel> {
  const options = { source: source.description };
  if (hfModelType(rawConfig, `${source.description}/config.json`) === 't5') {
    const { config, params } = await loadHfT5(source);
    return new T5Model(config, params, await fingerprintParameters(params), { ...options, releaseHostCopies: true });
  }
  const { config, params } = await loadHfLlama(source);
  return new LlamaModel(config, params, await fingerprintParameters(params), { ...options, releaseHostCopies: true });
}

/**
 * Loads a checkpoint from a source: the Hugging Face layout when `config.json` exists (Llama, Qwen2 or T5,
 * by its `model_type`), else a llama2.c `.bin`.
 */
export async function loadModel(source: FileSource, options: LoadModelOptions = {}): Promise<LoadedModel> {
  await ensureBackend();
  const rawConfig = await readJson(source, 'config.json');
  if (rawConfig) {
    const model = await loadHfModel(source, rawConfig);
    return { model, tokenizer: await loadTokenizerFromSource(source), format: 'hf', source: source.description };
  }
  const files = await detectLlama2cFiles(source, options);
  const bytes = await source.read(files.checkpoint);
  if (!bytes) throw new PtuneError('CHECKPOINT_NOT_FOUND', `${source.description}/${files.checkpoint} does not exist`);
  const { config, params } = parseLlama2cCheckpoint(bytes, `${source.description}/${files.checkpoint}`);
  let tokenizer: TextTokenizer | null = null;
  if (files.tokenizer) {
    const tokenizerBytes = await source.read(files.tokenizer);
    if (tokenizerBytes) tokenizer = TextTokenizer.fromLlama2cFile(tokenizerBytes, config.vocabSize, `${source.description}/${files.tokenizer}`);
  }
  const model = new LlamaModel(config, params, await fingerprintParameters(params), { source: source.description, releaseHostCopies: true });
  return { model, tokenizer, format: 'llama2c', source: source.description };
}
