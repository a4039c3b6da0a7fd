/**
 * Which tensors a T5 checkpoint shares, decided from its config AND its tensors, the way Hugging
 * Face transformers decides it in each version:
 * - transformers 4 reads `tie_word_embeddings` (default true) literally: tied means `lm_head` IS
 *   the embedding table (a stored `lm_head.weight` is overwritten) and the decoder output is scaled
 *   by d_model^-0.5; untied means a separate, unscaled `lm_head`.
 * - transformers 5 (`T5Config.__post_init__`) sets `scale_decoder_outputs = tie_word_embeddings is
 *   not False`, then forces `tie_word_embeddings = True`; a saved `scale_decoder_outputs` key
 *   overrides the derived value. Its loader ties `lm_head` to `shared` only when the file lacks one
 *   of them, or holds both with equal values (huggingface/transformers#42507, #44497).
 * - `tie_encoder_decoder`: transformers 4 replaces every encoder weight that has a decoder
 *   counterpart with the decoder's (`_tie_encoder_decoder_weights`); transformers 5 removed that.
 * Where both versions agree, or where the config could only have been written by one of them, the
 * checkpoint loads that way. Where they would load different models, CONFIG_MISMATCH names both
 * sides: never a guess.
 */
import { PtuneError } from '../errors.js';
import type { HostTensor } from '../model/parameters.js';

/** The head a checkpoint has, as T5Config fields. */
export interface T5Head {
  readonly tiedEmbeddings: boolean;
  readonly scaleDecoderOutputs: boolean;
}

const TABLE_NAMES = ['shared.weight', 'encoder.embed_tokens.weight', 'decoder.embed_tokens.weight'] as const;

function sameValues(a: HostTensor, b: HostTensor): boolean {
  if (a.data === b.data) return true;
  if (a.data.length !== b.data.length || a.shape.join() !== b.shape.join()) return false;
  for (let i = 0; i < a.data.length; i++) if (a.data[i] !== b.data[i]) return false;
  return true;
}

function mismatch(where: string, message: string): PtuneError {
  return new PtuneError('CONFIG_MISMATCH', `${where}: ${message}`);
}

/** One embedding table under `shared.weight`; its `embed_tokens` aliases must agree with it and are dropped. */
function unifyTable(params: Map<string, HostTensor>, where: string): void {
  const present = TABLE_NAMES.filter((name) => params.has(name));
  const first = present[0];
  if (!first) return;
  const other = present.find((name) => !sameValues(params.get(first)!, params.get(name)!));
  if (other) throw mismatch(where, `T5 has one embedding table, but ${first} and ${other} hold different values`);
  params.set('shared.weight', params.get(first)!);
  params.delete('encoder.embed_tokens.weight');
  params.delete('decoder.embed_tokens.weight');
}

/**
 * Resolves the output head of a HF T5 checkpoint from `raw` (config.json) and `params` (the file's
 * tensors), leaving `params` with the table once under `shared.weight` and `lm_head.weight` only
 * when the head is separate.
 */
export function resolveT5Head(raw: Record<string, unknown>, params: Map<string, HostTensor>, where: string): T5Head {
  const declaredScale = raw.scale_decoder_outputs;
  if (declaredScale !== undefined && typeof declaredScale !== 'boolean') {
    throw new PtuneError('CHECKPOINT_INVALID', `${where}: "scale_decoder_outputs" must be true or false, got ${JSON.stringify(declaredScale)}`);
  }
  unifyTable(params, where);
  const head = params.get('lm_head.weight');
  const table = params.get('shared.weight');
  if (!table && head && raw.tie_word_embeddings !== false) params.set('shared.weight', head); // a tied file storing only the head
  const separate = head !== undefined && table !== undefined && !sameValues(head, table);
  const said = `config.json says tie_word_embeddings: ${raw.tie_word_embeddings === undefined ? '(absent, default true)' : JSON.stringify(raw.tie_word_embeddings)}${declaredScale === undefined ? '' : `, scale_decoder_outputs: ${declaredScale}`}`;

  if (raw.tie_word_embeddings === false) {
    if (!head) throw mismatch(where, `${said} (a separate lm_head), but the weights have no lm_head.weight (transformers 4 would leave the head random, transformers 5 would tie it to shared.weight)`);
    return { tiedEmbeddings: false, scaleDecoderOutputs: false };
  }
  if (declaredScale !== undefined) {
    // Only transformers >= 5 writes scale_decoder_outputs, and it writes tie_word_embeddings: true
    // for every T5; the file's own lm_head then decides (transformers#42507): its reading holds.
    if (!separate) params.delete('lm_head.weight');
    return { tiedEmbeddings: !separate, scaleDecoderOutputs: declaredScale };
  }
  if (separate) {
    throw mismatch(where, `${said}, but the weights hold an lm_head.weight different from shared.weight: transformers 4 would ignore lm_head.weight (tied, scaled head), transformers 5 would use it (separate head, still scaled); set tie_word_embeddings and scale_decoder_outputs explicitly`);
  }
  params.delete('lm_head.weight');
  return { tiedEmbeddings: true, scaleDecoderOutputs: true };
}

/** The encoder weight transformers 4 ties to a decoder weight, or null when none is. */
function encoderCounterpart(decoderName: string): string | null {
  if (decoderName === 'decoder.final_layer_norm.weight') return 'encoder.final_layer_norm.weight';
  // Decoder layer 0 (self-attention) matches encoder layer 0; decoder layer 2 (feed-forward)
  // matches encoder layer 1; the cross-attention (layer 1) has no encoder counterpart.
  const match = /^decoder\.block\.(\d+)\.layer\.([02])\.(.+)$/.exec(decoderName);
  return match ? `encoder.block.${match[1]}.layer.${match[2] === '0' ? 0 : 1}.${match[3]}` : null;
}

/**
 * `tie_encoder_decoder: true`: encoder weights are the decoder's (transformers 4). An encoder
 * weight the file lacks is taken from the decoder, as transformers 4 does (transformers 5 would
 * leave it random); one the file holds with other values than the decoder's is CONFIG_MISMATCH.
 */
export function tieEncoderToDecoder(params: Map<string, HostTensor>, layers: { encoder: number; decoder: number }, where: string): void {
  if (layers.encoder !== layers.decoder) {
    throw mismatch(where, `tie_encoder_decoder: true needs as many decoder as encoder layers, config.json has ${layers.encoder} and ${layers.decoder}`);
  }
  for (const name of [...params.keys()]) {
    const encoder = encoderCounterpart(name);
    if (!encoder) continue;
    const own = params.get(encoder);
    const decoder = params.get(name)!;
    if (!own) params.set(encoder, decoder);
    else if (!sameValues(own, decoder)) {
      throw mismatch(where, `config.json says tie_encoder_decoder: true, but ${encoder} differs from ${name}: transformers 4 would use the decoder's, transformers 5 each its own`);
    }
  }
}
