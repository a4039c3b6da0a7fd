import { describe, expect, it } from 'vitest';
import { expectNoStackTrace, runCli } from './run-cli.js';

// Bad command lines: exit 2, the first stderr line names the flag and the problem (usage help may
// follow it), and with --json {"error":{"code":"INVALID_ARGUMENT","message"}} is the only stdout.

const CASES: ReadonlyArray<{ args: string[]; flag: string; mentions: RegExp }> = [
  { args: ['generate', '--temperature', '-1'], flag: '--temperature', mentions: /-1/ },
  { args: ['generate', '--temperature', 'hot'], flag: '--temperature', mentions: /hot/ },
  { args: ['generate', '--max-tokens', 'abc'], flag: '--max-tokens', mentions: /abc/ },
  { args: ['generate', '--max-tokens', '2.5'], flag: '--max-tokens', mentions: /integer/ },
  { args: ['generate', '--seed', '-3'], flag: '--seed', mentions: /-3/ },
  { args: ['generate', '--top-p', '1.5'], flag: '--top-p', mentions: /1\.5/ },
  { args: ['logits', '--ids', 'a,b'], flag: '--ids', mentions: /a,b/ },
  { args: ['logits', '--ids', '1,,2'], flag: '--ids', mentions: /1,,2/ },
  { args: ['logits', '--ids', '1,-2'], flag: '--ids', mentions: /1,-2/ },
  { args: ['logits', '--ids', ''], flag: '--ids', mentions: /--ids/ },
  { args: ['logits'], flag: '--ids', mentions: /required/ },
  { args: ['convert'], flag: '--out', mentions: /required/ },
  { args: ['generate', '--backend', 'nope'], flag: '--backend', mentions: /nope|choices/ },
  { args: ['info', '--backend', 'nope'], flag: '--backend', mentions: /nope|choices/ },
  { args: ['generate', '--no-such-flag'], flag: '--no-such-flag', mentions: /unknown option/ },
];

function firstStderrLine(stderr: string): string {
  return stderr.split('\n')[0]!;
}

describe('bad flag values exit 2 with a clear message', () => {
  for (const { args, flag, mentions } of CASES) {
    it(`ptune ${args.map((a) => (a === '' ? '""' : a)).join(' ')}`, async () => {
      const plain = await runCli(args);
      expect(plain.code).toBe(2);
      expect(plain.stdout).toBe('');
      expectNoStackTrace(plain.stderr);
      const line = firstStderrLine(plain.stderr);
      expect(line).toMatch(/^error: /);
      expect(line).toContain(flag);
      expect(line).toMatch(mentions);

      const json = await runCli([...args, '--json']);
      expect(json.code).toBe(2);
      expect(firstStderrLine(json.stderr)).toBe(line);
      const stdoutLines = json.stdout.split('\n').filter((l) => l !== '');
      expect(stdoutLines).toHaveLength(1);
      const parsed = JSON.parse(stdoutLines[0]!) as { error: { code: string; message: string } };
      expect(parsed.error.code).toBe('INVALID_ARGUMENT');
      expect(parsed.error.message).toBe(line.replace(/^error: /, ''));
    });
  }

  it('an unknown command exits 2 and suggests a close one', async () => {
    const result = await runCli(['logit']);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(firstStderrLine(result.stderr)).toContain("unknown command 'logit'");
    expect(result.stderr).toContain('logits');
  });

  it('no command at all prints the usage on stderr and exits 2', async () => {
    const result = await runCli([]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^Usage: ptune /);
  });
});
