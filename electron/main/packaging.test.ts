// electron-builder.yml checked without packaging: it must pass electron-builder's own schema
// validation (the same call `electron-builder` makes first), ship what the app loads at run time,
// associate .etl files, and keep every line of code we run (the parser workers included) inside
// the integrity-checked asar with the fuses that make the check mean something.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(import.meta.url);

interface BuilderConfig {
  productName: string;
  asar?: boolean;
  asarUnpack?: string[];
  electronFuses?: Record<string, boolean>;
  files: string[];
  extraMetadata: { main: string };
  fileAssociations: { ext: string; name: string }[];
  linux: { target: string[] };
  win: { target: string[] };
  mac: { target: string[] };
}

function loadConfig(): BuilderConfig {
  const yaml = require('js-yaml') as { load(text: string): unknown };
  return yaml.load(readFileSync(path.join(root, 'electron-builder.yml'), 'utf8')) as BuilderConfig;
}

async function validate(config: unknown): Promise<void> {
  const { validateConfiguration } = require('app-builder-lib/out/util/config/config.js') as {
    validateConfiguration(config: unknown, logger: unknown): Promise<void>;
  };
  const { DebugLogger } = require('builder-util/out/DebugLogger.js') as {
    DebugLogger: new (enabled: boolean) => unknown;
  };
  await validateConfiguration(config, new DebugLogger(false));
}

describe('electron-builder.yml', () => {
  it('passes electron-builder’s schema (and the check can fail)', async () => {
    const config = loadConfig();
    await expect(validate(config)).resolves.toBeUndefined();
    await expect(validate({ ...config, fileAssociations: [{ ext: 'etl', bogus: 1 }] })).rejects.toThrow(
      /configuration/,
    );
  });

  it('ships the bundles, renderer and assets, starts main.cjs, and opens .etl files', () => {
    const config = loadConfig();
    expect(config.productName).toBe('etlscope');
    expect(config.files).toEqual(expect.arrayContaining(['dist/**', 'assets/**', 'package.json']));
    expect(config.extraMetadata.main).toBe('dist/electron/main.cjs');
    expect(config.fileAssociations).toEqual([expect.objectContaining({ ext: 'etl', name: 'ETW trace' })]);
    expect(config.linux.target).toEqual(['AppImage', 'deb']);
    expect(config.win.target).toEqual(['nsis']);
    expect(config.mac.target).toEqual(['dmg']);
  });

  it('keeps the code inside the integrity-checked asar, with the fuses that enforce it', () => {
    const config = loadConfig();
    expect(config.asar).toBe(true);
    // Nothing under dist/ (main, preload, the engine/parser worker, the renderer) is unpacked.
    expect((config.asarUnpack ?? []).filter((p) => p.startsWith('dist') || p.includes('*'))).toEqual([]);
    expect(config.electronFuses).toMatchObject({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
    });
  });
});
