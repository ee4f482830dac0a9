// Electron main process (bundled by scripts/build.mjs to dist/electron/main.cjs). Thin on
// purpose: it wires Electron to the tested pieces and holds no analysis logic.
//
//   argv / second launch / macOS open-file / File menu ─▶ 'open-requested' event ─▶ renderer
//   renderer ─ipc (etlscope:*)─▶ ipc.ts (sender check) ─▶ backend/ (validate, sessions) ─▶ engine workers
//   backend events ─▶ webContents.send('etlscope:event')
//
// Security (see electron/main/README.md for the checklist item by item): one window with
// contextIsolation + sandbox, no Node in the page, webSecurity on; the page is served from
// app://etlscope/ with a strict CSP header; navigation, new windows and <webview> are blocked
// (http(s) links open in the system browser: the project's own pages at once, any other after
// the user says yes in a dialog); permissions are denied but clipboard writes; IPC only on the
// contract's channels from our top-level frame. A packaged app ignores ETLSCOPE_WORKER_SCRIPT.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { EVENT_CHANNEL, type BackendEvent, type MenuCommand } from '../../shared/contract.js';
import { createBackend, type Backend } from '../backend/backend.js';
import { rendererCsp } from '../backend/static-files.js';
import { exportFileName } from '../backend/file-names.js';
import { appProtocolResponse } from './app-protocol.js';
import { fileFromArgv } from './argv.js';
import type { BrowserWindowLike, ElectronMain } from './electron-api.js';
import { registerIpcHandlers } from './ipc.js';
import { aboutDetail, buildMenuTemplate } from './menu.js';
import { addRecent, loadRecent, pathComparer, saveRecent } from './recent.js';
import {
  APP_ENTRY_URL,
  APP_SCHEME,
  externalLinkDecision,
  externalLinkQuestion,
  isPermissionAllowed,
  isTrustedSenderFrame,
  navigationDecision,
  projectPages,
} from './security.js';

const electron = require('electron') as ElectronMain;
const { app, BrowserWindow, dialog, ipcMain, Menu, protocol, session, shell } = electron;

/** A comfortable first window for graphs + pivot table; the minimum keeps the layout readable. */
const WINDOW_SIZE = { width: 1440, height: 900, minWidth: 1024, minHeight: 640 } as const;
const ETL_FILTERS = [
  { name: 'ETW trace', extensions: ['etl'] },
  { name: 'All files', extensions: ['*'] },
] as const;

// Must run before 'ready': app:// behaves like https (standard, secure origin, fetch allowed).
protocol.registerSchemesAsPrivileged([
  {
    scheme: APP_SCHEME,
    privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: false },
  },
]);

// In a packaged app an environment variable must not pick the script our worker threads run
// with full Node (that would undo the runAsNode and NODE_OPTIONS fuses); the worker pool checks
// this itself too (worker-script.ts), this clears it before any worker inherits it.
if (app.isPackaged) delete process.env.ETLSCOPE_WORKER_SCRIPT;

const appRoot = app.getAppPath();
/** Links that open without asking: the project's own pages named in the app's package.json. */
const allowedLinks: readonly string[] = (() => {
  try {
    return projectPages(JSON.parse(readFileSync(path.join(appRoot, 'package.json'), 'utf8')) as object);
  } catch {
    return [];
  }
})();
const rendererDir = path.join(appRoot, 'dist', 'renderer');
const recentFile = () => path.join(app.getPath('userData'), 'recent.json');
const samePath = pathComparer(process.platform);

let window: BrowserWindowLike | undefined;
let backend: Backend | undefined;
let recent: string[] = [];
let traceOpen = false;
/** A file asked for before the window could take it (argv, macOS open-file before ready). */
let pendingFile: string | undefined = fileFromArgv(process.argv, {
  isPackaged: app.isPackaged,
  cwd: process.cwd(),
});

function send(event: BackendEvent): void {
  if (window !== undefined && !window.isDestroyed() && !window.webContents.isDestroyed()) {
    window.webContents.send(EVENT_CHANNEL, event);
  }
}

function requestOpen(file: string): void {
  if (window === undefined || backend === undefined) {
    pendingFile = file;
    return;
  }
  if (window.isMinimized()) window.restore();
  window.focus();
  backend.emit({ type: 'open-requested', source: { kind: 'path', path: file } });
}

function rebuildMenu(): void {
  const template = buildMenuTemplate(
    { platform: process.platform, appName: 'etlscope', recent, traceOpen, dev: !app.isPackaged },
    {
      open: () => void chooseFile().then((file) => file !== undefined && requestOpen(file)),
      openRecent: (file) => requestOpen(file),
      clearRecent: () => {
        recent = [];
        app.clearRecentDocuments();
        void saveRecent(recentFile(), recent);
        rebuildMenu();
      },
      command: (command: MenuCommand) => backend?.emit({ type: 'command', command }),
      about: () => {
        if (window === undefined) return;
        void dialog.showMessageBox(window, {
          type: 'info',
          title: 'About etlscope',
          message: 'etlscope',
          detail: `${aboutDetail(process.versions, app.getVersion())}\n\nWindows ETW trace viewer: DPC/ISR durations, CPU utilization, C-states.`,
          buttons: ['OK'],
        });
      },
    },
  );
  Menu.setApplicationMenu(Menu.buildFromTemplate(template));
}

async function chooseFile(): Promise<string | undefined> {
  if (window === undefined) return undefined;
  const result = await dialog.showOpenDialog(window, {
    title: 'Open ETW trace',
    properties: ['openFile'],
    filters: ETL_FILTERS,
  });
  return result.canceled ? undefined : result.filePaths[0];
}

