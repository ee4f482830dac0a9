// Parsers of what the independent LLVM tools print about a built image — the truth about the
// images comes from here, never from etlscope's own PE/PDB readers:
//   llvm-readobj --file-headers --coff-debug-directory  → TimeDateStamp, ImageBase, SizeOfImage,
//                                                          RSDS GUID / age / PDB path
//   llvm-objdump -p                                      → CheckSum, SizeOfImage (readobj 14 prints
//                                                          only the DOS header's checksum)
//   llvm-pdbutil dump --summary                          → the PDB's GUID, age, what it holds
//   llvm-pdbutil dump --section-headers                  → section number → virtual address
//   llvm-pdbutil dump --symbols                          → S_GPROC32/S_LPROC32: name, seg:off, size
//   llvm-pdbutil dump --publics                          → S_PUB32: (decorated) name, seg:off
//   llvm-objdump -d                                      → instruction addresses and call targets
//   lld-link /map                                        → "Publics by Value" addresses
// Each parser throws when the text does not have the shape it expects (a tool version change).

import { guidString } from './image-patch.js';

export class ReadbackError extends Error {
  override name = 'ReadbackError';
}

function need<T>(value: T | undefined | null, what: string, source: string): T {
  if (value === undefined || value === null)
    throw new ReadbackError(`${source}: ${what} not found in the tool output`);
  return value;
}

const num = (text: string): number => (/^0x/i.test(text) ? parseInt(text.slice(2), 16) : parseInt(text, 10));

export interface PeHeaders {
  machine: 'x86' | 'x64';
  timeDateStamp: number;
  imageBase: bigint;
  sizeOfImage: number;
  codeView?: { guid: string; age: number; pdbFileName: string };
}

