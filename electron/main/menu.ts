// The application menu as data (Electron MenuItemConstructorOptions), built by a pure function so
// its structure, accelerators and enabled states are tested without Electron. main.ts rebuilds it
// when a trace opens or closes, or Open Recent changes.
//
//   File:  Open… · Open Recent ▸ · Export DPC durations… · Close · (Quit)
//   Edit:  Cut · Copy · Paste · Select All           (so text fields and Copy work on macOS)
//   View:  Zoom In · Zoom Out · Zoom to Selection · Unzoom · Reset Zoom · (dev: Reload, DevTools)
//   Trace: Load Symbols…                              (WPA's Trace > Load Symbols; opens the dialog)
//   Help:  About etlscope (version)
//
// Trace zoom uses Ctrl/Cmd accelerators; the renderer's own single-key shortcuts (+, -, z, 0,
// Alt+←) ignore Ctrl/Cmd, so a key press is never handled twice.

import type { MenuCommand } from '../../shared/contract.js';
import type { MenuItemOptions } from './electron-api.js';

export interface MenuActions {
  open(): void;
  openRecent(file: string): void;
  clearRecent(): void;
  command(command: MenuCommand): void;
  about(): void;
}

export interface MenuState {
  readonly platform: string;
  readonly appName: string;
  readonly recent: readonly string[];
  readonly traceOpen: boolean;
  /** Development build: adds Reload and Toggle Developer Tools. */
  readonly dev: boolean;
}

export function buildMenuTemplate(state: MenuState, actions: MenuActions): MenuItemOptions[] {
  const mac = state.platform === 'darwin';
  const separator: MenuItemOptions = { type: 'separator' };
  const traceCommand = (label: string, command: MenuCommand, accelerator?: string): MenuItemOptions => ({
    label,
    enabled: state.traceOpen,
    click: () => actions.command(command),
    ...(accelerator !== undefined ? { accelerator } : {}),
  });

  const recentItems: MenuItemOptions[] =
    state.recent.length === 0
      ? [{ label: 'No Recent Traces', enabled: false }]
      : [
          ...state.recent.map((file) => ({ label: file, click: () => actions.openRecent(file) })),
          separator,
          { label: 'Clear Recent', click: () => actions.clearRecent() },
        ];

  const file: MenuItemOptions = {
    label: 'File',
    submenu: [
      { label: 'Open…', accelerator: 'CmdOrCtrl+O', click: () => actions.open() },
      { label: 'Open Recent', submenu: recentItems },
      separator,
      traceCommand('Export DPC Durations…', 'export-dpc-csv', 'CmdOrCtrl+E'),
      separator,
      traceCommand('Close', 'close-trace', 'CmdOrCtrl+W'),
      ...(mac ? [] : [separator, { role: 'quit', label: 'Exit' }]),
    ],
  };
  const edit: MenuItemOptions = {
    label: 'Edit',
    submenu: [{ role: 'cut' }, { role: 'copy' }, { role: 'paste' }, separator, { role: 'selectAll' }],
  };
  const view: MenuItemOptions = {
    label: 'View',
    submenu: [
      traceCommand('Zoom In', 'zoom-in', 'CmdOrCtrl+='),
      traceCommand('Zoom Out', 'zoom-out', 'CmdOrCtrl+-'),
      traceCommand('Zoom to Selection', 'zoom-to-selection', 'CmdOrCtrl+Enter'),
      traceCommand('Unzoom', 'unzoom', 'CmdOrCtrl+Backspace'),
      traceCommand('Reset Zoom', 'reset-zoom', 'CmdOrCtrl+0'),
      ...(state.dev ? [separator, { role: 'reload' }, { role: 'toggleDevTools' }] : []),
      separator,
      { role: 'togglefullscreen' },
    ],
  };
  const trace: MenuItemOptions = {
    label: 'Trace',
    submenu: [traceCommand('Load Symbols…', 'load-symbols')],
  };
  const help: MenuItemOptions = {
    role: 'help',
    label: 'Help',
    submenu: [{ label: `About ${state.appName}`, click: () => actions.about() }],
  };
  const appMenu: MenuItemOptions = {
    label: state.appName,
    submenu: [
      { label: `About ${state.appName}`, click: () => actions.about() },
      separator,
      { role: 'hide' },
      { role: 'hideOthers' },
      { role: 'unhide' },
      separator,
      { role: 'quit' },
    ],
  };
  return mac
    ? [appMenu, file, edit, view, trace, { role: 'windowMenu' }, help]
    : [file, edit, view, trace, help];
}

/** Help > About text: the app version plus the runtime versions people ask for in bug reports. */
export function aboutDetail(
  versions: Readonly<Record<string, string | undefined>>,
  appVersion: string,
): string {
  const runtime = ['electron', 'chrome', 'node', 'v8']
    .filter((name) => versions[name] !== undefined)
    .map((name) => `${name[0]?.toUpperCase()}${name.slice(1)} ${versions[name]}`);
  return [`Version ${appVersion}`, ...runtime].join('\n');
}
