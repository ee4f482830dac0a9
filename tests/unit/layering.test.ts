// Enforces the layering by runtime (shared/STYLE.md §2.1): which folder may import what.
//   shared/            → only shared/
//   electron/reader/   → shared/, itself; node: only in byte-source.ts; never electron
//   electron/engine/   → shared/, reader, itself, node:; never electron, renderer, main/preload
//   electron/worker/   → never electron, renderer
//   electron/symbols/  → shared/, itself, node:; never electron, the engine, renderer
//   renderer/          → only renderer/ and shared/ (no node:, no Node built-ins, no electron)
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const nodeBuiltins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

function sourceFiles(dir: string): string[] {
  const abs = path.join(root, dir);
  let entries: string[];
  try {
    entries = readdirSync(abs);
  } catch {
    return [];
  }
  return entries.flatMap((name) => {
    const rel = path.join(dir, name);
    if (name === 'node_modules' || name === 'dist') return [];
    if (statSync(path.join(root, rel)).isDirectory()) return sourceFiles(rel);
    return /\.(ts|tsx|mts)$/.test(name) ? [rel] : [];
  });
}

/** Module specifiers of static imports, re-exports and dynamic imports. */
export function importsOf(source: string): string[] {
  const specs: string[] = [];
  const pattern =
    /(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|require\(\s*['"]([^'"]+)['"]\s*\)/g;
  for (const match of source.matchAll(pattern)) {
    specs.push(match[1] ?? match[2] ?? match[3] ?? match[4] ?? '');
  }
  return specs;
}

interface Violation {
  file: string;
  spec: string;
  why: string;
}

export function checkFile(file: string, source: string): Violation[] {
  const violations: Violation[] = [];
  const dir = path.dirname(file);
  for (const spec of importsOf(source)) {
    const relative = spec.startsWith('.');
    const target = relative ? path.normalize(path.join(dir, spec)) : '';
    const inside = (folder: string) =>
      relative && (target === folder || target.startsWith(folder + path.sep));
    const bad = (why: string) => violations.push({ file, spec, why });
    const isElectron = spec === 'electron' || spec.startsWith('electron/');
    const testOrConfig = /\.test\.tsx?$/.test(file) || /(^|[/\\])vite\.config\.ts$/.test(file);
    if (testOrConfig && !relative) {
      // Tests import their runner (vitest) and build configs run in Node; neither ships in a layer.
      continue;
    }
    if (file.startsWith('shared' + path.sep)) {
      if (!relative || !inside('shared')) bad('shared/ imports nothing outside shared/');
    } else if (file.startsWith(path.join('electron', 'reader') + path.sep)) {
      if (isElectron) bad('the reader never imports electron');
      if (relative && !inside('shared') && !inside(path.join('electron', 'reader')))
        bad('the reader imports only shared/ and itself');
      if (nodeBuiltins.has(spec) && !file.endsWith('byte-source.ts') && !file.endsWith('.test.ts'))
        bad('Node built-ins only in byte-source.ts');
    } else if (
      file.startsWith(path.join('electron', 'engine') + path.sep) ||
      file.startsWith(path.join('electron', 'worker') + path.sep)
    ) {
      if (isElectron) bad('the engine and worker never import electron');
      if (
        inside('renderer') ||
        inside(path.join('electron', 'main')) ||
        inside(path.join('electron', 'preload'))
      )
        bad('the engine never imports the renderer or the Electron shell');
    } else if (file.startsWith(path.join('electron', 'symbols') + path.sep)) {
      if (isElectron) bad('the symbol layer never imports electron');
      if (relative && !inside('shared') && !inside(path.join('electron', 'symbols')))
        bad('the symbol layer imports only shared/ and itself');
    } else if (file.startsWith('renderer' + path.sep)) {
      if (isElectron) bad('the renderer never imports electron');
      if (nodeBuiltins.has(spec)) bad('the renderer never imports Node built-ins');
      if (relative && !inside('renderer') && !inside('shared'))
        bad('the renderer imports only renderer/ and shared/');
    }
  }
  return violations;
}

describe('layering', () => {
  it('detects violations (the checker itself can fail)', () => {
    expect(checkFile(path.join('renderer', 'x.ts'), "import fs from 'node:fs';")).toHaveLength(1);
    expect(checkFile(path.join('renderer', 'x.ts'), "import { ipcRenderer } from 'electron';")).toHaveLength(
      1,
    );
    expect(
      checkFile(path.join('shared', 'x.ts'), "import { a } from '../electron/reader/index.js';"),
    ).toHaveLength(1);
    expect(
      checkFile(path.join('electron', 'reader', 'x.ts'), "import { readFileSync } from 'node:fs';"),
    ).toHaveLength(1);
    expect(checkFile(path.join('electron', 'engine', 'x.ts'), "const e = require('electron');")).toHaveLength(
      1,
    );
    expect(
      checkFile(
        path.join('electron', 'symbols', 'x.ts'),
        "import { EngineModel } from '../engine/model.js';",
      ),
    ).toHaveLength(1);
    expect(
      checkFile(path.join('renderer', 'x.ts'), "import type { Query } from '../shared/contract.js';"),
    ).toHaveLength(0);
    expect(checkFile(path.join('shared', 'x.test.ts'), "import { it } from 'vitest';")).toHaveLength(0);
    expect(
      checkFile(path.join('renderer', 'x.test.ts'), "import fs from '../electron/reader/index.js';"),
    ).toHaveLength(1);
  });

  it.each([
    'shared',
    'electron/reader',
    'electron/engine',
    'electron/worker',
    'electron/symbols',
    'renderer',
  ])('%s/ keeps its import rules', (dir) => {
    const files = sourceFiles(dir);
    const violations = files.flatMap((file) => checkFile(file, readFileSync(path.join(root, file), 'utf8')));
    expect(violations).toEqual([]);
  });
});
