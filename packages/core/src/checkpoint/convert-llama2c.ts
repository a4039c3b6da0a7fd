import { serializeSafetensors } from '../safetensors/safetensors.js';
import { llamaConfigToHf } from './hf-llama.js';
import { parseLlama2cCheckpoint } from './llama2c.js';
import { llama2cToTokenizerJson, parseLlama2cTokenizer } from '../tokenizer/llama2c-tokenizer.js';

/**
 * Converts a llama2.c checkpoint (+ optional tok*.bin tokenizer) to the Hugging Face layout:
 * `config.json`, `model.safetensors` (q/k permuted for rotate-half RoPE, tied weights once) and
 * `tokenizer.json`. Returns file name -> bytes; the caller decides where they go.
 */
export function convertLlama2cToHf(
  checkpoint: Uint8Array,
  tokenizer: Uint8Array | null,
  sources: { checkpoint: string; tokenizer?: string } = { checkpoint: 'checkpoint.bin' },
): Map<string, Uint8Array> {
  const { config, params } = parseLlama2cCheckpoint(checkpoint, sources.checkpoint);
  const encoder = new TextEncoder();
  const files = new Map<string, Uint8Array>();
  files.set('config.json', encoder.encode(`${JSON.stringify(llamaConfigToHf(config), null, 2)}\n`));
  const tensors = [...params.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, t]) => [name, { dtype: 'F32' as const, shape: t.shape, data: t.data }] as const);
  files.set('model.safetensors', serializeSafetensors(tensors, { format: 'pt', converted_from: 'llama2.c' }));
  if (tokenizer) {
    const parsed = parseLlama2cTokenizer(tokenizer, config.vocabSize, sources.tokenizer ?? 'tokenizer.bin');
    files.set('tokenizer.json', encoder.encode(JSON.stringify(llama2cToTokenizerJson(parsed))));
  }
  return files;
}
