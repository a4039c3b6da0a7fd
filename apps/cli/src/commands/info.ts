import { Command } from 'commander';
import { LlamaModel, T5Model } from '@ptune/core';
import { addModelOptions, openModel, printJson, type ModelOptions } from '../shared-options.js';

export function infoCommand(): Command {
  return addModelOptions(new Command('info'))
    .description('show a model: architecture, sizes, fingerprint, format and the backend in use')
    .action(async (flags: ModelOptions) => {
      const { loaded, backend } = await openModel(flags);
      const { model } = loaded;
      const info = {
        source: loaded.source,
        format: loaded.format,
        architecture: model.architecture,
        config: model instanceof LlamaModel || model instanceof T5Model ? model.config : null,
        fingerprint: model.fingerprint,
        tokenizer: loaded.tokenizer ? { vocabSize: loaded.tokenizer.vocabSize } : null,
        backend,
      };
      if (flags.json) printJson(info);
      else process.stdout.write(`${JSON.stringify(info, null, 2)}\n`);
    });
}
