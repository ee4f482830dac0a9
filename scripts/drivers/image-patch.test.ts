// PE and PDB (MSF) patching on hand-made minimal files (no toolchain needed): the RSDS GUID/age and
// CheckSum land where the format puts them, the PDB info stream and DBI header get the identity
// through the MSF directory, and truncated or hostile files give an error naming the file.

import { describe, expect, it } from 'vitest';
import { guidBytes, guidString, ImageFormatError, patchPdb, patchPe, peChecksum } from './image-patch.js';

const GUID = '652bb532-dc6a-490b-919a-60b9389c0cae';

/** A minimal PE32+ file: one .rdata section holding a debug directory with one CodeView RSDS record. */
function minimalPe(): Uint8Array {
  const pe = new Uint8Array(0x400);
  const v = new DataView(pe.buffer);
  pe[0] = 0x4d;
  pe[1] = 0x5a;
  v.setUint32(0x3c, 0x40, true);
  v.setUint32(0x40, 0x00004550, true);
  v.setUint16(0x44, 0x8664, true);
  v.setUint16(0x46, 1, true); // sections
  v.setUint16(0x54, 0xf0, true); // optional header size
  const opt = 0x58;
  v.setUint16(opt, 0x20b, true);
  v.setUint32(opt + 108, 16, true); // NumberOfRvaAndSizes
  v.setUint32(opt + 112 + 6 * 8, 0x1000, true); // debug directory RVA
  v.setUint32(opt + 112 + 6 * 8 + 4, 28, true);
  const sec = opt + 0xf0;
  pe.set([0x2e, 0x72, 0x64, 0x61, 0x74, 0x61], sec); // .rdata
  v.setUint32(sec + 8, 0x200, true); // virtual size
  v.setUint32(sec + 12, 0x1000, true); // virtual address
  v.setUint32(sec + 16, 0x200, true); // raw size
  v.setUint32(sec + 20, 0x200, true); // raw pointer
  v.setUint32(0x200 + 12, 2, true); // IMAGE_DEBUG_TYPE_CODEVIEW
  v.setUint32(0x200 + 16, 24 + 9, true);
  v.setUint32(0x200 + 24, 0x220, true);
  v.setUint32(0x220, 0x53445352, true); // RSDS
  pe.set(new TextEncoder().encode('ndis.pdb\0'), 0x220 + 24);
  return pe;
}

/** A minimal MSF 7.00 file, 512-byte blocks: superblock, FPM, block map, directory, streams 1 and 3. */
function minimalPdb(): Uint8Array {
  const B = 512;
  const pdb = new Uint8Array(7 * B);
  const v = new DataView(pdb.buffer);
  pdb.set(new TextEncoder().encode('Microsoft C/C++ MSF 7.00\r\n\x1aDS\0\0\0'), 0);
  v.setUint32(32, B, true);
  v.setUint32(36, 1, true);
  v.setUint32(40, 7, true); // blocks
  const directoryWords = [4, 0, 28, 0, 64, 5, 6]; // 4 streams, sizes, stream 1 → block 5, stream 3 → block 6
  v.setUint32(44, directoryWords.length * 4, true);
  v.setUint32(52, 3, true); // block map at block 3
  v.setUint32(3 * B, 4, true); // directory in block 4
  directoryWords.forEach((w, k) => v.setUint32(4 * B + 4 * k, w, true));
  v.setUint32(5 * B, 20000404, true); // VC70
  v.setUint32(5 * B + 8, 1, true);
  v.setInt32(6 * B, -1, true);
  v.setUint32(6 * B + 8, 1, true);
  return pdb;
}

