// Symbolization: code locations (locations.ts) → functions, under one set of symbol tables. Built
// at finalize from the symbols found right away (side files beside the trace) and rebuilt whenever
// more symbols load (a symbol path, a symbol server, after the trace is ready): the rows keep their
// location ids, only these small arrays change, so every open view just queries again.
//
//   location ──group──> SymbolTable ──findSymbol(rva)──> (module, symbol name) ──> function id
//   location with no symbol ──> a function of its own, labelled `module+0x<rva>` (or the address)
//
// Functions are (module, symbol name): two images of one module share them, and every RVA inside
// a symbol is one function. Names are shown as WPA shows them: without the parameter list a PDB's
// type stream adds (`ndisInterruptDpc(void*, unsigned long)` → `ndisInterruptDpc`), so overloads of
// one C++ method are one function, as in WPA's Function column. Labels of functions without a symbol are built on first use (sampled
// IPs are mostly distinct: half a million labels at load would be wasted work).

import { findSymbol, type SymbolTable } from '../symbols/types.js';
import { addressText, NO_IMAGE_GROUP, type LocationTable } from './locations.js';

export interface Symbolization {
  /** 0 for the symbols found at load; +1 per symbol load applied since. */
  readonly version: number;
  readonly functionCount: number;
  /** Function column text: the symbol name, `module+0x<rva>`, or the address outside images. */
  readonly functionName: (id: number) => string;
  /** Stack-frame text: `module!symbol`, or the same fallback as functionName. */
  readonly frameName: (id: number) => string;
  readonly funcModule: Int32Array;
  /** Location → function. */
  readonly locationFunc: Int32Array;
  /** DPC/ISR routine entry → function (routineLocation through locationFunc). */
  readonly routineFunc: Int32Array;
  /** Per symbol group: the table in use (undefined: none). */
  readonly groupTables: readonly (SymbolTable | undefined)[];
}

export function buildSymbolization(
  modules: readonly string[],
  locations: LocationTable,
  routineLocation: Int32Array,
  tableOfGroup: (group: number) => SymbolTable | undefined,
  version: number,
): Symbolization {
  const groups = locations.groupModule.length;
  const groupTables: (SymbolTable | undefined)[] = [];
  for (let g = 0; g < groups; g++) groupTables.push(g === NO_IMAGE_GROUP ? undefined : tableOfGroup(g));
  // Per group and symbol index: its function id (−1: not yet), so each symbol is interned once.
  const symbolFunc = groupTables.map((t) =>
    t === undefined ? null : new Int32Array(t.names.length).fill(-1),
  );
  const symbolIds = new Map<string, number>();
  const names: (string | undefined)[] = [];
  const funcModule: number[] = [];
  /** Location of a function without a symbol (−1 for symbol functions). */
  const funcLocation: number[] = [];
  const n = locations.count;
  const locationFunc = new Int32Array(n);
  const { group: locationGroup, rva: locationRva, groupModule } = locations;
  for (let loc = 0; loc < n; loc++) {
    const g = locationGroup[loc]!;
    const table = groupTables[g];
    const module = groupModule[g]!;
    if (table !== undefined) {
      const index = findSymbol(table, locationRva[loc]!);
      if (index >= 0) {
        const cache = symbolFunc[g]!;
        let id = cache[index]!;
        if (id < 0) {
          const name = displayName(table.names[index]!);
          const key = `${module}\u0000${name}`;
          id = symbolIds.get(key) ?? -1;
          if (id < 0) {
            id = names.length;
            names.push(name);
            funcModule.push(module);
            funcLocation.push(-1);
            symbolIds.set(key, id);
          }
          cache[index] = id;
        }
        locationFunc[loc] = id;
        continue;
      }
    }
    locationFunc[loc] = names.length;
    names.push(undefined);
    funcModule.push(module);
    funcLocation.push(loc);
  }
  const routineFunc = new Int32Array(routineLocation.length);
  for (let r = 0; r < routineLocation.length; r++) routineFunc[r] = locationFunc[routineLocation[r]!]!;

  const fallback: (string | undefined)[] = [];
  const fallbackLabel = (id: number): string => {
    let label = fallback[id];
    if (label === undefined) {
      const loc = funcLocation[id]!;
      const g = locationGroup[loc]!;
      label =
        g === NO_IMAGE_GROUP
          ? addressText(locationRva[loc]!)
          : `${modules[groupModule[g]!]}+0x${locationRva[loc]!.toString(16)}`;
      fallback[id] = label;
    }
    return label;
  };
  const functionName = (id: number): string => {
    if (id < 0 || id >= names.length) return '';
    return names[id] ?? fallbackLabel(id);
  };
  const frameName = (id: number): string => {
    if (id < 0 || id >= names.length) return '';
    const name = names[id];
    return name === undefined ? fallbackLabel(id) : `${modules[funcModule[id]!]}!${name}`;
  };
  return {
    version,
    functionCount: names.length,
    functionName,
    frameName,
    funcModule: Int32Array.from(funcModule),
    locationFunc,
    routineFunc,
    groupTables,
  };
}

/** Trailing qualifiers a demangled member function may carry after its parameter list. */
const TRAILING_QUALIFIER = /\s*(?:const|volatile|&&|&|__ptr64|noexcept|throw\(\))\s*$/;

/**
 * A symbol name without its parameter list (and the qualifiers after it), as WPA and DbgHelp show
 * functions: `C::f(int) const` → `C::f`, `f<void (*)(int)>(int)` → `f<void (*)(int)>`,
 * `operator()(int)` → `operator()`. Names without a parameter list stay as they are.
 */
export function displayName(name: string): string {
  let end = name.length;
  for (let guard = 0; guard < 8; guard++) {
    const m = TRAILING_QUALIFIER.exec(name.slice(0, end));
    if (m === null || m[0].length === 0) break;
    end -= m[0].length;
  }
  if (end === 0 || name[end - 1] !== ')') return name;
  let depth = 0;
  for (let i = end - 1; i >= 0; i--) {
    const c = name[i];
    if (c === ')') depth++;
    else if (c === '(') {
      depth--;
      if (depth === 0) {
        // `operator()` itself, or nothing before the list: keep the name whole.
        const head = name.slice(0, i).trimEnd();
        return head === '' || head.endsWith('operator') ? name.slice(0, end).trimEnd() : head;
      }
    }
  }
  return name;
}
