// Symbol map files: `<symbolDir>/<pdbName>/<GUID upper, no dashes><age hex upper>/<pdb base>.sym.txt`,
// one `<rva hex> <function name>` per line (any order). Looked up by the PDB identity from
// KernelTraceControl DbgID_RSDS events. Directories: `<trace path>.symbols/` plus the ones in
// env ETLSCOPE_SYMBOL_PATH (`;` or `:` separated).

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** rvas ascending with their names; the function containing an rva is the greatest rva ≤ it. */
export interface SymbolMap {
  readonly rvas: Float64Array;
  readonly names: readonly string[];
}

export function symbolDirectories(
  tracePath: string | undefined,
  envValue = process.env.ETLSCOPE_SYMBOL_PATH,
): string[] {
  const dirs: string[] = [];
  if (tracePath !== undefined) dirs.push(`${tracePath}.symbols`);
  if (envValue !== undefined && envValue.trim() !== '') {
    // ';' always separates; ':' separates too unless it is a Windows drive letter ("C:\...").
    for (const part of envValue.split(/;|:(?![\\/])/)) if (part.trim() !== '') dirs.push(part.trim());
  }
  return dirs;
}

export function symbolFileRelativePath(pdbName: string, guid: string, age: number): string {
  const pdb = path.win32.basename(pdbName).replace(/\\/g, '/');
  const id = guid.replace(/-/g, '').toUpperCase() + age.toString(16).toUpperCase();
  const base = pdb.toLowerCase().endsWith('.pdb') ? pdb.slice(0, -4) : pdb;
  return path.join(pdb, id, `${base}.sym.txt`);
}

export function parseSymbolMap(text: string): SymbolMap {
  const entries: { rva: number; name: string }[] = [];
  for (const line of text.split(/\r?\n/)) {
    const match = /^\s*(?:0x)?([0-9a-fA-F]+)\s+(.+?)\s*$/.exec(line);
    if (match === null) continue;
    entries.push({ rva: parseInt(match[1]!, 16), name: match[2]! });
  }
  entries.sort((a, b) => a.rva - b.rva);
  return { rvas: Float64Array.from(entries, (e) => e.rva), names: entries.map((e) => e.name) };
}

/** Finds and parses the symbol map for a PDB identity; undefined when no directory has it. */
export function loadSymbolMap(
  dirs: readonly string[],
  pdbName: string,
  guid: string,
  age: number,
): SymbolMap | undefined {
  const relative = symbolFileRelativePath(pdbName, guid, age);
  for (const dir of dirs) {
    const file = path.join(dir, relative);
    if (!existsSync(file)) continue;
    try {
      return parseSymbolMap(readFileSync(file, 'utf8'));
    } catch {
      continue;
    }
  }
  return undefined;
}

/** Index of the symbol containing `rva` (greatest rva ≤ it), or −1. */
export function findSymbol(map: SymbolMap, rva: number): number {
  let lo = 0;
  let hi = map.rvas.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (map.rvas[mid]! <= rva) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}
