import type { TextTokenizer } from '../tokenizer/text-tokenizer.js';

/**
 * Turns generated tokens into text pieces as they arrive. The whole continuation is decoded each
 * time (byte-fallback tokens only form characters together) and a piece is released only when the
 * text so far ends in a complete character; `flush` releases whatever is left, so the pieces
 * always concatenate to `decode(tokens)`.
 */
export function textStream(tokenizer: TextTokenizer): { push(id: number): string; flush(): string } {
  const ids: number[] = [];
  let emitted = '';
  const release = (final: boolean): string => {
    const text = tokenizer.decode(ids);
    if (!text.startsWith(emitted) || (!final && text.endsWith('\uFFFD'))) return '';
    const piece = text.slice(emitted.length);
    emitted = text;
    return piece;
  };
  return {
    push(id) {
      ids.push(id);
      return release(false);
    },
    flush: () => release(true),
  };
}
