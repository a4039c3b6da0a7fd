import { Command } from 'commander';
import { nearestTokens, requireTokenizer } from '@ptune/core';
import { addModelOptions, openModel, parseNumber, printJson, type ModelOptions } from '../shared-options.js';
import { loadSoftPrompt } from '../soft-prompt-file.js';

interface NeighborsFlags extends ModelOptions {
  softPrompt: string;
  k: number;
}

export function neighborsCommand(): Command {
  return addModelOptions(new Command('neighbors'))
    .description('interpret a prompt: the nearest vocabulary tokens of each prompt vector (cosine similarity)')
    .requiredOption('--soft-prompt <file>', 'prompt artifact')
    .option('-k, --k <n>', 'tokens per position', parseNumber('--k', { integer: true, min: 1 }), 5)
    .action(async (flags: NeighborsFlags) => {
      const { loaded } = await openModel(flags);
      const tokenizer = requireTokenizer(loaded);
      const prompt = await loadSoftPrompt(flags.softPrompt, loaded.model);
      const specials = new Set(Array.from({ length: tokenizer.vocabSize }, (_, id) => id).filter((id) => tokenizer.isSpecialId(id)));
      const neighbors = await nearestTokens(loaded.model, prompt.artifact.embeddings, flags.k, specials);
      const positions = neighbors.map((row, position) => ({
        position,
        tokens: row.map(({ id, similarity }) => ({ id, token: tokenizer.idToToken(id) ?? '', similarity })),
      }));
      if (flags.json) return printJson({ positions });
      for (const { position, tokens } of positions) {
        process.stdout.write(`${String(position).padStart(3)}  ${tokens.map((t) => `${JSON.stringify(t.token)} ${t.similarity.toFixed(2)}`).join('  ')}\n`);
      }
    });
}
