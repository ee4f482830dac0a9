import { describe, expect, it } from 'vitest';
import type { MenuCommand } from '../../shared/contract.js';
import type { MenuItemOptions } from './electron-api.js';
import { aboutDetail, buildMenuTemplate, type MenuState } from './menu.js';

function find(items: readonly MenuItemOptions[], label: string): MenuItemOptions {
  for (const item of items) {
    if (item.label === label) return item;
    const inner = item.submenu !== undefined ? findOrUndefined(item.submenu, label) : undefined;
    if (inner !== undefined) return inner;
  }
  throw new Error(`no menu item ${label}`);
}
function findOrUndefined(items: readonly MenuItemOptions[], label: string): MenuItemOptions | undefined {
  try {
    return find(items, label);
  } catch {
    return undefined;
  }
}

const base: MenuState = { platform: 'linux', appName: 'etlscope', recent: [], traceOpen: true, dev: false };

function build(state: Partial<MenuState> = {}) {
  const calls: string[] = [];
  const template = buildMenuTemplate(
    { ...base, ...state },
    {
      open: () => calls.push('open'),
      openRecent: (file) => calls.push(`recent:${file}`),
      clearRecent: () => calls.push('clear'),
      command: (command: MenuCommand) => calls.push(command),
      about: () => calls.push('about'),
    },
  );
  return { template, calls };
}

describe('application menu', () => {
  it('has File, Edit, View and Help with the issue’s items wired to actions', () => {
    const { template, calls } = build({ recent: ['/t/a.etl'] });
    expect(template.map((m) => m.label)).toEqual(['File', 'Edit', 'View', 'Trace', 'Help']);
    for (const label of [
      'Open…',
      '/t/a.etl',
      'Export DPC Durations…',
      'Close',
      'Zoom In',
      'Zoom Out',
      'Unzoom',
      'Reset Zoom',
      'Load Symbols…',
      'About etlscope',
    ]) {
      find(template, label).click?.();
    }
    expect(calls).toEqual([
      'open',
      'recent:/t/a.etl',
      'export-dpc-csv',
      'close-trace',
      'zoom-in',
      'zoom-out',
      'unzoom',
      'reset-zoom',
      'load-symbols',
      'about',
    ]);
    expect(find(template, 'Open…').accelerator).toBe('CmdOrCtrl+O');
  });

  it('disables trace commands when no trace is open and shows an empty Open Recent', () => {
    const { template } = build({ traceOpen: false });
    expect(find(template, 'Export DPC Durations…').enabled).toBe(false);
    expect(find(template, 'Zoom In').enabled).toBe(false);
    expect(find(template, 'Load Symbols…').enabled).toBe(false);
    expect(find(template, 'No Recent Traces').enabled).toBe(false);
    expect(find(template, 'Open…').enabled).toBeUndefined();
  });

  it('uses zoom accelerators with Ctrl/Cmd only (the renderer owns the bare keys)', () => {
    const { template } = build();
    const view = template.find((m) => m.label === 'View')?.submenu ?? [];
    for (const item of view)
      if (item.accelerator !== undefined) expect(item.accelerator).toMatch(/^CmdOrCtrl\+/);
  });

  it('adds the macOS app menu and dev tools only where they belong', () => {
    expect(build({ platform: 'darwin' }).template.map((m) => m.label ?? m.role)).toEqual([
      'etlscope',
      'File',
      'Edit',
      'View',
      'Trace',
      'windowMenu',
      'Help',
    ]);
    expect(JSON.stringify(build().template)).not.toContain('toggleDevTools');
    expect(JSON.stringify(build({ dev: true }).template)).toContain('toggleDevTools');
  });

  it('says the version in About', () => {
    expect(aboutDetail({ electron: '45.4.1', chrome: '142.0', node: '22.20.0' }, '0.1.0')).toBe(
      'Version 0.1.0\nElectron 45.4.1\nChrome 142.0\nNode 22.20.0',
    );
  });
});
