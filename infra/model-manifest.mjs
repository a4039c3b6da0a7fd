#!/usr/bin/env node
/**
 * Writes a hosted model's manifest (`models/{id}/manifest.json` in R2): id, architecture,
 * fingerprint (the core's fingerprintParameters over the loaded weights), sizes, and each file the
 * loader reads with its size and sha256.
 *   node infra/model-manifest.mjs <model: name | folder> [--id ID] [--out FILE]   (default: stdout)
 */
import { writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeModel, initBackend } from '@ptune/core';
import { resolveModelSource } from '@ptune/core/node';

/** The manifest of the model `spec` (a known name such as stories260K, or a checkpoint folder). */
export async function modelManifest(spec, id = basename(spec.replace(/\/+$/, ''))) {
  await initBackend('cpu');
  const { manifest, loaded } = await describeModel(await resolveModelSource(spec), id);
  loaded.model.dispose();
  return manifest;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const option = (name) => {
    const at = args.indexOf(name);
    return at >= 0 ? args.splice(at, 2)[1] : undefined;
  };
  const id = option('--id');
  const out = option('--out');
  if (args.length !== 1) {
    process.stderr.write('usage: node infra/model-manifest.mjs <model: name | folder> [--id ID] [--out FILE]\n');
    process.exit(2);
  }
  try {
    const text = `${JSON.stringify(await modelManifest(args[0], id), null, 2)}\n`;
    if (out) await writeFile(out, text);
    else process.stdout.write(text);
  } catch (error) {
    process.stderr.write(`model-manifest: ${error.code ?? 'ERROR'}: ${error.message}\n`);
    process.exit(error.code === 'CHECKPOINT_NOT_FOUND' ? 4 : 3);
  }
}
