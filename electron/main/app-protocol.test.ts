import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appProtocolResponse } from './app-protocol.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'etlscope-app-'));
  await mkdir(path.join(dir, 'renderer', 'assets'), { recursive: true });
  await writeFile(path.join(dir, 'renderer', 'index.html'), '<html>');
  await writeFile(path.join(dir, 'renderer', 'assets', 'a.js'), 'x');
  await writeFile(path.join(dir, 'secret.txt'), 'secret');
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('app:// protocol', () => {
  it('serves renderer files with their type and the CSP', async () => {
    const page = await appProtocolResponse(path.join(dir, 'renderer'), 'app://etlscope/index.html');
    expect(page.status).toBe(200);
    expect(page.headers['Content-Type']).toBe('text/html; charset=utf-8');
    expect(page.headers['Content-Security-Policy']).toContain("script-src 'self'");
    const js = await appProtocolResponse(path.join(dir, 'renderer'), 'app://etlscope/assets/a.js');
    expect(js.headers['Content-Type']).toContain('javascript');
  });

  it('refuses other hosts, traversal and missing files', async () => {
    const root = path.join(dir, 'renderer');
    expect((await appProtocolResponse(root, 'app://other/index.html')).status).toBe(404);
    expect((await appProtocolResponse(root, 'app://etlscope/..%2Fsecret.txt')).status).toBe(404);
    expect((await appProtocolResponse(root, 'app://etlscope/missing.js')).status).toBe(404);
  });
});
