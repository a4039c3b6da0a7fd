import { Command, CommanderError } from 'commander';
import { isPtuneError } from '@ptune/core';
import { convertCommand } from './commands/convert.js';
import { evalCommand } from './commands/eval.js';
import { exportPeftCommand, importCommand } from './commands/interop.js';
import { neighborsCommand } from './commands/neighbors.js';
import { predictCommand } from './commands/predict.js';
import { publishCommand } from './commands/publish.js';
import { registryCommand } from './commands/registry.js';
import { remotePredictCommand } from './commands/remote-predict.js';
import { serveModelCommand } from './commands/serve-model.js';
import { trainCommand } from './commands/train.js';
import { generateCommand } from './commands/generate.js';
import { infoCommand } from './commands/info.js';
import { logitsCommand } from './commands/logits.js';
import { tokenizeCommand } from './commands/tokenize.js';
import { EXIT_USAGE, exitCodeFor, exitCodesHelp } from './exit-codes.js';
import { validateCommand } from './commands/validate.js';

export function buildProgram(): Command {
  const program = new Command('ptune')
    .description('Prompt tuning for frozen language models, trained in the browser and served at the edge')
    .version('0.1.0')
    .showHelpAfterError()
    .exitOverride()
    .addHelpText(
      'after',
      `\nAdd --json to any command for machine-readable output on stdout; errors then also print {"error":{"code","message"}}.\n\n${exitCodesHelp()}`,
    );
  for (const command of [
    validateCommand(), trainCommand(), evalCommand(), predictCommand(), neighborsCommand(), exportPeftCommand(), importCommand(),
    generateCommand(), tokenizeCommand(), logitsCommand(), infoCommand(), convertCommand(), publishCommand(), remotePredictCommand(), registryCommand(), serveModelCommand(),
  ]) {
    program.addCommand(command.exitOverride().showHelpAfterError());
  }
  return program;
}

/** Runs the CLI; returns the process exit code. Errors print one line on stderr (and JSON on stdout with --json). */
export async function main(argv: readonly string[]): Promise<number> {
  const json = argv.includes('--json');
  try {
    await buildProgram().parseAsync([...argv]);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.exitCode === 0) return 0;
      // Commander already wrote the message (and help) on stderr; --json callers also get it on stdout.
      if (json && error.code !== 'commander.help') {
        const message = error.message.replace(/^error: /, '');
        process.stdout.write(`${JSON.stringify({ error: { code: 'INVALID_ARGUMENT', message } })}\n`);
      }
      return EXIT_USAGE;
    }
    const code = isPtuneError(error) ? error.code : 'INTERNAL';
    const message = error instanceof Error ? error.message : String(error);
    if (json) process.stdout.write(`${JSON.stringify({ error: { code, message } })}\n`);
    process.stderr.write(`ptune: ${code}: ${message}\n`);
    if (!isPtuneError(error) && error instanceof Error && process.env.PTUNE_DEBUG) process.stderr.write(`${error.stack}\n`);
    return isPtuneError(error) ? exitCodeFor(error.code) : 1;
  }
}