/** A link the page wants opened outside: the project's pages at once, others if the user agrees. */
function openExternalLink(url: string): void {
  const decision = externalLinkDecision(url, allowedLinks);
  if (decision === 'open') void shell.openExternal(url);
  else if (decision === 'ask' && window !== undefined) {
    void dialog
      .showMessageBox(window, externalLinkQuestion(url))
      .then(({ response }) => (response === 0 ? shell.openExternal(url) : undefined));
  }
}

function hardenWebContents(): void {
  app.on('web-contents-created', (_event, contents) => {
    const guard = (event: { preventDefault(): void }, url: string) => {
      const decision = navigationDecision(url);
      if (decision === 'allow') return;
      event.preventDefault();
      if (decision === 'external') openExternalLink(url);
    };
    contents.on('will-navigate', guard);
    contents.on('will-redirect', guard);
    contents.on('will-attach-webview', (event) => event.preventDefault());
    contents.setWindowOpenHandler(({ url }) => {
      if (navigationDecision(url) === 'external') openExternalLink(url);
      return { action: 'deny' };
    });
  });
}

async function createBackendForWindow(): Promise<Backend> {
  const { openTraceSession } = await import('../worker/index.js');
  const created = createBackend({
    openSession: openTraceSession,
    samplePath: path.join(appRoot, 'assets', 'sample.etl'),
    allowPathSources: true,
    showOpenDialog: chooseFile,
    exportDestination: async (request, trace) => {
      if (window === undefined) return undefined;
      const chosen = await dialog.showSaveDialog(window, {
        title: request.what === 'rows' ? 'Export DPC durations' : 'Export table',
        defaultPath: path.join(app.getPath('documents'), exportFileName(trace.name, request)),
        filters: [{ name: 'CSV', extensions: ['csv'] }],
      });
      return chosen.canceled || chosen.filePath === undefined ? undefined : { path: chosen.filePath };
    },
    onOpened: (trace) => {
      traceOpen = true;
      window?.setTitle(`${trace.name} — etlscope`);
      if (trace.source.kind === 'path') {
        recent = addRecent(recent, trace.path, samePath);
        app.addRecentDocument(trace.path);
        void saveRecent(recentFile(), recent);
      }
      rebuildMenu();
    },
    onClosed: () => {
      traceOpen = false;
      window?.setTitle('etlscope');
      rebuildMenu();
    },
  });
  created.onEvent(send);
  return created;
}

function createWindow(): BrowserWindowLike {
  const win = new BrowserWindow({
    ...WINDOW_SIZE,
    show: false,
    title: 'etlscope',
    backgroundColor: '#1e1e1e',
    icon: path.join(appRoot, 'assets', 'icon.png'),
    webPreferences: {
      preload: path.join(__dirname, 'preload.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      // A file dropped outside our drop zone must not navigate the window to file://.
      navigateOnDragDrop: false,
      spellcheck: false,
      devTools: !app.isPackaged,
    },
  });
  win.once('ready-to-show', () => win.show());
  win.webContents.on('did-finish-load', () => {
    if (pendingFile !== undefined) {
      const file = pendingFile;
      pendingFile = undefined;
      requestOpen(file);
    }
  });
  win.on('closed', () => {
    window = undefined;
  });
  void win.loadURL(APP_ENTRY_URL);
  return win;
}

async function start(): Promise<void> {
  await app.whenReady();
  session.defaultSession.setPermissionRequestHandler((_contents, permission, callback) =>
    callback(isPermissionAllowed(permission)),
  );
  session.defaultSession.setPermissionCheckHandler((_contents, permission) =>
    isPermissionAllowed(permission),
  );
  // Belt and braces (checklist item 7): any page response gets the CSP even if something were ever
  // loaded outside app:// (DevTools' own devtools:// pages are left alone).
  session.defaultSession.webRequest.onHeadersReceived((details, callback) =>
    callback({
      responseHeaders: /^(app|https?|file):/.test(details.url)
        ? { ...(details.responseHeaders ?? {}), 'Content-Security-Policy': [rendererCsp()] }
        : (details.responseHeaders ?? {}),
    }),
  );
  protocol.handle(APP_SCHEME, async (request) => {
    const response = await appProtocolResponse(rendererDir, request.url);
    return new Response(response.body as BodyInit, { status: response.status, headers: response.headers });
  });
  hardenWebContents();
  recent = await loadRecent(recentFile());
  backend = await createBackendForWindow();
  registerIpcHandlers(ipcMain, backend, isTrustedSenderFrame, (channel, url) =>
    process.stderr.write(`etlscope: refused ${channel} from ${url ?? 'a destroyed frame'}\n`),
  );
  rebuildMenu();
  window = createWindow();
}

if (!app.requestSingleInstanceLock()) {
  // Another etlscope is running: it receives our argv through 'second-instance' and opens the file.
  app.quit();
} else {
  app.on('second-instance', (_event, argv, workingDirectory) => {
    const file = fileFromArgv(argv, { isPackaged: app.isPackaged, cwd: workingDirectory });
    if (file !== undefined) requestOpen(file);
    else if (window !== undefined) window.focus();
  });
  // macOS: double-clicked .etl files (file association) arrive here, possibly before 'ready'.
  app.on('open-file', (event, file) => {
    event.preventDefault();
    requestOpen(file);
  });
  app.on('window-all-closed', () => app.quit());
  app.on('before-quit', () => void backend?.dispose());
  start().catch((error: unknown) => {
    dialog.showErrorBox(
      'etlscope could not start',
      error instanceof Error ? (error.stack ?? error.message) : String(error),
    );
    app.quit();
  });
}
