import { Command } from 'commander';
import { initBackend, requireTokenizer } from '@ptune/core';
import { resolveModelSource } from '@ptune/core/node';
import { loadModel } from '@ptune/core';
import { printJson } from '../shared-options.js';

interface TokenizeFlags {
  model: string;
  bos: boolean;
  eos: boolean;
  json?: boolean;
}

export function tokenizeCommand(): Command {
  return new Command('tokenize')
    .description("encode text with the model's tokenizer (user text never becomes special tokens)")
    .argument('<text>', 'text to encode')
    .option('-m, --model <name|dir|file|repo>', 'model whose tokenizer to use', 'stories260K')
    .option('--no-bos', 'do not prepend BOS')
    .option('--eos', 'append EOS', false)
    .option('--json', 'print {"ids": [...]} on stdout')
    .action(async (text: string, flags: TokenizeFlags) => {
      await initBackend('cpu');
      const tokenizer = requireTokenizer(await loadModel(await resolveModelSource(flags.model)));
      const ids = tokenizer.encode(text, { addBos: flags.bos, addEos: flags.eos });
      if (flags.json) printJson({ ids });
      else for (const id of ids) process.stdout.write(`${id}\t${JSON.stringify(tokenizer.idToToken(id))}\n`);
    });
}
