import { readFile } from 'node:fs/promises';
import { Command } from 'commander';
import { PtuneError } from '@ptune/core';
import { decodePromptArtifact } from '@ptune/core/artifact';
import { printJson } from '../shared-options.js';
import { callRegistry, registryBase, registryToken } from './registry-client.js';

interface PublishFlags {
  registry: string;
  token?: string;
  task: string;
  json?: boolean;
}

interface Published {
  task: string;
  version: number;
  sha256: string;
  created: boolean;
  bytes: number;
}

export function publishCommand(): Command {
  return new Command('publish')
    .description('upload a prompt artifact to an edge registry as a new version of a task (it becomes latest)')
    .argument('<file>', 'prompt artifact (.safetensors)')
    .requiredOption('--registry <url>', 'edge API base URL, e.g. http://127.0.0.1:8787')
    .option('--token <token>', 'publish token (default: $PTUNE_REGISTRY_TOKEN)')
    .requiredOption('--task <name>', 'task name in the registry')
    .option('--json', 'print machine-readable JSON on stdout')
    .action(async (file: string, flags: PublishFlags) => {
      const base = registryBase(flags.registry);
      const token = registryToken(flags.token);
      let bytes: Uint8Array<ArrayBuffer>;
      try {
        bytes = new Uint8Array(await readFile(file));
      } catch (error) {
        throw new PtuneError('ARTIFACT_INVALID', `${file}: cannot read the prompt artifact (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
      }
      decodePromptArtifact(bytes, file); // refuse a broken file before uploading it
      const published = await callRegistry<Published>(base, `/v1/tasks/${encodeURIComponent(flags.task)}/versions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' },
        body: bytes,
      });
      if (flags.json) return printJson(published);
      const verb = published.created ? 'published' : 'already published as';
      process.stdout.write(`${published.task}: ${verb} version ${published.version} (sha256 ${published.sha256.slice(0, 12)}, ${published.bytes} bytes)\n`);
    });
}
