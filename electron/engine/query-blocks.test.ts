// Range DPC/ISR pivots on the block atoms (whole time blocks per CPU + scanned edge rows) must give
// exactly what the row scan gives: same engine, block path forced on (threshold 0) vs off (∞).

import { describe, expect, it } from 'vitest';
import type { GroupColumn, PivotNode, QueryFilter } from '../../shared/contract.js';
import type { TraceNs } from '../../shared/units.js';
import { DPC_BLOCK_ROWS, dpcBlockAtoms } from './dpc-atoms.js';
import { NEVER_CANCELLED } from './query-common.js';
import { engineFrom, kernelAddress } from './test-model.js';

const range = (start: number, end: number) => ({ start: start as TraceNs, end: end as TraceNs });

describe('range DPC pivots on block atoms agree with the row scan', () => {
  it('gives the same aggregates for every group-by, range, CPU set, mask and duration bound', () => {
    let seed = 11;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    // CPU 0..2: several super blocks of blocks each; CPU 3: fewer rows than one block (edges only).
    const rowsPerCpu = [40 * DPC_BLOCK_ROWS + 777, 20 * DPC_BLOCK_ROWS + 5, 33 * DPC_BLOCK_ROWS, 300];
    const e = engineFrom(4, ([b]) => {
      for (const [base, name] of [
        [0x100000, 'a.sys'],
        [0x200000, 'b.sys'],
      ] as const)
        b!.images.push({
          timeNs: 0,
          kind: 'dcstart',
          base: kernelAddress(base),
          size: 0x1000,
          processId: 0,
          fileName: name,
        });
      for (let cpu = 0; cpu < 4; cpu++) {
        let t = 0;
        const step = 4e9 / rowsPerCpu[cpu]!;
        for (let k = 0; k < rowsPerCpu[cpu]!; k++) {
          t += Math.floor(step * (0.5 + random()));
          // Like real traces, a routine is mostly of one type (block atoms need few pairs per block).
          const r = Math.floor(random() * 7);
          const kind = (r + (random() < 0.1 ? 1 : 0)) % 5;
          const routine = r < 4 ? kernelAddress(0x100000 + 16 * r) : kernelAddress(0x200000 + 16 * (r - 4));
          b!.appendDpc(cpu, kind, t, t + Math.floor(random() * random() * 300_000), routine);
        }
        b!.noteEvent(cpu, t + 1_000_000);
      }
    });
    expect(dpcBlockAtoms(e.model)?.count).toBeGreaterThan(100);
    expect(dpcBlockAtoms(e.model)?.cpuSupers[3]).toBe(8); // 3 + 2 + 3 super blocks on CPUs 0–2
    const d = e.model.durationNs;
    const strip = (nodes: readonly PivotNode[] | undefined): unknown =>
      (nodes ?? []).map((node) => ({ key: node.key, a: node.aggregates, c: strip(node.children) }));
    const ranges = [
      range(0.1 * d, 0.8 * d),
      range(0.003 * d, 0.6 * d),
      range(0.25 * d, 0.26 * d),
      range(0, d - 1),
    ];
    const filters: QueryFilter[] = [
      {},
      { cpus: [1, 3] },
      { include: { module: ['b.sys'] } },
      { exclude: { type: ['ISR'] }, durationNs: { min: 50_000, max: 150_000 } },
    ];
    const groupBys: GroupColumn[][] = [
      [],
      ['module'],
      ['module', 'function'],
      ['cpu'],
      ['type', 'cpu', 'function'],
    ];
    let compared = 0;
    for (const r of ranges)
      for (const f of filters)
        for (const groupBy of groupBys) {
          const query = {
            kind: 'pivot' as const,
            table: 'dpcIsr' as const,
            filter: { ...f, range: r },
            groupBy,
          };
          e.scratch.blockPathMinRows = 0;
          const blocks = e.query(query, NEVER_CANCELLED);
          e.scratch.blockPathMinRows = Infinity;
          const scan = e.query(query, NEVER_CANCELLED);
          expect({ total: blocks.total, rows: strip(blocks.rows) }).toEqual({
            total: scan.total,
            rows: strip(scan.rows),
          });
          if (scan.total.count > 0) compared++;
        }
    expect(compared).toBeGreaterThan(60);
  });
});
