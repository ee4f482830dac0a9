// Runs the real main.ts bundle (esbuild, CommonJS, as scripts/build.mjs builds it) against a fake
// `electron` module that records what main asks for. This is as close as this machine gets to
// starting the app (the Electron binary cannot be installed here): it checks the window's
// security preferences, the app:// protocol, navigation guards, IPC registration, the menu, and
// how argv / second-instance files reach the renderer. The engine is replaced by the fake from
// backend/test-helpers (injected as the '../worker/index.js' module).

import { build } from 'esbuild';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EVENT_CHANNEL, INVOKE_CHANNELS } from '../../shared/contract.js';
import { FakeEngine } from '../backend/test-helpers.js';
import type { BrowserWindowOptions, MenuItemOptions } from './electron-api.js';

const here = path.dirname(fileURLToPath(import.meta.url));
let bundle: string;

beforeAll(async () => {
  const result = await build({
    entryPoints: [path.join(here, 'main.ts')],
    bundle: true,
    write: false,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    external: ['electron', 'ws'],
    logLevel: 'silent',
    plugins: [
      {
        name: 'fake-worker',
        setup(b) {
          b.onResolve({ filter: /worker\/index\.js$/ }, () => ({ path: 'fake-worker', namespace: 'fake' }));
          b.onLoad({ filter: /.*/, namespace: 'fake' }, () => ({
            contents: 'module.exports = globalThis.__etlscopeFakeWorker;',
            loader: 'js',
          }));
        },
      },
    ],
  });
  bundle = result.outputFiles[0]?.text ?? '';
});

type Listener = (...args: unknown[]) => unknown;

/** A recording stand-in for the parts of Electron main.ts uses. */
function fakeElectron(appPath: string, userData: string, lock = true, packaged = false) {
  const appListeners = new Map<string, Listener[]>();
  const contentsListeners = new Map<string, Listener[]>();
  const rec = {
    windows: [] as BrowserWindowOptions[],
    loaded: [] as string[],
    sent: [] as { channel: string; payload: unknown }[],
    titles: [] as string[],
    handlers: new Map<string, Listener>(),
    privileged: [] as unknown[],
    protocolHandlers: new Map<string, (request: { url: string }) => Promise<Response>>(),
    menus: [] as MenuItemOptions[][],
    external: [] as string[],
    asked: [] as string[],
    /** The button the fake dialog answers a link question with (0 = Open in Browser). */
    linkAnswer: 1,
    quit: 0,
    windowOpenHandler: undefined as undefined | ((d: { url: string }) => { action: string }),
    permissionHandler: undefined as undefined | Listener,
    headersListener: undefined as undefined | Listener,
  };
  const webContents = {
    send: (channel: string, payload: unknown) => rec.sent.push({ channel, payload }),
    isDestroyed: () => false,
    on: (event: string, listener: Listener) =>
      contentsListeners.set(event, [...(contentsListeners.get(event) ?? []), listener]),
    setWindowOpenHandler: (handler: (d: { url: string }) => { action: string }) =>
      (rec.windowOpenHandler = handler),
  };
  const electron = {
    app: {
      isPackaged: packaged,
      getVersion: () => '0.1.0',
      getName: () => 'etlscope',
      getAppPath: () => appPath,
      getPath: (name: string) => (name === 'userData' ? userData : tmpdir()),
      requestSingleInstanceLock: () => lock,
      quit: () => void rec.quit++,
      whenReady: () => Promise.resolve(),
      addRecentDocument: () => undefined,
      clearRecentDocuments: () => undefined,
      on: (event: string, listener: Listener) =>
        appListeners.set(event, [...(appListeners.get(event) ?? []), listener]),
    },
    BrowserWindow: class {
      readonly webContents = webContents;
      constructor(options: BrowserWindowOptions) {
        rec.windows.push(options);
        // Electron emits web-contents-created for the window's contents.
        for (const l of appListeners.get('web-contents-created') ?? []) l({}, webContents);
      }
      loadURL(url: string) {
        rec.loaded.push(url);
        return Promise.resolve();
      }
      setTitle(title: string) {
        rec.titles.push(title);
      }
      show() {}
      focus() {}
      restore() {}
      isMinimized() {
        return false;
      }
      isDestroyed() {
        return false;
      }
      once() {}
      on() {}
    },
    ipcMain: {
      handle: (channel: string, listener: Listener) => rec.handlers.set(channel, listener),
      removeHandler: (channel: string) => rec.handlers.delete(channel),
    },
    Menu: {
      buildFromTemplate: (template: MenuItemOptions[]) => template,
      setApplicationMenu: (menu: MenuItemOptions[]) => rec.menus.push(menu),
    },
    dialog: {
      showOpenDialog: async () => ({ canceled: true, filePaths: [] }),
      showSaveDialog: async () => ({ canceled: false, filePath: path.join(userData, 'out.csv') }),
      showMessageBox: async (_window: unknown, options: { type: string; detail: string }) => {
        if (options.type !== 'question') return { response: 0 };
        rec.asked.push(options.detail);
        return { response: rec.linkAnswer };
      },
      showErrorBox: (title: string, content: string) => {
        throw new Error(`${title}: ${content}`);
      },
    },
    shell: { openExternal: async (url: string) => void rec.external.push(url) },
    protocol: {
      registerSchemesAsPrivileged: (schemes: unknown[]) => rec.privileged.push(...schemes),
      handle: (scheme: string, handler: (request: { url: string }) => Promise<Response>) =>
        rec.protocolHandlers.set(scheme, handler),
    },
    session: {
      defaultSession: {
        setPermissionRequestHandler: (handler: Listener) => (rec.permissionHandler = handler),
        setPermissionCheckHandler: () => undefined,
        webRequest: { onHeadersReceived: (listener: Listener) => (rec.headersListener = listener) },
      },
    },
  };
  const emitApp = (event: string, ...args: unknown[]) => {
    for (const l of appListeners.get(event) ?? []) l(...args);
  };
  const emitContents = (event: string, ...args: unknown[]) => {
    for (const l of contentsListeners.get(event) ?? []) l(...args);
  };
  return { electron, rec, emitApp, emitContents };
}

