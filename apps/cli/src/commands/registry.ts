import { Command } from 'commander';
import { printJson } from '../shared-options.js';
import { callRegistry, registryBase, registryToken } from './registry-client.js';

interface TaskSummary {
  task: string;
  latest: number | null;
  versions: number;
  updatedAt: string;
}

interface PublishToken {
  id: string;
  prefix: string;
  label: string | null;
  createdAt: string;
}

const REGISTRY_HELP = 'edge API base URL, e.g. http://127.0.0.1:8787';
const ADMIN_TOKEN_HELP = 'the admin token (default: $PTUNE_REGISTRY_TOKEN)';

function lsCommand(): Command {
  return new Command('ls')
    .description("list the registry's tasks (name, latest version, number of versions)")
    .requiredOption('--registry <url>', REGISTRY_HELP)
    .option('--json', 'print machine-readable JSON on stdout')
    .action(async (flags: { registry: string; json?: boolean }) => {
      const { tasks } = await callRegistry<{ tasks: TaskSummary[] }>(registryBase(flags.registry), '/v1/tasks');
      if (flags.json) return printJson({ tasks });
      if (tasks.length === 0) process.stdout.write('no tasks\n');
      for (const t of tasks) process.stdout.write(`${t.task}\tlatest ${t.latest ?? '-'}\t${t.versions} version${t.versions === 1 ? '' : 's'}\t${t.updatedAt}\n`);
    });
}

interface AdminFlags {
  registry: string;
  token?: string;
  json?: boolean;
}

/** `--registry`, `--token` (admin) and `--json`, shared by the token subcommands. */
function adminCommand(name: string, description: string): Command {
  return new Command(name)
    .description(description)
    .requiredOption('--registry <url>', REGISTRY_HELP)
    .option('--token <token>', ADMIN_TOKEN_HELP)
    .option('--json', 'print machine-readable JSON on stdout');
}

/** One admin call: base URL, bearer header. */
function asAdmin<T>(flags: AdminFlags, path: string, init: RequestInit = {}): Promise<T> {
  const headers = { ...(init.headers as Record<string, string> | undefined), authorization: `Bearer ${registryToken(flags.token)}` };
  return callRegistry<T>(registryBase(flags.registry), path, { ...init, headers });
}

const tokenLine = (t: PublishToken) => `${t.id}\tprefix ${t.prefix}\t${t.label ?? '-'}\t${t.createdAt}\n`;

function tokenCommand(): Command {
  const create = adminCommand('create', 'create a publish token that may publish, promote and delete only tasks whose name starts with --prefix')
    .requiredOption('--prefix <prefix>', 'task-name prefix the token is scoped to')
    .option('--label <text>', 'a note for the token list (who or what uses it)')
    .action(async (flags: AdminFlags & { prefix: string; label?: string }) => {
      const body = JSON.stringify({ prefix: flags.prefix, ...(flags.label === undefined ? {} : { label: flags.label }) });
      const created = await asAdmin<PublishToken & { token: string }>(flags, '/v1/tokens', { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      if (flags.json) return printJson(created);
      process.stdout.write(`${created.token}\n`);
      process.stderr.write(`publish token ${created.id} for tasks starting with "${created.prefix}": shown only now, store it (ptune publish --token ...)\n`);
    });
  const ls = adminCommand('ls', 'list publish tokens (ids, prefixes, labels; never the secrets)').action(async (flags: AdminFlags) => {
    const { tokens } = await asAdmin<{ tokens: PublishToken[] }>(flags, '/v1/tokens');
    if (flags.json) return printJson({ tokens });
    if (tokens.length === 0) process.stdout.write('no publish tokens\n');
    for (const t of tokens) process.stdout.write(tokenLine(t));
  });
  const revoke = adminCommand('revoke', 'revoke a publish token (it stops working at once)')
    .argument('<id>', 'token id (from `ptune registry token ls`)')
    .action(async (id: string, flags: AdminFlags) => {
      const { revoked } = await asAdmin<{ revoked: PublishToken }>(flags, `/v1/tokens/${encodeURIComponent(id)}`, { method: 'DELETE' });
      if (flags.json) return printJson({ revoked });
      process.stdout.write(`revoked ${tokenLine(revoked)}`);
    });
  const command = new Command('token').description('manage publish tokens (admin token needed): create, ls, revoke');
  for (const sub of [create, ls, revoke]) command.addCommand(sub.exitOverride().showHelpAfterError());
  return command;
}

/** `ptune registry <subcommand>`: views of an edge registry, and its publish tokens. */
export function registryCommand(): Command {
  return new Command('registry')
    .description('inspect an edge registry (ls) and manage its publish tokens (token create|ls|revoke)')
    .addCommand(lsCommand().exitOverride().showHelpAfterError())
    .addCommand(tokenCommand().exitOverride().showHelpAfterError());
}
