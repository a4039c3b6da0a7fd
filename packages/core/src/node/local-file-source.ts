import { readdir, readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { FileSource } from '../checkpoint/file-source.js';

/** A FileSource over a local folder. */
export function localFileSource(folder: string): FileSource {
  return {
    description: folder,
    async read(name) {
      try {
        const buffer = await readFile(join(folder, name));
        return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw error;
      }
    },
    list: async () => (await readdir(folder, { withFileTypes: true })).filter((e) => e.isFile()).map((e) => e.name),
  };
}

/** A FileSource over explicit files (e.g. `--model path/to/model.bin` with its tokenizer beside it). */
export function singleFileSource(file: string): FileSource {
  const folder = localFileSource(dirname(file));
  return {
    description: dirname(file),
    read: folder.read,
    list: async () => {
      const names = await folder.list!();
      return names.filter((n) => n === basename(file) || /^tok.*\.bin$/.test(n));
    },
  };
}
