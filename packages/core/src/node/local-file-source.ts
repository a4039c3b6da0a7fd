import { open, readdir, readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { FileSource, RandomAccessFile } from '../checkpoint/file-source.js';
import { PtuneError } from '../errors.js';

const isMissing = (error: unknown) => (error as NodeJS.ErrnoException).code === 'ENOENT';

/** A file opened for ranged reads; each read lands in its own buffer (aligned, nothing shared). */
async function openLocal(path: string): Promise<RandomAccessFile | null> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    if (isMissing(error)) return null;
    throw error;
  }
  const { size } = await handle.stat();
  return {
    size,
    async read(offset, length, into) {
      const out = into ? into.subarray(0, length) : new Uint8Array(length);
      for (let done = 0; done < length; ) {
        const { bytesRead } = await handle.read(out, done, length - done, offset + done);
        if (bytesRead === 0) throw new PtuneError('CHECKPOINT_INVALID', `${path}: file ended at byte ${offset + done} while reading ${length} bytes at ${offset} (changed while loading?)`);
        done += bytesRead;
      }
      return out;
    },
    close: () => handle.close(),
  };
}

/** A FileSource over a local folder. */
export function localFileSource(folder: string): FileSource {
  return {
    description: folder,
    async read(name) {
      try {
        const buffer = await readFile(join(folder, name));
        return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
      } catch (error) {
        if (isMissing(error)) return null;
        throw error;
      }
    },
    list: async () => (await readdir(folder, { withFileTypes: true })).filter((e) => e.isFile()).map((e) => e.name),
    open: (name) => openLocal(join(folder, name)),
  };
}

/** A FileSource over explicit files (e.g. `--model path/to/model.bin` with its tokenizer beside it). */
export function singleFileSource(file: string): FileSource {
  const folder = localFileSource(dirname(file));
  return {
    description: dirname(file),
    read: folder.read,
    open: folder.open!,
    list: async () => {
      const names = await folder.list!();
      return names.filter((n) => n === basename(file) || /^tok.*\.bin$/.test(n));
    },
  };
}
