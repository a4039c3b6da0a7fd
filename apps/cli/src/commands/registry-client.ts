import { PtuneError } from '@ptune/core';

export { callRegistry, registryBase } from '@ptune/core/registry';

/** `--token`, else `$PTUNE_REGISTRY_TOKEN`. */
export function registryToken(token: string | undefined): string {
  const value = token ?? process.env.PTUNE_REGISTRY_TOKEN;
  if (!value) throw new PtuneError('INVALID_ARGUMENT', 'give --token (or set PTUNE_REGISTRY_TOKEN)');
  return value;
}
