// Makes a fuzzer finding a committed regression: the finding is a fuzz input (edit script + file,
// structure.ts); the regression is the ETL file it stands for, replayed by
// tests/fuzz/regressions.test.ts and used as a seed by later runs.
//
//   node --import tsx scripts/fuzz/keep.ts test-results/fuzz/findings/crash-<sha1> NAME

import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fileFromInput } from './structure.js';

const [finding, name] = process.argv.slice(2);
if (finding === undefined || name === undefined || !/^[\w.-]+$/.test(name)) {
  throw new Error('usage: keep.ts FINDING NAME (letters, digits, . _ -)');
}
const here = path.dirname(fileURLToPath(import.meta.url));
const out = path.resolve(
  here,
  '..',
  '..',
  'tests',
  'fuzz',
  'regressions',
  name.endsWith('.bin') ? name : `${name}.bin`,
);
const file = fileFromInput(new Uint8Array(readFileSync(finding)));
writeFileSync(out, file);
console.log(`${path.relative(process.cwd(), out)}: ${file.length} bytes`);
