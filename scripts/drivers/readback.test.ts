// Parsers of the LLVM tools' output, on excerpts of what llvm-readobj 14, llvm-objdump 14,
// llvm-pdbutil 14 and lld-link 14 printed for a built ndis.sys (no toolchain needed), and the
// errors they give when the text has another shape.

import { describe, expect, it } from 'vitest';
import {
  parseDisassembly,
  parseMap,
  parsePdbSummary,
  parsePrivateHeaders,
  parseProcedures,
  parsePublics,
  parseReadobj,
  parseSectionHeaders,
  ReadbackError,
  undecorate,
} from './readback.js';

const READOBJ = `
File: ndis.sys
Format: COFF-x86-64
ImageFileHeader {
  Machine: IMAGE_FILE_MACHINE_AMD64 (0x8664)
  SectionCount: 4
  TimeDateStamp: 2025-07-08 12:39:44 (0x686D1190)
}
ImageOptionalHeader {
  Magic: 0x20B
  ImageBase: 0x140000000
  SizeOfImage: 1384448
}
DOSHeader {
  Checksum: 0
}
DebugDirectory [
  DebugEntry {
    TimeDateStamp: 2025-07-08 12:39:44 (0x686D1190)
    Type: CodeView (0x2)
    PDBInfo {
      PDBSignature: 0x53445352
      PDBGUID: (62 41 8B 61 83 DA F8 43 82 0D 08 96 17 27 92 9F)
      PDBAge: 1
      PDBFileName: ndis.pdb
    }
  }
]
`;

const PDB = `
                          Summary
============================================================
  Age: 1
  GUID: {618B4162-DA83-43F8-820D-08961727929F}
  Has Debug Info: true
  Has Publics: true

                      Section Headers
============================================================
  SECTION HEADER #1
     .text name
      14C7 virtual size
      1000 virtual address
  SECTION HEADER #3
     .data name
      6000 virtual size
      5000 virtual address
      72 | S_GPROC32 [size = 56] \`ndisInterruptDpc\`
           parent = 0, end = 640, addr = 0001:0000, code size = 452
     644 | S_GPROC32 [size = 64] \`ndisMiniportMessageIsr\`
           parent = 0, end = 900, addr = 0001:0464, code size = 301
     344 | S_PUB32 [size = 52] \`_ndisMDispatchReceiveNetBufferLists@12\`
           flags = function, addr = 0001:2000
     192 | S_PUB32 [size = 24] \`g_state\`
           flags = none, addr = 0003:0000
`;

describe('readback parsers', () => {
  it('reads the PE headers and the RSDS record from llvm-readobj', () => {
    const h = parseReadobj(READOBJ, 'ndis.sys');
    expect(h).toEqual({
      machine: 'x64',
      timeDateStamp: 0x686d1190,
      imageBase: 0x140000000n,
      sizeOfImage: 1384448,
      codeView: { guid: '618b4162-da83-43f8-820d-08961727929f', age: 1, pdbFileName: 'ndis.pdb' },
    });
    expect(parseReadobj(READOBJ.replace(/DebugDirectory[\s\S]*/, ''), 'x').codeView).toBeUndefined();
    expect(() => parseReadobj('nothing', 'x.sys')).toThrow(ReadbackError);
    expect(() => parseReadobj('nothing', 'x.sys')).toThrow(/x\.sys: Machine not found/);
  });

  it('reads CheckSum and SizeOfImage from llvm-objdump -p', () => {
    const text =
      'SizeOfImage             00152000\nSizeOfHeaders           00000400\nCheckSum                0000dd8a\n';
    expect(parsePrivateHeaders(text, 'x')).toEqual({ checksum: 0xdd8a, sizeOfImage: 0x152000 });
    expect(() => parsePrivateHeaders('SizeOfImage 1', 'x.sys')).toThrow(/x\.sys: CheckSum not found/);
  });

  it('reads the PDB summary, section headers, procedures (decimal offsets) and publics', () => {
    expect(parsePdbSummary(PDB, 'n.pdb')).toEqual({
      guid: '618b4162-da83-43f8-820d-08961727929f',
      age: 1,
      hasDebugInfo: true,
      hasPublics: true,
    });
    const sections = parseSectionHeaders(PDB, 'n.pdb');
    expect([...sections]).toEqual([
      [1, 0x1000],
      [3, 0x5000],
    ]);
    expect(parseProcedures(PDB, sections, 'n.pdb')).toEqual([
      { name: 'ndisInterruptDpc', rva: 0x1000, size: 452 },
      { name: 'ndisMiniportMessageIsr', rva: 0x1000 + 464, size: 301 },
    ]);
    expect(parsePublics(PDB, sections, 'n.pdb')).toEqual([
      { name: '_ndisMDispatchReceiveNetBufferLists@12', rva: 0x1000 + 2000, isFunction: true },
      { name: 'g_state', rva: 0x5000, isFunction: false },
    ]);
    expect(() => parseProcedures(PDB.replace('0001:0464', '0007:0464'), sections, 'n.pdb')).toThrow(
      /n\.pdb: address in unknown section 7/,
    );
    expect(() => parseSectionHeaders('', 'n.pdb')).toThrow(/no section headers/);
  });

  it('undecorates x86 stdcall/fastcall and one-level C++ names', () => {
    expect(undecorate('_KiIdleLoop@12', 4)).toBe('KiIdleLoop');
    expect(undecorate('@KefAcquireSpinLock@4', 4)).toBe('KefAcquireSpinLock');
    expect(undecorate('_g_state', 4)).toBe('g_state');
    expect(undecorate('?_InterruptThunk@FxInterrupt@@SAJPEAXKK@Z', 8)).toBe('FxInterrupt::_InterruptThunk');
    expect(undecorate('_KiIdleLoop', 8)).toBe('_KiIdleLoop');
  });

  it('reads instructions and call targets from llvm-objdump -d, and the map file', () => {
    const dis = [
      'ndis.sys:\tfile format coff-x86-64',
      '',
      'Disassembly of section .text:',
      '',
      '0000000140001000 <.text>:',
      '140001000:     \tpushq\t%rsi',
      '140001001:     \tretq',
      '140001002:     \tcallq\t0x140001000 <.text>',
      '140001007:     \tcallq\t*%rax',
      '140001009:     \tnop',
    ].join('\n');
    expect(parseDisassembly(dis, 0x140000000n, 'ndis.sys')).toEqual([
      { rva: 0x1000 },
      { rva: 0x1001 },
      { rva: 0x1002, callTarget: 0x1000 },
      { rva: 0x1007, callTarget: null },
      { rva: 0x1009 },
    ]);
    expect(() => parseDisassembly('', 0n, 'x.sys')).toThrow(/x\.sys: no instructions/);
    expect(() => parseDisassembly('10: nop\n8: nop', 0n, 'x.sys')).toThrow(/out of order/);
    const map = [
      '  Address         Publics by Value              Rva+Base               Lib:Object',
      '',
      ' 0001:00000000       ndisInterruptDpc           0000000140001000     ndis.obj',
      ' 0001:000001d0       ndisMiniportMessageIsr     00000001400011d0     ndis.obj',
    ].join('\n');
    expect([...parseMap(map, 0x140000000n, 'ndis.map')]).toEqual([
      ['ndisInterruptDpc', 0x1000],
      ['ndisMiniportMessageIsr', 0x11d0],
    ]);
    expect(() => parseMap('', 0n, 'ndis.map')).toThrow(/ndis\.map: no publics/);
  });
});
