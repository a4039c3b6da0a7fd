/**
 * Test reference: a line-by-line port of llama2.c's tokenizer loading (`build_tokenizer`) and
 * `encode()` from run.c (https://github.com/karpathy/llama2.c/blob/master/run.c). Deliberately
 * independent of the tokenizer layer: it reads the file itself and works on bytes, as C does.
 * Strings are "byte strings" (one char per byte, 0..255), so `<` compares like `strcmp`.
 */

/** A llama2.c tokenizer as run.c holds it. */
export interface Llama2cReferenceVocab {
  /** vocab[i] as a byte string (what `char*` points at, up to its first NUL). */
  readonly vocab: readonly string[];
  readonly vocabScores: Float32Array;
  readonly maxTokenLength: number;
  /** (str, id) sorted by str, for run.c's bsearch-based `str_lookup`. */
  readonly sortedVocab: ReadonlyArray<{ readonly str: string; readonly id: number }>;
}

/** Reads a llama2.c tokenizer file the way run.c's `build_tokenizer` does (no validation). */
export function readLlama2cReferenceVocab(bytes: Uint8Array, vocabSize: number): Llama2cReferenceVocab {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const maxTokenLength = view.getInt32(0, true);
  const vocab: string[] = [];
  const vocabScores = new Float32Array(vocabSize);
  let offset = 4;
  for (let i = 0; i < vocabSize; i++) {
    vocabScores[i] = view.getFloat32(offset, true);
    const len = view.getInt32(offset + 4, true);
    offset += 8;
    const raw = bytes.subarray(offset, offset + len);
    const nul = raw.indexOf(0);
    vocab.push(String.fromCharCode(...(nul >= 0 ? raw.subarray(0, nul) : raw)));
    offset += len;
  }
  const sortedVocab = vocab.map((str, id) => ({ str, id })).sort((a, b) => (a.str < b.str ? -1 : a.str > b.str ? 1 : 0));
  return { vocab, vocabScores, maxTokenLength, sortedVocab };
}

/** run.c `str_lookup`: bsearch over the sorted vocab; -1 when absent. */
function strLookup(str: string, sorted: Llama2cReferenceVocab['sortedVocab']): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const entry = sorted[mid]!;
    if (str < entry.str) hi = mid;
    else if (str > entry.str) lo = mid + 1;
    else return entry.id;
  }
  return -1;
}

/**
 * run.c `encode(t, text, bos, eos, tokens, &n_tokens)`. `text` reaches C as UTF-8 (lone
 * surrogates as U+FFFD) and ends at its first NUL, like any C string.
 */
export function llama2cEncode(t: Llama2cReferenceVocab, text: string, bos: boolean, eos: boolean): number[] {
  const utf8 = new TextEncoder().encode(text);
  const nul = utf8.indexOf(0);
  const c = nul >= 0 ? utf8.subarray(0, nul) : utf8;
  const tokens: number[] = [];

  if (bos) tokens.push(1);
  // add_dummy_prefix is true by default: prepend " ", but only if text != ""
  if (c.length > 0) tokens.push(strLookup(' ', t.sortedVocab));

  let strBuffer = '';
  for (let i = 0; i < c.length; i++) {
    // reset the buffer if the current byte is ASCII or a leading byte (not a continuation byte)
    if ((c[i]! & 0xc0) !== 0x80) strBuffer = '';
    strBuffer += String.fromCharCode(c[i]!);
    // while the next byte is a continuation byte, keep appending (at most 4 bytes)
    const next = i + 1 < c.length ? c[i + 1]! : 0;
    if ((next & 0xc0) === 0x80 && strBuffer.length < 4) continue;
    const id = strLookup(strBuffer, t.sortedVocab);
    if (id !== -1) {
      tokens.push(id);
    } else {
      // byte_fallback: each byte as a token; +3 skips <unk>, <s>, </s>
      for (let k = 0; k < strBuffer.length; k++) tokens.push(strBuffer.charCodeAt(k) + 3);
    }
    strBuffer = '';
  }

  // merge the best consecutive pair each iteration, according to vocab_scores
  for (;;) {
    let bestScore = Math.fround(-1e10);
    let bestId = -1;
    let bestIdx = -1;
    for (let i = 0; i < tokens.length - 1; i++) {
      const id = strLookup(t.vocab[tokens[i]!]! + t.vocab[tokens[i + 1]!]!, t.sortedVocab);
      if (id !== -1 && t.vocabScores[id]! > bestScore) {
        bestScore = t.vocabScores[id]!;
        bestId = id;
        bestIdx = i;
      }
    }
    if (bestIdx === -1) break;
    tokens.splice(bestIdx, 2, bestId);
  }

  if (eos) tokens.push(2);
  return tokens;
}