/** Waits (up to 5 s) for main's asynchronous start-up or file writes to reach a state. */
async function until(condition: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (await condition()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('timed out waiting for main');
}

describe('Electron main (bundled, against a fake electron module)', () => {
  let dir: string;
  let engine: FakeEngine;
  let savedArgv: string[];

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'etlscope-main-'));
    await mkdir(path.join(dir, 'app', 'dist', 'renderer'), { recursive: true });
    await mkdir(path.join(dir, 'app', 'assets'), { recursive: true });
    await mkdir(path.join(dir, 'userData'));
    await writeFile(path.join(dir, 'app', 'dist', 'renderer', 'index.html'), '<!doctype html>');
    await writeFile(path.join(dir, 'app', 'assets', 'sample.etl'), Buffer.alloc(8));
    await writeFile(path.join(dir, 'first.etl'), Buffer.alloc(8));
    engine = new FakeEngine();
    (globalThis as { __etlscopeFakeWorker?: unknown }).__etlscopeFakeWorker = {
      openTraceSession: engine.openSession,
    };
    savedArgv = process.argv;
  });

  afterEach(async () => {
    process.argv = savedArgv;
    await rm(dir, { recursive: true, force: true });
  });

  function run(lock = true, packaged = false) {
    const fake = fakeElectron(path.join(dir, 'app'), path.join(dir, 'userData'), lock, packaged);
    const realRequire = createRequire(import.meta.url);
    const requireShim = (id: string) => (id === 'electron' ? fake.electron : realRequire(id));
    const module = { exports: {} };
    new Function('require', 'module', 'exports', '__dirname', '__filename', bundle)(
      requireShim,
      module,
      module.exports,
      path.join(dir, 'app', 'dist', 'electron'),
      path.join(dir, 'app', 'dist', 'electron', 'main.cjs'),
    );
    return fake;
  }

  it('opens one hardened window on app://etlscope and registers only the contract channels', async () => {
    process.argv = ['/opt/electron', path.join(dir, 'app')];
    const { rec } = run();
    await until(() => rec.windows.length === 1);
    expect(rec.windows).toHaveLength(1);
    const prefs = rec.windows[0]!.webPreferences;
    expect(prefs).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      navigateOnDragDrop: false,
    });
    expect(prefs.preload).toBe(path.join(dir, 'app', 'dist', 'electron', 'preload.cjs'));
    expect(rec.loaded).toEqual(['app://etlscope/index.html']);
    expect([...rec.handlers.keys()].sort()).toEqual([...INVOKE_CHANNELS].sort());
    expect(rec.privileged).toEqual([
      { scheme: 'app', privileges: expect.objectContaining({ standard: true, secure: true }) },
    ]);
    const granted: boolean[] = [];
    rec.permissionHandler?.({}, 'media', (ok: boolean) => granted.push(ok));
    rec.permissionHandler?.({}, 'clipboard-read', (ok: boolean) => granted.push(ok));
    rec.permissionHandler?.({}, 'clipboard-sanitized-write', (ok: boolean) => granted.push(ok));
    expect(granted).toEqual([false, false, true]);
    const headers: Record<string, Record<string, string[]>> = {};
    for (const url of ['app://etlscope/index.html', 'devtools://devtools/bundled/inspector.html']) {
      rec.headersListener?.(
        { url, responseHeaders: { A: ['1'] } },
        (r: { responseHeaders: Record<string, string[]> }) => (headers[url] = r.responseHeaders),
      );
    }
    expect(headers['app://etlscope/index.html']?.['Content-Security-Policy']?.[0]).toContain(
      "script-src 'self'",
    );
    expect(headers['devtools://devtools/bundled/inspector.html']).toEqual({ A: ['1'] });
  });

  it('serves the renderer over app:// with the CSP header', async () => {
    process.argv = ['/opt/electron', path.join(dir, 'app')];
    const { rec } = run();
    await until(() => rec.windows.length === 1);
    const handler = rec.protocolHandlers.get('app')!;
    const page = await handler({ url: 'app://etlscope/index.html' });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await page.text()).toBe('<!doctype html>');
    expect((await handler({ url: 'app://etlscope/../../first.etl' })).status).toBe(404);
  });

  it('blocks navigation and new windows; opens the project’s pages outside, asks before other links', async () => {
    await writeFile(
      path.join(dir, 'app', 'package.json'),
      JSON.stringify({ name: 'etlscope', homepage: 'https://etlscope.example/docs' }),
    );
    process.argv = ['/opt/electron', path.join(dir, 'app')];
    const { rec, emitContents } = run();
    await until(() => rec.windows.length === 1);
    const prevented: string[] = [];
    for (const url of [
      'https://etlscope.example/docs/serve',
      'https://example.com/docs',
      'file:///etc/passwd',
      'app://etlscope/index.html',
    ]) {
      emitContents('will-navigate', { preventDefault: () => prevented.push(url) }, url);
    }
    expect(prevented).toEqual([
      'https://etlscope.example/docs/serve',
      'https://example.com/docs',
      'file:///etc/passwd',
    ]);
    await until(() => rec.asked.length === 1);
    // The user said Cancel: the foreign link stays closed; the project page opened at once.
    expect(rec.asked).toEqual(['https://example.com/docs']);
    expect(rec.external).toEqual(['https://etlscope.example/docs/serve']);
    rec.linkAnswer = 0;
    expect(rec.windowOpenHandler?.({ url: 'https://learn.microsoft.com/' })).toEqual({ action: 'deny' });
    expect(rec.windowOpenHandler?.({ url: 'javascript:alert(1)' })).toEqual({ action: 'deny' });
    await until(() => rec.external.length === 2);
    expect(rec.asked).toEqual(['https://example.com/docs', 'https://learn.microsoft.com/']);
    expect(rec.external).toEqual(['https://etlscope.example/docs/serve', 'https://learn.microsoft.com/']);
  });

  it('a packaged app drops ETLSCOPE_WORKER_SCRIPT before any worker starts; a development one keeps it', async () => {
    process.argv = ['/opt/etlscope/etlscope'];
    process.env.ETLSCOPE_WORKER_SCRIPT = '/tmp/evil.js';
    try {
      const dev = run(true, false);
      await until(() => dev.rec.windows.length === 1);
      expect(process.env.ETLSCOPE_WORKER_SCRIPT).toBe('/tmp/evil.js');
      const packaged = run(true, true);
      await until(() => packaged.rec.windows.length === 1);
      expect(process.env.ETLSCOPE_WORKER_SCRIPT).toBeUndefined();
    } finally {
      delete process.env.ETLSCOPE_WORKER_SCRIPT;
    }
  });

  it('opens the argv file once the page has loaded, and a second launch’s file in the running window', async () => {
    process.argv = ['/opt/electron', path.join(dir, 'app'), path.join(dir, 'first.etl')];
    const { rec, emitApp, emitContents } = run();
    await until(() => rec.windows.length === 1);
    expect(rec.sent).toEqual([]);
    emitContents('did-finish-load');
    emitApp(
      'second-instance',
      {},
      ['/opt/electron', path.join(dir, 'app'), '--some-switch', 'second.etl'],
      '/work/traces',
    );
    expect(rec.sent).toEqual([
      {
        channel: EVENT_CHANNEL,
        payload: { type: 'open-requested', source: { kind: 'path', path: path.join(dir, 'first.etl') } },
      },
      {
        channel: EVENT_CHANNEL,
        payload: {
          type: 'open-requested',
          source: { kind: 'path', path: path.resolve('/work/traces', 'second.etl') },
        },
      },
    ]);
  });

  it('a trusted open sets the title, enables the trace menu items and records the recent file', async () => {
    process.argv = ['/opt/electron', path.join(dir, 'app')];
    const { rec } = run();
    await until(() => rec.windows.length === 1);
    const exportItem = () =>
      rec.menus
        .at(-1)!
        .find((m) => m.label === 'File')!
        .submenu!.find((i) => i.label === 'Export DPC Durations…')!;
    expect(exportItem().enabled).toBe(false);
    const open = rec.handlers.get('etlscope:open')!;
    const frame = { url: 'app://etlscope/index.html', parent: null };
    const reply = (await open(
      { senderFrame: frame },
      { source: { kind: 'path', path: path.join(dir, 'first.etl') }, requestId: 'r1' },
    )) as {
      ok: boolean;
    };
    expect(reply.ok).toBe(true);
    expect(rec.titles.at(-1)).toBe('first.etl — etlscope');
    expect(exportItem().enabled).toBe(true);
    exportItem().click?.();
    expect(rec.sent.at(-1)).toEqual({
      channel: EVENT_CHANNEL,
      payload: { type: 'command', command: 'export-dpc-csv' },
    });
    const recentFile = path.join(dir, 'userData', 'recent.json');
    await until(() =>
      readFile(recentFile, 'utf8').then(
        (text) => text.includes('first.etl'),
        () => false,
      ),
    );
    expect(JSON.parse(await readFile(recentFile, 'utf8'))).toEqual([path.join(dir, 'first.etl')]);
    const untrusted = (await open(
      { senderFrame: { url: 'https://evil.example/', parent: null } },
      { source: { kind: 'sample' }, requestId: 'r2' },
    )) as {
      ok: boolean;
    };
    expect(untrusted.ok).toBe(false);
  });

  it('quits at once when another instance holds the lock', async () => {
    process.argv = ['/opt/electron', path.join(dir, 'app'), path.join(dir, 'first.etl')];
    const { rec } = run(false);
    await until(() => rec.quit === 1);
    await new Promise((r) => setTimeout(r, 50));
    expect(rec.quit).toBe(1);
    expect(rec.windows).toHaveLength(0);
  });
});
