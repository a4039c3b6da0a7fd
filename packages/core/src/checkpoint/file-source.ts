/**
 * Where checkpoint files come from: a local folder, a Hub cache, an R2 bucket or files a person
 * dropped in the browser. Loaders only see this interface, so each format is parsed in one place.
 */
export interface FileSource {
  /** Human-readable location used in error messages. */
  readonly description: string;
  /** The file's bytes, or null when it does not exist. */
  read(name: string): Promise<Uint8Array | null>;
  /** File names at the top level, when the source can list them. */
  list?(): Promise<string[]>;
  /**
   * Opens a file for reads of parts of it, or null when it does not exist. Sources that can offer
   * it let loaders read a checkpoint tensor by tensor instead of holding the whole file.
   */
  open?(name: string): Promise<RandomAccessFile | null>;
}

/** An open file: its size and reads of byte ranges. */
export interface RandomAccessFile {
  readonly size: number;
  /**
   * Exactly `length` bytes from `offset` (the range lies inside the file): read into `into` when
   * given (at least `length` bytes; its prefix is returned), else into a fresh buffer starting at
   * offset 0 of its ArrayBuffer; a file held in memory may return a view of itself instead.
   */
  read(offset: number, length: number, into?: Uint8Array): Promise<Uint8Array>;
  close(): Promise<void>;
}

/** A source over an in-memory map (tests, browser uploads). */
export function memoryFileSource(files: ReadonlyMap<string, Uint8Array>, description = 'memory'): FileSource {
  return {
    description,
    read: async (name) => files.get(name) ?? null,
    list: async () => [...files.keys()],
    open: async (name) => {
      const bytes = files.get(name);
      if (!bytes) return null;
      return { size: bytes.byteLength, read: async (offset, length) => bytes.subarray(offset, offset + length), close: async () => {} };
    },
  };
}
