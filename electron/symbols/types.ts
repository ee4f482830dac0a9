// The types every part of the symbol layer shares: a PDB identity as a trace names it, a symbol
// table (one module's functions by RVA) whatever file it came from, and the lookup over it.
// Pure TypeScript: the PDB reader (pdb/), the side-file readers (Breakpad `.sym`, our `.sym.txt`),
// the symbol path and server client, and the engine all speak these.
//
//   DbgID_RSDS {pdb name, GUID, age} ──locate (symbol path: dirs, caches, servers)──> file
//        file ──read (pdb/ | breakpad.ts | sym-txt.ts)──> SymbolTable ──findSymbol(rva)──> name

/** A PDB as a trace's KernelTraceControl DbgID_RSDS event (or an image's CodeView record) names it. */
export interface PdbIdentity {
  /** PDB file name as logged; may carry a build path (`d:\os\obj\ndis.pdb`): use `pdbBaseName`. */
  readonly name: string;
  /** Signature GUID, `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` (any case). */
  readonly guid: string;
  readonly age: number;
}

/** Where a table came from. */
export type SymbolFileKind = 'pdb' | 'breakpad' | 'symtxt';

/**
 * The symbols of one module image, sorted by start RVA (ascending, no duplicates). A procedure
 * from a private PDB or a Breakpad FUNC line has a size; a public symbol (S_PUB32, PUBLIC line,
 * `.sym.txt` line) has size 0, meaning "up to the next symbol".
 */
export interface SymbolTable {
  readonly rvas: Uint32Array;
  /** Bytes covered from the start RVA; 0 = unknown (extends to the next symbol). */
  readonly sizes: Uint32Array;
  readonly names: readonly string[];
  readonly kind: SymbolFileKind;
  /** Path (or URL) the table was read from, for messages and the Images list. */
  readonly origin: string;
}

/**
 * Index of the symbol containing `rva`, or −1: the greatest start ≤ rva, unless that symbol has a
 * known size that ends at or before rva (an address in padding or code without a symbol).
 */
export function findSymbol(table: SymbolTable, rva: number): number {
  const rvas = table.rvas;
  let lo = 0;
  let hi = rvas.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (rvas[mid]! <= rva) lo = mid + 1;
    else hi = mid;
  }
  const index = lo - 1;
  if (index < 0) return -1;
  const size = table.sizes[index]!;
  return size !== 0 && rva - rvas[index]! >= size ? -1 : index;
}

/** `d:\os\obj\amd64\ndis.pdb` → `ndis.pdb` (PDB names are logged with Windows separators). */
export function pdbBaseName(name: string): string {
  const cut = Math.max(name.lastIndexOf('\\'), name.lastIndexOf('/'));
  return name.slice(cut + 1);
}

/** Symbol-server key of an identity: GUID upper-case without dashes, then the age in hex
 *  (upper-case, no padding): `72E103A85CB249078B76B2E7C06257B13`. */
export function identityKey(identity: Pick<PdbIdentity, 'guid' | 'age'>): string {
  return identity.guid.replace(/[-{}]/g, '').toUpperCase() + (identity.age >>> 0).toString(16).toUpperCase();
}

/** Builds a table from unsorted entries: sorted by RVA; at an RVA given twice the first sized
 *  entry wins (a procedure over the public symbol at its address), else the first one. */
export function buildSymbolTable(
  entries: readonly { readonly rva: number; readonly size: number; readonly name: string }[],
  kind: SymbolFileKind,
  origin: string,
): SymbolTable {
  const order = entries
    .map((_, i) => i)
    .sort(
      (a, b) =>
        entries[a]!.rva - entries[b]!.rva ||
        (entries[b]!.size > 0 ? 1 : 0) - (entries[a]!.size > 0 ? 1 : 0) ||
        a - b,
    );
  const rvas: number[] = [];
  const sizes: number[] = [];
  const names: string[] = [];
  for (const i of order) {
    const e = entries[i]!;
    if (rvas.length > 0 && rvas[rvas.length - 1] === e.rva) continue;
    rvas.push(e.rva >>> 0);
    sizes.push(e.size >>> 0);
    names.push(e.name);
  }
  return { rvas: Uint32Array.from(rvas), sizes: Uint32Array.from(sizes), names, kind, origin };
}
