/** Option parsing of `npm start`: bad values stop the demo with commander's message and exit 1. */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { wholeNumber } from '../../cli/options.ts';

/** Runs `npm start`'s program (without npm) and reports its exit code and output. */
async function demo(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'cli/demo.ts', ...args],
      { encoding: 'utf8' },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** Parses `args` with one `--n <n>` option and reports the value or commander's error. */
function parse(parser: (value: string) => number, args: string[]): { value?: number; error?: string } {
  let error: string | undefined;
  const program = new Command()
    .exitOverride()
    .configureOutput({ writeErr: (text) => (error = text.trim()), writeOut: () => undefined })
    .option('--n <n>', 'a number', parser);
  try {
    return { value: program.parse(args, { from: 'user' }).opts<{ n: number }>().n };
  } catch {
    return { ...(error === undefined ? {} : { error }) };
  }
}

describe('wholeNumber', () => {
  const burst = (value: string) => wholeNumber({ min: 0, max: 100_000 })(value);

  it('accepts decimal whole numbers in range', () => {
    expect(parse(burst, ['--n', '0']).value).toBe(0);
    expect(parse(burst, ['--n', ' 250 ']).value).toBe(250);
    expect(parse(burst, ['--n', '100000']).value).toBe(100_000);
    expect(parse(wholeNumber({ min: 1 }), ['--n', '9007199254740991']).value).toBe(Number.MAX_SAFE_INTEGER);
  });

  it.each(['abc', '-5', '1.5', '1e3', '0x10', '', '100001', '12abc'])(
    'rejects %j naming the option and the range',
    (raw) => {
      expect(parse(burst, ['--n', raw]).error).toBe(
        `error: option '--n <n>' argument '${raw}' is invalid. expected a whole number from 0 to 100000`,
      );
    },
  );

  it('words an open range as a lower bound', () => {
    expect(parse(wholeNumber({ min: 1 }), ['--n', '0']).error).toMatch(/expected a whole number >= 1$/);
  });
});

// Each spawns the demo's program (tsx + its imports: seconds of CPU), so both run side by side.
describe('npm start', { concurrent: true }, () => {
  it('stops on a bad option value before starting anything, with a message and exit code 1', async ({
    expect,
  }) => {
    const out = await demo('--burst', 'abc');
    expect(out).toEqual({
      code: 1,
      stdout: '',
      stderr:
        "error: option '--burst <n>' argument 'abc' is invalid. expected a whole number from 0 to 100000\n",
    });
  });

  it('has every option in the README, with its default', async ({ expect }) => {
    const help = (await demo('--help')).stdout;
    const readme = readFileSync('README.md', 'utf8');
    const section = readme.slice(
      readme.indexOf('Options (`npm start -- --help`)'),
      readme.indexOf('## Deploy to AWS'),
    );
    const options = [...help.matchAll(/^ {2}(--[a-z-]+)/gm)].map((m) => m[1] ?? '');
    expect(options).toEqual(['--burst', '--keep', '--template-visibility', '--timeout', '--logs', '--chaos']);
    for (const option of options) expect(section, option).toContain(`\`${option}`);
    // Each option's help entry (it may wrap) and, for those taking a value, its default in the README.
    for (const entry of help.split(/\n(?= {2}--)/).slice(1)) {
      const [, option, value] = /^ {2}(--[a-z-]+) <[a-z]+>[\s\S]*\(default: (\d+)\)/.exec(entry) ?? [];
      if (option === undefined) continue;
      const described = section.slice(section.indexOf(`\`${option} <`)).split(/, `--/)[0];
      expect(described, option).toContain(`default ${value}`);
    }
  });
});