/** `llvm-readobj --file-headers --coff-debug-directory FILE`. */
export function parseReadobj(text: string, source: string): PeHeaders {
  const field = (name: string): string | undefined =>
    new RegExp(`^\\s*${name}:\\s*(.+)$`, 'mi').exec(text)?.[1]?.trim();
  const machineText = need(field('Machine'), 'Machine', source);
  const machine = /AMD64/.test(machineText) ? 'x64' : /I386/.test(machineText) ? 'x86' : undefined;
  const header = need(
    /ImageFileHeader \{[\s\S]*?TimeDateStamp:[^(]*\((0x[0-9A-Fa-f]+)\)/.exec(text),
    'TimeDateStamp',
    source,
  );
  const guid = /PDBGUID:\s*\(([0-9A-Fa-f ]+)\)/.exec(text);
  const out: PeHeaders = {
    machine: need(machine, `a known Machine (${machineText})`, source),
    timeDateStamp: num(header[1]),
    imageBase: BigInt(need(field('ImageBase'), 'ImageBase', source)),
    sizeOfImage: num(need(field('SizeOfImage'), 'SizeOfImage', source)),
  };
  if (guid !== null) {
    const bytes = Uint8Array.from(
      guid[1]
        .trim()
        .split(/\s+/)
        .map((b) => parseInt(b, 16)),
    );
    if (bytes.length !== 16) throw new ReadbackError(`${source}: PDBGUID has ${bytes.length} bytes`);
    out.codeView = {
      guid: guidString(bytes),
      age: num(need(field('PDBAge'), 'PDBAge', source)),
      pdbFileName: need(field('PDBFileName'), 'PDBFileName', source),
    };
  }
  return out;
}

/** `llvm-objdump -p FILE`: the optional header's CheckSum and SizeOfImage (hex columns). */
export function parsePrivateHeaders(text: string, source: string): { checksum: number; sizeOfImage: number } {
  const hex = (name: string): number =>
    parseInt(need(new RegExp(`^${name}\\s+([0-9a-fA-F]+)\\s*$`, 'm').exec(text), name, source)[1], 16);
  return { checksum: hex('CheckSum'), sizeOfImage: hex('SizeOfImage') };
}

export interface PdbSummary {
  guid: string;
  age: number;
  hasDebugInfo: boolean;
  hasPublics: boolean;
}

/** `llvm-pdbutil dump --summary FILE.pdb`. */
export function parsePdbSummary(text: string, source: string): PdbSummary {
  const guid = need(/^\s*GUID:\s*\{([0-9A-Fa-f-]+)\}/m.exec(text), 'GUID', source)[1].toLowerCase();
  const age = num(need(/^\s*Age:\s*(\d+)/m.exec(text), 'Age', source)[1]);
  const flag = (name: string): boolean => new RegExp(`^\\s*${name}:\\s*true`, 'm').test(text);
  return { guid, age, hasDebugInfo: flag('Has Debug Info'), hasPublics: flag('Has Publics') };
}

/** `llvm-pdbutil dump --section-headers`: virtual address of each section, by 1-based number. */
export function parseSectionHeaders(text: string, source: string): Map<number, number> {
  const out = new Map<number, number>();
  const re = /SECTION HEADER #(\d+)[\s\S]*?^\s*([0-9A-Fa-f]+) virtual address/gm;
  for (const m of text.matchAll(re)) out.set(Number(m[1]), parseInt(m[2], 16));
  if (out.size === 0) throw new ReadbackError(`${source}: no section headers`);
  return out;
}

export interface ProcedureRecord {
  name: string;
  rva: number;
  size: number;
}

const toRva = (sections: Map<number, number>, segment: number, offset: number, source: string): number => {
  const va = sections.get(segment);
  if (va === undefined) throw new ReadbackError(`${source}: address in unknown section ${segment}`);
  return va + offset;
};

/** `llvm-pdbutil dump --symbols`: every procedure record (offsets are decimal in this output). */
export function parseProcedures(
  text: string,
  sections: Map<number, number>,
  source: string,
): ProcedureRecord[] {
  const out: ProcedureRecord[] = [];
  const re =
    /S_[GL]PROC32(?:_ID)? \[size = \d+\] `([^`]+)`\s*\n\s*parent = \d+, end = \d+, addr = (\d+):(\d+), code size = (\d+)/g;
  for (const m of text.matchAll(re))
    out.push({ name: m[1], rva: toRva(sections, Number(m[2]), Number(m[3]), source), size: Number(m[4]) });
  return out;
}

export interface PublicRecord {
  /** The decorated name as stored (`_KiIdleLoop@12`, `?Isr@HdaController@@…`). */
  name: string;
  rva: number;
  isFunction: boolean;
}

/** `llvm-pdbutil dump --publics`. */
export function parsePublics(text: string, sections: Map<number, number>, source: string): PublicRecord[] {
  const out: PublicRecord[] = [];
  const re = /S_PUB32 \[size = \d+\] `([^`]+)`\s*\n\s*flags = ([^,]+), addr = (\d+):(\d+)/g;
  for (const m of text.matchAll(re))
    out.push({
      name: m[1],
      rva: toRva(sections, Number(m[3]), Number(m[4]), source),
      isFunction: /function/.test(m[2]),
    });
  return out;
}

/**
 * The plain name of a decorated public as far as our generated images need it: `_Name@12`,
 * `_Name`, `@Name@8` → `Name`; `?method@Class@@…` → `Class::method`; anything else as is.
 */
export function undecorate(name: string, pointerSize: 4 | 8): string {
  const cpp = /^\?([^@?]+)@([^@]+)@@/.exec(name);
  if (cpp !== null) return `${cpp[2]}::${cpp[1]}`;
  if (pointerSize === 4) {
    const m = /^[_@]([^@]+)(?:@\d+)?$/.exec(name);
    if (m !== null) return m[1];
  }
  return name;
}

export interface Instruction {
  rva: number;
  /** Call instructions only: the direct target RVA, or null for an indirect call. */
  callTarget?: number | null;
}

/** `llvm-objdump -d --no-show-raw-insn`: the instructions of .text in address order. */
export function parseDisassembly(text: string, imageBase: bigint, source: string): Instruction[] {
  const out: Instruction[] = [];
  const base = Number(imageBase);
  const re = /^[ \t]*([0-9a-f]+):[ \t]+(\S+)(?:[ \t]+(.*))?$/gm;
  for (const m of text.matchAll(re)) {
    const rva = parseInt(m[1], 16) - base;
    const mnemonic = m[2];
    const ins: Instruction = { rva };
    if (/^call/.test(mnemonic)) {
      const target = /^0x([0-9a-f]+)\b/.exec(m[3] ?? '');
      ins.callTarget = target === null ? null : parseInt(target[1], 16) - base;
    }
    out.push(ins);
  }
  if (out.length === 0) throw new ReadbackError(`${source}: no instructions in the disassembly`);
  for (let i = 1; i < out.length; i++)
    if (out[i].rva <= out[i - 1].rva)
      throw new ReadbackError(`${source}: instructions out of order at 0x${out[i].rva.toString(16)}`);
  return out;
}

/** lld-link `/map`: "Publics by Value" rows → decorated name and RVA. */
export function parseMap(text: string, imageBase: bigint, source: string): Map<string, number> {
  const out = new Map<string, number>();
  const base = Number(imageBase);
  const re = /^\s*[0-9a-f]{4}:[0-9a-f]{8}\s+(\S+)\s+([0-9a-f]{8,16})\s+\S+$/gim;
  for (const m of text.matchAll(re)) out.set(m[1], parseInt(m[2], 16) - base);
  if (out.size === 0) throw new ReadbackError(`${source}: no publics in the map file`);
  return out;
}
