import { Command, InvalidArgumentError } from 'commander';
import { PtuneError } from '@ptune/core';
import { addModelOptions, openModel, printJson, type ModelOptions } from '../shared-options.js';

interface LogitsFlags extends ModelOptions {
  ids: number[];
  decoderIds?: number[];
}

function parseIds(raw: string, flag = '--ids'): number[] {
  const parts = raw.split(',').map((part) => part.trim());
  // Number('') is 0: an empty part ("1,,2", "") must not silently become token 0.
  const ids = parts.map((part) => (part === '' ? Number.NaN : Number(part)));
  if (ids.some((id) => !Number.isInteger(id) || id < 0)) {
    throw new InvalidArgumentError(`${flag} must be comma-separated non-negative integers, got "${raw}".`);
  }
  return ids;
}

export function logitsCommand(): Command {
  return addModelOptions(new Command('logits'))
    .description('print the logits for a sequence of token ids (one row per position, float32 values); for T5, of the decoder positions')
    .requiredOption('--ids <ids>', 'comma-separated token ids, e.g. 1,5,9 (for T5: the encoder input)', (raw) => parseIds(raw))
    .option('--decoder-ids <ids>', 'encoder-decoder models: comma-separated decoder token ids (default: the decoder start token)', (raw) => parseIds(raw, '--decoder-ids'))
    .action(async (flags: LogitsFlags) => {
      const { loaded } = await openModel(flags);
      const { model } = loaded;
      if (flags.decoderIds && model.architecture !== 't5') {
        throw new PtuneError('INVALID_ARGUMENT', `--decoder-ids is for encoder-decoder models; ${loaded.source} is a decoder-only ${model.architecture} model`);
      }
      const tensor = model.forward({ ids: [flags.ids] }, flags.decoderIds ? { ids: [flags.decoderIds] } : undefined);
      const logits = ((await tensor.array()) as number[][][])[0]!;
      tensor.dispose();
      if (flags.json) printJson({ logits });
      else logits.forEach((row, position) => process.stdout.write(`${position}\t${row.map((v) => v.toPrecision(6)).join(' ')}\n`));
    });
}
