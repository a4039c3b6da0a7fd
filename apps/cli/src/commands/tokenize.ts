import { existsSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { Command } from 'commander';
import { initBackend, loadModel, loadTokenizerFromSource, requireTokenizer, type TextTokenizer } from '@ptune/core';
import { loadTokenizerFile, resolveModelSource } from '@ptune/core/node';
import { printJson, resolveOptions, REVISION_FLAG } from '../shared-options.js';

interface TokenizeFlags {
  model: string;
  revision?: string;
  bos: boolean;
  eos?: boolean;
  json?: boolean;
}

const isTokenizerFile = (path: string): boolean => path.endsWith('.model') || basename(path) === 'tokenizer.json';

/**
 * The tokenizer for `--model`: a tokenizer file itself (T5's spiece.model, a tokenizer.json), the
 * tokenizer files of a model (no weights loaded), or, for llama2.c checkpoints, the model's tok*.bin.
 */
async function openTokenizer(spec: string, revision: string | undefined): Promise<TextTokenizer> {
  const isFile = existsSync(spec) && statSync(spec).isFile();
  if (isFile && isTokenizerFile(spec)) return loadTokenizerFile(spec);
  const source = await resolveModelSource(spec, resolveOptions({ revision }));
  const tokenizer = isFile ? null : await loadTokenizerFromSource(source);
  if (tokenizer) return tokenizer;
  await initBackend('cpu');
  return requireTokenizer(await loadModel(source));
}

export function tokenizeCommand(): Command {
  return new Command('tokenize')
    .description("encode text with the model's tokenizer (user text never becomes special tokens)")
    .argument('<text>', 'text to encode')
    .option('-m, --model <name|dir|file|repo>', 'model whose tokenizer to use, or a tokenizer file (spiece.model, or tokenizer.json read with the tokenizer_config.json beside it)', 'stories260K')
    .option(...REVISION_FLAG)
    .option('--no-bos', 'do not prepend BOS (tokenizers without one, such as T5, never do)')
    .option('--eos', "append EOS (default: the tokenizer's convention: T5 yes, Llama no)")
    .option('--no-eos', 'do not append EOS')
    .option('--json', 'print {"ids": [...]} on stdout')
    .action(async (text: string, flags: TokenizeFlags, command: Command) => {
      const tokenizer = await openTokenizer(flags.model, flags.revision);
      // Unless a flag says otherwise, each tokenizer follows its own convention (Llama: BOS; T5: EOS).
      const addBos = command.getOptionValueSource('bos') === 'cli' ? flags.bos : undefined;
      const ids = tokenizer.encode(text, { addBos, addEos: flags.eos });
      if (flags.json) printJson({ ids });
      else for (const id of ids) process.stdout.write(`${id}\t${JSON.stringify(tokenizer.idToToken(id))}\n`);
    });
}
