import { describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

const COMMANDS = ['generate', 'tokenize', 'logits', 'info', 'convert'] as const;
/** Commands that run the model and so accept --backend. */
const BACKEND_COMMANDS = new Set(['generate', 'logits', 'info']);

describe('ptune --help', () => {
  it('the program help lists every command and mentions --json', async () => {
    const result = await runCli(['--help']);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/^Usage: ptune /);
    for (const command of COMMANDS) expect(result.stdout).toMatch(new RegExp(`^\\s+${command}\\b`, 'm'));
    expect(result.stdout).toContain('--json');
  });

  it('--version prints the version', async () => {
    const result = await runCli(['--version']);
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  for (const command of COMMANDS) {
    it(`${command} --help and help ${command}`, async () => {
      const result = await runCli([command, '--help']);
      expect(result.code).toBe(0);
      expect(result.stderr).toBe('');
      expect(result.stdout).toMatch(new RegExp(`^Usage: ptune ${command} `));
      expect(result.stdout).toContain('--json');
      expect(result.stdout).toContain('--model');
      if (BACKEND_COMMANDS.has(command)) expect(result.stdout).toContain('--backend');
      const viaHelp = await runCli(['help', command]);
      expect(viaHelp.code).toBe(0);
      expect(viaHelp.stdout).toBe(result.stdout);
    });
  }
});
