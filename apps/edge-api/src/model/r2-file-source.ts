import type { FileSource } from '@ptune/core';

/** A checkpoint folder in an R2 bucket: `prefix` + file name is the object key. */
export function r2FileSource(bucket: R2Bucket, prefix: string): FileSource {
  return {
    description: `r2:${prefix.replace(/\/$/, '')}`,
    async read(name) {
      const object = await bucket.get(prefix + name);
      return object ? new Uint8Array(await object.arrayBuffer()) : null;
    },
    async list() {
      const names: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await bucket.list({ prefix, cursor, delimiter: '/' });
        names.push(...page.objects.map((o) => o.key.slice(prefix.length)));
        cursor = page.truncated ? page.cursor : undefined;
      } while (cursor);
      return names;
    },
  };
}
