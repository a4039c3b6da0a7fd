import { Command } from 'commander';
import { printJson } from '../shared-options.js';
import { callRegistry, registryBase } from './registry-client.js';

interface TaskSummary {
  task: string;
  latest: number | null;
  versions: number;
  updatedAt: string;
}

function lsCommand(): Command {
  return new Command('ls')
    .description("list the registry's tasks (name, latest version, number of versions)")
    .requiredOption('--registry <url>', 'edge API base URL, e.g. http://127.0.0.1:8787')
    .option('--json', 'print machine-readable JSON on stdout')
    .action(async (flags: { registry: string; json?: boolean }) => {
      const { tasks } = await callRegistry<{ tasks: TaskSummary[] }>(registryBase(flags.registry), '/v1/tasks');
      if (flags.json) return printJson({ tasks });
      if (tasks.length === 0) process.stdout.write('no tasks\n');
      for (const t of tasks) process.stdout.write(`${t.task}\tlatest ${t.latest ?? '-'}\t${t.versions} version${t.versions === 1 ? '' : 's'}\t${t.updatedAt}\n`);
    });
}

/** `ptune registry <subcommand>`: read-only views of an edge registry. */
export function registryCommand(): Command {
  return new Command('registry').description('inspect an edge registry (ls)').addCommand(lsCommand().exitOverride().showHelpAfterError());
}
