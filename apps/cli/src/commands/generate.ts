import { Command } from 'commander';
import { generate, generationStopIds, PtuneError, requireTokenizer } from '@ptune/core';
import { addModelOptions, openModel, parseNumber, printJson, type ModelOptions } from '../shared-options.js';

interface GenerateFlags extends ModelOptions {
  prompt: string;
  maxTokens: number;
  temperature: number;
  topP: number;
  seed: number;
}

export function generateCommand(): Command {
  return addModelOptions(new Command('generate'))
    .description('generate text from the frozen model (greedy with --temperature 0)')
    .option('-p, --prompt <text>', 'text to continue (default: start from BOS only); for T5, the encoder input', '')
    .option('-n, --max-tokens <n>', 'new tokens to generate', parseNumber('--max-tokens', { min: 0, integer: true }), 256)
    .option('-t, --temperature <t>', 'sampling temperature; 0 = greedy', parseNumber('--temperature', { min: 0 }), 1)
    .option('--top-p <p>', 'nucleus sampling threshold in (0, 1]', parseNumber('--top-p', { min: 0, exclusiveMin: true, max: 1 }), 0.9)
    .option('-s, --seed <n>', 'random seed (same seed, same text on every backend)', parseNumber('--seed', { integer: true, min: 0 }), 42)
    .action(async (flags: GenerateFlags) => {
      const { loaded } = await openModel(flags);
      const tokenizer = requireTokenizer(loaded);
      // An encoder-decoder reads the prompt in its encoder and writes a new text; a decoder-only model continues it.
      const encoderDecoder = loaded.model.architecture === 't5';
      const promptIds = encoderDecoder ? tokenizer.encode(flags.prompt) : tokenizer.encode(flags.prompt, { addBos: true });
      const echoed = encoderDecoder ? [] : promptIds;
      if (promptIds.length > loaded.model.maxSeqLen) {
        throw new PtuneError('SEQUENCE_TOO_LONG', `the prompt is ${promptIds.length} tokens; the model's context is ${loaded.model.maxSeqLen}`);
      }
      const generated: number[] = [];
      let printed = '';
      if (!flags.json) {
        printed = tokenizer.decode(echoed);
        process.stdout.write(printed);
      }
      const result = await generate(loaded.model, [promptIds], {
        maxNewTokens: flags.maxTokens,
        temperature: flags.temperature,
        topP: flags.topP,
        seed: flags.seed,
        stopIds: generationStopIds(loaded.model, tokenizer),
        onStep: ([id]) => {
          if (id === null || id === undefined || flags.json) return;
          generated.push(id);
          // Decode the whole text each time: byte-fallback tokens only form characters together.
          const text = tokenizer.decode([...echoed, ...generated]);
          if (text.startsWith(printed) && !text.endsWith('\uFFFD')) {
            process.stdout.write(text.slice(printed.length));
            printed = text;
          }
        },
      });
      const tokens = result.tokens[0]!;
      const text = tokenizer.decode([...echoed, ...tokens]);
      if (flags.json) printJson({ text, tokens, promptTokens: promptIds, stopReason: result.stopReasons[0] });
      else process.stdout.write(`${text.slice(printed.length)}\n`);
    });
}
