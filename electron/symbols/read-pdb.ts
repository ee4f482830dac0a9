// The PDB reader as the locator and the engine use it: open the file lazily, check its identity
// against the trace's DbgID_RSDS before reading anything else (another build of the same PDB is a
// SymbolMismatchError: the search goes on), then read its symbols with dump_syms' names
// (procedures named from the type stream, publics demangled).
//
//   file + wanted {name, GUID, age} ──openPdb──> info (GUID, ages) ──match?──> readSymbols ──> SymbolTable

import { demangleMsvc } from './demangle/msvc.js';
import { checkPdbIdentity, fileByteSource, openPdb } from './pdb/pdb.js';
import { SymbolMismatchError } from './symbol-errors.js';
import { pdbBaseName, type PdbIdentity, type SymbolTable } from './types.js';

export function readPdbTable(file: string, wanted: PdbIdentity): SymbolTable {
  const pdb = openPdb(fileByteSource(file), pdbBaseName(file));
  try {
    if (checkPdbIdentity(pdb.info, wanted) !== null) {
      const info = pdb.info;
      throw new SymbolMismatchError(
        file,
        `${wanted.guid.toUpperCase()} age ${wanted.age}`,
        `${info.guid} age ${info.dbiAge !== 0 ? info.dbiAge : info.age}`,
      );
    }
    const table = pdb.readSymbols({ demangle: demangleMsvc });
    return { rvas: table.rvas, sizes: table.sizes, names: table.names, kind: 'pdb', origin: file };
  } finally {
    pdb.close();
  }
}
