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
}

/** A source over an in-memory map (tests, browser uploads). */
export function memoryFileSource(files: ReadonlyMap<string, Uint8Array>, description = 'memory'): FileSource {
  return {
    description,
    read: async (name) => files.get(name) ?? null,
    list: async () => [...files.keys()],
  };
}
