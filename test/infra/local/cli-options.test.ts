/** Option parsing of `npm start`: bad values stop the demo with commander's message and exit 1. */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { wholeNumber } from '../../../infra/local/cli-options.ts';

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

describe('npm start options', () => {
  it.concurrent.each([
    ['--burst', 'abc'],
    ['--timeout', '-5'],
  ])('%s %s stops before starting anything, with a message and exit code 1', (option, value) => {
    const out = spawnSync(process.execPath, ['--import', 'tsx', 'infra/local/demo.ts', option, value], {
      encoding: 'utf8',
    });
    expect(out.status).toBe(1);
    expect(out.stdout).toBe('');
    expect(out.stderr).toMatch(
      new RegExp(
        `^error: option '${option} <[a-z]+>' argument '${value}' is invalid\\. expected a whole number`,
      ),
    );
  });
});

describe('README', () => {
  it('lists every option of npm start, with its default', () => {
    const help = spawnSync(process.execPath, ['--import', 'tsx', 'infra/local/demo.ts', '--help'], {
      encoding: 'utf8',
    }).stdout;
    const readme = readFileSync('README.md', 'utf8');
    const section = readme.slice(
      readme.indexOf('Options (`npm start -- --help`)'),
      readme.indexOf('## Deploy to AWS'),
    );
    const options = [...help.matchAll(/^ {2}(--[a-z-]+)/gm)].map((m) => m[1] ?? '');
    expect(options).toEqual(['--burst', '--keep', '--template-visibility', '--timeout', '--logs']);
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