describe('image patching', () => {
  it('converts GUIDs to stored bytes and back', () => {
    const bytes = guidBytes(GUID);
    expect([...bytes.subarray(0, 4)]).toEqual([0x32, 0xb5, 0x2b, 0x65]);
    expect(guidString(bytes)).toBe(GUID);
    expect(() => guidBytes('not-a-guid')).toThrow(/not a GUID/);
  });

  it('sets the RSDS GUID/age and a CheckSum that the word-sum algorithm reproduces', () => {
    const pe = minimalPe();
    const sum = patchPe('x.sys', pe, { guid: GUID, age: 3 });
    const v = new DataView(pe.buffer);
    expect(guidString(pe.subarray(0x224, 0x234))).toBe(GUID);
    expect(v.getUint32(0x234, true)).toBe(3);
    expect(v.getUint32(0x58 + 64, true)).toBe(sum);
    // Independent recomputation: 16-bit words (CheckSum field as 0), carries folded, plus the length.
    let total = 0;
    for (let i = 0; i < pe.length; i += 2)
      if (i !== 0x58 + 64 && i !== 0x58 + 66) total += v.getUint16(i, true);
    while (total > 0xffff) total = (total & 0xffff) + Math.floor(total / 0x10000);
    expect(sum).toBe(total + pe.length);
    expect(peChecksum('x.sys', pe)).toBe(sum);
    // Without an identity only the CheckSum changes.
    const plain = minimalPe();
    patchPe('y.sys', plain);
    expect(plain[0x224]).toBe(0);
  });

  it('sets the PDB info stream GUID/age and the DBI age through the MSF directory', () => {
    const pdb = minimalPdb();
    patchPdb('x.pdb', pdb, { guid: GUID, age: 2 });
    const v = new DataView(pdb.buffer);
    expect(v.getUint32(5 * 512 + 8, true)).toBe(2);
    expect(guidString(pdb.subarray(5 * 512 + 12, 5 * 512 + 28))).toBe(GUID);
    expect(v.getUint32(6 * 512 + 8, true)).toBe(2);
  });

  it('rejects truncated and hostile files with an error naming the file', () => {
    const cases: [string, () => void, RegExp][] = [
      ['truncated PE', () => patchPe('t.sys', minimalPe().subarray(0, 0x60)), /t\.sys: optional header/],
      ['no MZ', () => patchPe('m.sys', new Uint8Array(0x100)), /m\.sys: no MZ signature/],
      [
        'debug directory outside the file',
        () => {
          const pe = minimalPe();
          new DataView(pe.buffer).setUint32(0x200 + 24, 0xfffff0, true);
          patchPe('d.sys', pe, { guid: GUID, age: 1 });
        },
        /d\.sys: CodeView record at 0xfffff0/,
      ],
      [
        'no CodeView to patch',
        () =>
          patchPe(
            'n.sys',
            (() => {
              const pe = minimalPe();
              pe[0x200 + 12] = 9;
              return pe;
            })(),
            { guid: GUID, age: 1 },
          ),
        /n\.sys: no CodeView debug record/,
      ],
      [
        'not an MSF',
        () => patchPdb('a.pdb', new Uint8Array(4096), { guid: GUID, age: 1 }),
        /a\.pdb: not an MSF 7\.00/,
      ],
      [
        'truncated PDB',
        () => patchPdb('b.pdb', minimalPdb().subarray(0, 1024), { guid: GUID, age: 1 }),
        /b\.pdb: MSF says 7 blocks/,
      ],
      [
        'huge stream count',
        () => {
          const pdb = minimalPdb();
          new DataView(pdb.buffer).setUint32(4 * 512, 0x7fffffff, true);
          patchPdb('c.pdb', pdb, { guid: GUID, age: 1 });
        },
        /c\.pdb: MSF directory has 2147483647 streams/,
      ],
      [
        'stream block beyond the file',
        () => {
          const pdb = minimalPdb();
          new DataView(pdb.buffer).setUint32(4 * 512 + 20, 999, true);
          patchPdb('e.pdb', pdb, { guid: GUID, age: 1 });
        },
        /e\.pdb: stream 1: block 999 beyond the 7 blocks/,
      ],
    ];
    for (const [what, fn, message] of cases) {
      expect(fn, what).toThrow(ImageFormatError);
      expect(fn, what).toThrow(message);
    }
  });
});
