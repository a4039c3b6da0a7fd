import { Command, InvalidArgumentError } from 'commander';
import { addModelOptions, openModel, printJson, type ModelOptions } from '../shared-options.js';

interface LogitsFlags extends ModelOptions {
  ids: number[];
}

function parseIds(raw: string): number[] {
  const parts = raw.split(',').map((part) => part.trim());
  // Number('') is 0: an empty part ("1,,2", "") must not silently become token 0.
  const ids = parts.map((part) => (part === '' ? Number.NaN : Number(part)));
  if (ids.some((id) => !Number.isInteger(id) || id < 0)) {
    throw new InvalidArgumentError(`--ids must be comma-separated non-negative integers, got "${raw}".`);
  }
  return ids;
}

export function logitsCommand(): Command {
  return addModelOptions(new Command('logits'))
    .description('print the logits for a sequence of token ids (one row per position, float32 values)')
    .requiredOption('--ids <ids>', 'comma-separated token ids, e.g. 1,5,9', parseIds)
    .action(async (flags: LogitsFlags) => {
      const { loaded } = await openModel(flags);
      const tensor = loaded.model.forward({ ids: [flags.ids] });
      const logits = ((await tensor.array()) as number[][][])[0]!;
      tensor.dispose();
      if (flags.json) printJson({ logits });
      else logits.forEach((row, position) => process.stdout.write(`${position}\t${row.map((v) => v.toPrecision(6)).join(' ')}\n`));
    });
}
