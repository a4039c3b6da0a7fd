import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT_CODES, exitCodesHelp } from '../../apps/cli/src/exit-codes.js';
import { makeTempDir, REPO_ROOT, runCli } from './run-cli.js';

/** The README's exit-code table: [exit, meaning, error codes]. */
function readmeTable(): Array<[number, string, string[]]> {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('### Exit codes'));
  return section
    .split('\n')
    .filter((line) => /^\| \d+ \|/.test(line))
    .map((line) => {
      const [exit, meaning, codes] = line.split('|').slice(1, 4).map((cell) => cell.trim());
      return [Number(exit), meaning!, codes ? codes.split(', ').map((c) => c.replace(/`/g, '')) : []];
    });
}

describe('exit codes: one table for --help, the README and the CLI', () => {
  it('the README table is the CLI table', () => {
    expect(readmeTable()).toEqual(EXIT_CODES.map((e) => [e.exit, e.meaning, [...e.errors]]));
  });

  it('--help prints the same table', async () => {
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain(exitCodesHelp());
  });

  describe('each error class exits with its documented code', () => {
    let dir: string;
    let cleanup = () => {};
    beforeAll(() => ({ dir, cleanup } = makeTempDir('exit-codes')));
    afterAll(() => cleanup());

    const documented = (code: string) => EXIT_CODES.find((e) => e.errors.some((c) => c === code))!.exit;
    const cases: Array<[string, () => string[]]> = [
      ['INVALID_ARGUMENT', () => ['predict', '--soft-prompt', 'p.safetensors', '--input', 'rows.jsonl']],
      ['ARTIFACT_INVALID', () => {
        writeFileSync(join(dir, 'bad.safetensors'), 'not an artifact');
        return ['predict', '--backend', 'cpu', '--soft-prompt', join(dir, 'bad.safetensors'), 'x'];
      }],
      ['CHECKPOINT_NOT_FOUND', () => ['info', '--model', join(dir, 'no-model')]],
      ['DOWNLOAD_FAILED', () => ['remote-predict', '--registry', 'http://127.0.0.1:9', '--task', 'sst2', 'x']],
      ['TASK_INVALID', () => {
        writeFileSync(join(dir, 'task.json'), JSON.stringify({ task: { id: 'x' }, train: 'train.csv' }));
        return ['validate', '--task-file', join(dir, 'task.json')];
      }],
      ['DATA_NOT_FOUND', () => ['validate', '--task-file', join(dir, 'no-task.json')]],
    ];
    it.each(cases)('%s', async (code, args) => {
      const result = await runCli(args());
      expect(result.stderr).toContain(`ptune: ${code}: `);
      expect(result.code).toBe(documented(code));
    });

    it('bad usage (commander) exits 2', async () => {
      expect((await runCli(['train', '--steps', 'many'])).code).toBe(2);
    });
  });
});
