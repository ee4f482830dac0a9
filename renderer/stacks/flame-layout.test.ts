// Flame layout: widths are weight shares, children left to right with `<itself>` as the gap,
// narrow rectangles dropped with their subtrees, zoom (ancestors full width above), hit tests.

import { describe, expect, it } from 'vitest';
import type { StackTreeNode } from '../../shared/contract.js';
import { PATH_SEPARATOR as S } from '../state/slices.js';
import { flameHit, layoutFlame, moduleHue } from './flame-layout.js';

const f = (name: string, weightMs: number, children?: StackTreeNode[]): StackTreeNode => ({
  name,
  kind: name === '<itself>' ? 'itself' : 'frame',
  samples: weightMs,
  weightMs,
  ...(children !== undefined ? { children } : {}),
});

const TREE: StackTreeNode = {
  name: 'all',
  kind: 'root',
  samples: 100,
  weightMs: 100,
  children: [
    {
      ...f('volsnap.sys', 80, [
        f('ntoskrnl.exe!KiIdleLoop', 80, [
          f('volsnap.sys!VspWriteDpc', 60, [
            f('ntoskrnl.exe!KeAcquireSpinLockAtDpcLevel', 50, [
              f('ntoskrnl.exe!KxWaitForSpinLockAndAcquire', 50),
            ]),
            f('<itself>', 10),
          ]),
          f('ntoskrnl.exe!KiRetireDpcList', 20),
        ]),
      ]),
      kind: 'group',
    },
    { ...f('storport.sys', 20, [f('a!tiny', 0.1)]), kind: 'group' },
  ],
};

const rect = (r: ReturnType<typeof layoutFlame>, name: string) => {
  const i = r.nodes.findIndex((n) => n.name === name);
  return i < 0 ? undefined : { x0: r.x0[i], x1: r.x1[i], depth: r.depth[i], path: r.paths[i] };
};

describe('layoutFlame', () => {
  it('lays the whole view out by weight share, heaviest first, own time as the gap', () => {
    const r = layoutFlame(TREE);
    expect(r.count).toBe(9);
    expect(r.rows).toBe(6);
    expect(rect(r, 'all')).toMatchObject({ x0: 0, x1: 1, depth: 0, path: '' });
    expect(rect(r, 'volsnap.sys')).toMatchObject({ x0: 0, x1: 0.8, depth: 1 });
    expect(rect(r, 'storport.sys')).toMatchObject({ x0: 0.8, x1: 1, depth: 1 });
    expect(rect(r, 'ntoskrnl.exe!KiRetireDpcList')).toMatchObject({ x0: 0.6, depth: 3 });
    const spin = rect(r, 'ntoskrnl.exe!KxWaitForSpinLockAndAcquire')!;
    expect(spin.depth).toBe(5);
    expect(spin.x1! - spin.x0!).toBeCloseTo(0.5);
    expect(spin.path!.split(S)).toHaveLength(5);
    expect(r.nodes.some((n) => n.kind === 'itself')).toBe(false);
  });

  it('drops rectangles narrower than the pixels can show', () => {
    const r = layoutFlame(TREE, { minWidth: 0.01 });
    expect(r.nodes.some((n) => n.name === 'a!tiny')).toBe(false);
    expect(r.count).toBe(8);
  });

  it('zooms on a frame: it spans the width, its ancestors above it; a stale zoom shows everything', () => {
    const zoom = `volsnap.sys${S}ntoskrnl.exe!KiIdleLoop${S}volsnap.sys!VspWriteDpc`;
    const r = layoutFlame(TREE, { zoom });
    expect(r.zoomDepth).toBe(3);
    expect(r.zoomPath).toBe(zoom);
    expect(r.total).toBe(60);
    expect(rect(r, 'volsnap.sys!VspWriteDpc')).toMatchObject({ x0: 0, x1: 1, depth: 3 });
    expect(rect(r, 'volsnap.sys')).toMatchObject({ x0: 0, x1: 1, depth: 1 });
    expect(rect(r, 'ntoskrnl.exe!KeAcquireSpinLockAtDpcLevel')!.x1).toBeCloseTo(50 / 60);
    expect(rect(r, 'storport.sys')).toBeUndefined();
    expect(rect(r, 'ntoskrnl.exe!KiRetireDpcList')).toBeUndefined();
    const stale = layoutFlame(TREE, { zoom: `volsnap.sys${S}ndis.sys+0x10` });
    expect(stale.zoomPath).toBe('');
    expect(stale.count).toBe(9);
  });

  it('hit-tests by row and x, and colours a module the same everywhere', () => {
    const r = layoutFlame(TREE);
    expect(r.nodes[flameHit(r, 0.9, 1)]?.name).toBe('storport.sys');
    expect(r.nodes[flameHit(r, 0.1, 5)]?.name).toBe('ntoskrnl.exe!KxWaitForSpinLockAndAcquire');
    expect(flameHit(r, 0.7, 5)).toBe(-1);
    expect(moduleHue('ntoskrnl.exe!KiIdleLoop')).toBe(moduleHue('ntoskrnl.exe+0x10'));
    expect(moduleHue('ntoskrnl.exe!a')).not.toBe(moduleHue('ndis.sys!a'));
  });

  it('uses samples when the weights are all zero', () => {
    const r = layoutFlame({
      name: 'all',
      kind: 'root',
      samples: 4,
      weightMs: 0,
      children: [{ ...f('x', 0), samples: 1 }],
    });
    expect(r.bySamples).toBe(true);
    expect(rect(r, 'x')).toMatchObject({ x0: 0, x1: 0.25 });
  });
});
