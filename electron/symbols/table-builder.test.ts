// SymbolTableBuilder against types.ts buildSymbolTable, the rule it must reproduce: random entries
// with repeated RVAs (sized and unsized), already-sorted input (the no-sort path), the entry cap.
import { describe, expect, it } from 'vitest';
import { MAX_SYMBOLS_PER_TABLE, SymbolTableBuilder } from './table-builder.js';
import { buildSymbolTable } from './types.js';

/** A small deterministic PRNG (xorshift32) so a failure reproduces. */
function random(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x100000000;
  };
}

describe('SymbolTableBuilder', () => {
  it('gives exactly buildSymbolTable for random entries with repeated RVAs', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const next = random(seed);
      const entries = Array.from({ length: 500 }, (_, i) => ({
        rva: Math.floor(next() * 200) * 16 + (seed === 20 ? 0xfffff000 : 0),
        size: next() < 0.5 ? 0 : Math.floor(next() * 64),
        name: `f${i}`,
      }));
      const builder = new SymbolTableBuilder();
      for (const e of entries) builder.add(e.rva, e.size, e.name);
      const built = builder.build('breakpad', 'x.sym');
      const expected = buildSymbolTable(entries, 'breakpad', 'x.sym');
      expect(Array.from(built.rvas)).toEqual(Array.from(expected.rvas));
      expect(Array.from(built.sizes)).toEqual(Array.from(expected.sizes));
      expect(built.names).toEqual(expected.names);
      expect(built.rvas.length).toBeLessThan(entries.length); // repeats were dropped
    }
  });

  it('keeps sorted input as it is', () => {
    const builder = new SymbolTableBuilder();
    for (let i = 0; i < 3000; i++) builder.add(i * 4, i % 3, `g${i}`);
    const table = builder.build('symtxt', 'o');
    expect(table.rvas.length).toBe(3000);
    expect(table.rvas[2999]).toBe(2999 * 4);
    expect(table.sizes[5]).toBe(2);
    expect(table.names[1234]).toBe('g1234');
    expect(table.kind).toBe('symtxt');
    expect(table.origin).toBe('o');
  });

  it('refuses entries past its cap', () => {
    expect(MAX_SYMBOLS_PER_TABLE).toBeGreaterThan(2_000_000); // above the biggest real modules
    const builder = new SymbolTableBuilder(5000);
    for (let i = 0; i < 5000; i++) expect(builder.add(i, 0, '')).toBe(true);
    expect(builder.add(0, 0, 'one too many')).toBe(false);
    expect(builder.count).toBe(5000);
  });
});
