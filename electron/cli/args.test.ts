import { describe, expect, it } from 'vitest';
import { parseArgs as parseWith, UsageError } from './args.js';
import { COMMANDS } from './registry.js';

const parseArgs = (argv: readonly string[]) => parseWith(argv, COMMANDS);

describe('etlscope arguments', () => {
  it('parses a dpc command with every option', () => {
    const o = parseArgs([
      'dpc',
      'trace.etl',
      '--range',
      '1.5',
      '2500ms',
      '--cpus',
      '0,2,4-6',
      '--type',
      'dpc',
      '--by',
      'module,function',
      '--json',
    ]);
    expect(o).toMatchObject({
      command: 'dpc',
      file: 'trace.etl',
      json: true,
      type: 'dpc',
      by: ['module', 'function'],
      cpus: [0, 2, 4, 5, 6],
    });
    expect(o.range).toEqual({ start: 1.5e9, end: 2.5e9 });
  });
  it('defaults to module,function grouping over all types', () => {
    expect(parseArgs(['dpc', 'a.etl'])).toMatchObject({
      by: ['module', 'function'],
      type: 'all',
      rows: false,
      json: false,
    });
  });
  it('accepts us suffixes and serve without a file', () => {
    expect(parseArgs(['cpu', 'a.etl', '--range', '0', '250us']).range).toEqual({ start: 0, end: 250e3 });
    expect(parseArgs(['serve', '--port', '0'])).toMatchObject({ command: 'serve', port: 0 });
  });
  it('takes serve --max-upload as a size, only for serve', () => {
    expect(parseArgs(['serve', '--max-upload', '20G']).maxUpload).toBe(20 * 1024 ** 3);
    expect(parseArgs(['serve']).maxUpload).toBeUndefined();
    expect(() => parseArgs(['serve', '--max-upload', 'lots'])).toThrow(/--max-upload takes a size/);
    expect(() => parseArgs(['info', 'a.etl', '--max-upload', '1G'])).toThrow(
      /--max-upload is not an option of etlscope info/,
    );
  });
  it.each([
    [['frobnicate']],
    [['dpc']],
    [['dpc', 'a.etl', '--range', '2', '1']],
    [['dpc', 'a.etl', '--cpus', 'x']],
    [['dpc', 'a.etl', '--by', 'planet']],
    [['dpc', 'a.etl', '--type', 'nmi']],
    [['dpc', 'a.etl', '--rows']],
    [['dpc', 'a.etl', '--bogus']],
    [['info', 'a.etl', 'b.etl']],
  ])('rejects %j with a usage error', (argv) => {
    expect(() => parseArgs(argv)).toThrow(UsageError);
  });
  it('parses list with its table and rejects a missing or unknown one', () => {
    expect(parseArgs(['list', 'a.etl', 'images', '--json'])).toMatchObject({
      command: 'list',
      file: 'a.etl',
      table: 'images',
      json: true,
    });
    expect(() => parseArgs(['list', 'a.etl'])).toThrow(UsageError);
    expect(() => parseArgs(['list', 'a.etl', 'planets'])).toThrow(UsageError);
  });
  it('answers help and version', () => {
    expect(parseArgs([]).command).toBe('help');
    expect(parseArgs(['--version']).command).toBe('version');
  });
});
