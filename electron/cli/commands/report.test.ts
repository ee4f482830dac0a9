// The verdict's offender list says when it names only the top routines (issue 12), and names all
// of them otherwise.
import { describe, expect, it } from 'vitest';
import type { Aggregates } from '../../../shared/contract.js';
import type { DpcResult, DpcRow } from './dpc.js';
import { verdict } from './report.js';

const aggregates = (count: number, overBudget: number, maxUs: number): Aggregates => ({
  count,
  totalMs: count * 0.2,
  minUs: 1,
  maxUs,
  avgUs: 200,
  p50Us: 150,
  p90Us: 250,
  p99Us: 400,
  overBudget,
  percent: 1,
});

function result(offenders: number): DpcResult {
  const rows: DpcRow[] = Array.from({ length: offenders }, (_, k) => ({
    type: 'DPC',
    module: `drv${k}.sys`,
    function: `drv${k}.sys+0x10`,
    cpu: null,
    count: 100,
    totalMs: 20,
    exclusiveMs: 20,
    avgUs: 200,
    maxUs: 500,
    p50Us: 150,
    p99Us: 400,
    overBudget: 100 - k,
  }));
  return {
    range: { startSeconds: 0, endSeconds: 1 },
    cpus: 'all',
    groupBy: ['type', 'module', 'function'],
    rows,
    totals: { dpc: aggregates(100 * offenders, 90 * offenders, 500), isr: aggregates(0, 0, 0) },
    histogram: [],
  };
}

describe('verdict', () => {
  it('says "the top 5 of N" when more routines broke the guideline than it lists', () => {
    const lines = verdict(result(12));
    expect(lines).toContain('Routines over the guideline, the top 5 of 12 by how often:');
    expect(lines.filter((l) => l.startsWith('  DPC drv'))).toHaveLength(5);
    expect(lines.some((l) => l.includes('drv0.sys!+0x10: 100 over budget'))).toBe(true);
  });

  it('names every routine when there are 5 or fewer', () => {
    const lines = verdict(result(3));
    expect(lines).toContain('Routines over the guideline (all 3):');
    expect(lines.filter((l) => l.startsWith('  DPC drv'))).toHaveLength(3);
  });
});
