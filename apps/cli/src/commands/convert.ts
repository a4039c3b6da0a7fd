import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Command } from 'commander';
import { convertLlama2cToHf, PtuneError } from '@ptune/core';
import { resolveModelSource } from '@ptune/core/node';
import { printJson } from '../shared-options.js';

interface ConvertFlags {
  model: string;
  out: string;
  checkpoint?: string;
  tokenizer?: string;
  json?: boolean;
}

export function convertCommand(): Command {
  return new Command('convert')
    .description('convert a llama2.c checkpoint (+ tok*.bin) to the Hugging Face layout (config.json, model.safetensors, tokenizer.json)')
    .option('-m, --model <name|dir|file>', 'llama2.c model to convert', 'stories260K')
    .requiredOption('-o, --out <dir>', 'output folder (created if needed)')
    .option('--checkpoint <file>', 'checkpoint file name inside the model folder (default: the only *.bin)')
    .option('--tokenizer <file>', 'tokenizer file name inside the model folder (default: the only tok*.bin)')
    .option('--json', 'print {"out", "files"} on stdout')
    .action(async (flags: ConvertFlags) => {
      const source = await resolveModelSource(flags.model);
      const names = (await source.list?.()) ?? [];
      const checkpointName = flags.checkpoint ?? names.find((n) => n.endsWith('.bin') && !n.startsWith('tok'));
      const tokenizerName = flags.tokenizer ?? names.find((n) => /^tok.*\.bin$/.test(n));
      const checkpoint = checkpointName ? await source.read(checkpointName) : null;
      if (!checkpoint) throw new PtuneError('CHECKPOINT_NOT_FOUND', `${source.description}: no llama2.c checkpoint (*.bin) to convert`);
      const tokenizer = tokenizerName ? await source.read(tokenizerName) : null;
      const files = convertLlama2cToHf(checkpoint, tokenizer, {
        checkpoint: `${source.description}/${checkpointName}`,
        tokenizer: `${source.description}/${tokenizerName}`,
      });
      await mkdir(flags.out, { recursive: true });
      for (const [name, bytes] of files) await writeFile(join(flags.out, name), bytes);
      if (flags.json) printJson({ out: flags.out, files: [...files.keys()] });
      else process.stdout.write(`wrote ${[...files.keys()].join(', ')} to ${flags.out}\n`);
    });
}
