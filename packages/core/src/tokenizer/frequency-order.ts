import type { TokenizerJson } from './tokenizer-json.js';

const BYTE_FALLBACK = /^<0x[0-9A-Fa-f]{2}>$/;

/**
 * Token ids from most to least common in the tokenizer's own order: Unigram (SentencePiece) by
 * score, BPE by the rank of the merge that creates the token (tokens no merge creates, the
 * alphabet, follow by id), WordPiece and others by id. Special and byte-fallback tokens are left
 * out. This is the pool the paper's `sampled-vocab` initialisation draws from.
 */
export function tokenFrequencyOrder(json: TokenizerJson, specialIds: ReadonlySet<number>): number[] {
  const { model } = json;
  const keep = (id: number, piece: string) => !specialIds.has(id) && !BYTE_FALLBACK.test(piece);
  if (Array.isArray(model.vocab)) {
    return model.vocab
      .map(([piece, score], id) => ({ piece, score, id }))
      .filter(({ id, piece }) => keep(id, piece))
      .sort((a, b) => b.score - a.score || a.id - b.id)
      .map(({ id }) => id);
  }
  const vocab = model.vocab;
  const rank = new Map<number, number>();
  const merges = Array.isArray(model.merges) ? (model.merges as Array<[string, string] | string>) : [];
  merges.forEach((merge, index) => {
    const [left, right] = typeof merge === 'string' ? (merge.split(' ') as [string, string]) : merge;
    const id = vocab[`${left}${right}`];
    if (id !== undefined && !rank.has(id)) rank.set(id, index);
  });
  return Object.entries(vocab)
    .filter(([piece, id]) => keep(id, piece))
    .map(([, id]) => id)
    .sort((a, b) => (rank.get(a) ?? Number.MAX_SAFE_INTEGER + a) - (rank.get(b) ?? Number.MAX_SAFE_INTEGER + b) || a - b);
}
