// Argument rules of `etlscope threads`, `delays` and `freq`.
import { describe, expect, it } from 'vitest';
import { parseArgs as parseWith, UsageError } from './args.js';
import { COMMANDS } from './registry.js';

const parseArgs = (argv: readonly string[]) => parseWith(argv, COMMANDS);

describe('threads / delays / freq arguments', () => {
  it('parses the new commands and their options', () => {
    expect(parseArgs(['threads', 't.etl', '--process', 'telshell', '--cpus', '0-1', '--json'])).toMatchObject(
      {
        command: 'threads',
        file: 't.etl',
        process: 'telshell',
        cpus: [0, 1],
        json: true,
      },
    );
    expect(parseArgs(['delays', 't.etl', '--thread', '4120'])).toMatchObject({
      command: 'delays',
      thread: 4120,
    });
    expect(parseArgs(['freq', 't.etl'])).toMatchObject({ command: 'freq', file: 't.etl' });
  });
  it('delays needs --thread; --process stays an option of threads and stacks only', () => {
    expect(() => parseArgs(['delays', 't.etl'])).toThrow(UsageError);
    expect(() => parseArgs(['delays', 't.etl', '--thread', '0'])).toThrow(UsageError);
    expect(() => parseArgs(['freq', 't.etl', '--process', 'x'])).toThrow(/--process/);
  });
});
