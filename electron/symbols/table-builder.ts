// Collects one module's symbols in growable typed arrays while a side file streams past, then
// sorts them into a SymbolTable with exactly the rules of types.ts `buildSymbolTable` (sorted by
// RVA; at an RVA given twice the first sized entry wins, else the first one) — without one object
// per entry, since a big `.sym` holds a million functions.
//
//   reader ──add(rva, size, name)──> SymbolTableBuilder ──build(kind, origin)──> SymbolTable

import type { SymbolFileKind, SymbolTable } from './types.js';

/** First capacity: a small module's worth; doubling from here costs at most 2× the final arrays. */
const INITIAL_CAPACITY = 1024;

/** Most entries one table may hold: the biggest real modules (browser engines) have ~2 M functions;
 *  16 M bounds what a hostile file can make us keep (~1 GiB with names) while never refusing a real one. */
export const MAX_SYMBOLS_PER_TABLE = 16 * 1024 * 1024;

export class SymbolTableBuilder {
  private rvas = new Uint32Array(INITIAL_CAPACITY);
  private sizes = new Uint32Array(INITIAL_CAPACITY);
  private readonly names: string[] = [];
  private sorted = true;

  constructor(private readonly maxEntries = MAX_SYMBOLS_PER_TABLE) {}

  get count(): number {
    return this.names.length;
  }

  /** Adds one entry; false (and nothing added) once the table holds `maxEntries`. */
  add(rva: number, size: number, name: string): boolean {
    const index = this.names.length;
    if (index >= this.maxEntries) return false;
    if (index === this.rvas.length) {
      const capacity = index * 2;
      const rvas = new Uint32Array(capacity);
      rvas.set(this.rvas);
      const sizes = new Uint32Array(capacity);
      sizes.set(this.sizes);
      this.rvas = rvas;
      this.sizes = sizes;
    }
    if (index > 0 && rva >>> 0 <= this.rvas[index - 1]!) this.sorted = false;
    this.rvas[index] = rva;
    this.sizes[index] = size;
    this.names.push(name);
    return true;
  }

  build(kind: SymbolFileKind, origin: string): SymbolTable {
    const count = this.names.length;
    const rvas = this.rvas;
    const sizes = this.sizes;
    let order: Uint32Array | undefined;
    if (!this.sorted) {
      order = new Uint32Array(count);
      for (let i = 0; i < count; i++) order[i] = i;
      order.sort((a, b) => rvas[a]! - rvas[b]! || (sizes[b]! > 0 ? 1 : 0) - (sizes[a]! > 0 ? 1 : 0) || a - b);
    }
    const outRvas = new Uint32Array(count);
    const outSizes = new Uint32Array(count);
    const outNames: string[] = [];
    let kept = 0;
    for (let k = 0; k < count; k++) {
      const i = order === undefined ? k : order[k]!;
      if (kept > 0 && outRvas[kept - 1] === rvas[i]) continue;
      outRvas[kept] = rvas[i]!;
      outSizes[kept] = sizes[i]!;
      outNames.push(this.names[i]!);
      kept++;
    }
    return {
      rvas: kept === count ? outRvas : outRvas.slice(0, kept),
      sizes: kept === count ? outSizes : outSizes.slice(0, kept),
      names: outNames,
      kind,
      origin,
    };
  }
}
