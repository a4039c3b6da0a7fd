import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend/backends.js';
import { loadModel } from '../checkpoint/load-model.js';
import { localFileSource } from '../node/local-file-source.js';
import { assetPath } from '../test-support/assets.js';
import type { TextTokenizer } from '../tokenizer/text-tokenizer.js';
import { textStream } from './text-stream.js';

describe('textStream', () => {
  let tokenizer: TextTokenizer;
  beforeAll(async () => {
    await initBackend('cpu');
    const loaded = await loadModel(localFileSource(assetPath('stories260K')));
    tokenizer = loaded.tokenizer!;
    loaded.model.dispose();
  });

  it('releases whole characters only, and its pieces concatenate to the decoded text', () => {
    for (const text of [' Once upon a time', ' naïve café ✓ 日本', ' emoji 🙂 end']) {
      const ids = tokenizer.encode(text, { addBos: false });
      const stream = textStream(tokenizer);
      const pieces = ids.map((id) => stream.push(id));
      pieces.push(stream.flush());
      expect(pieces.join('')).toBe(tokenizer.decode(ids));
      for (const piece of pieces) expect(piece).not.toContain('\uFFFD');
      expect(pieces.filter(Boolean).length).toBeGreaterThan(1);
    }
  });
});
