// From a symbol's segment:offset to an RVA in the image. A symbol names a section (1-based) and an
// offset in it; the section headers the linker copied into the PDB give each section's virtual
// address. When the image was rearranged after linking (Windows' BBT/OMAP builds), the PDB keeps the
// original section headers and an "OMAP from source" table that moves original addresses to the
// final image; DIA then uses the original headers and the table, and so do we.
//
//   (section, offset) ─ headers[section−1].virtualAddress + offset ─> internal RVA
//   internal RVA ─ OMAP from source (last entry with source ≤ rva; target 0 = dropped) ─> RVA
//
// This is also the `pdb` crate's AddressMap (to_rva), which dump_syms uses, so addresses agree.

import type { SectionHeader } from './streams.js';

export class AddressMap {
  /** Section virtual addresses used for segment:offset (the original ones when present). */
  private readonly sectionVas: Uint32Array;

  constructor(
    readonly sections: readonly SectionHeader[],
    originalSections: readonly SectionHeader[] | null,
    /** OMAP from source, (source, target) pairs sorted by source; null when there is none. */
    private readonly omap: Uint32Array | null,
  ) {
    const used = originalSections ?? sections;
    this.sectionVas = Uint32Array.from(used, (s) => s.virtualAddress);
  }

  get sectionCount(): number {
    return this.sectionVas.length;
  }

  get translated(): boolean {
    return this.omap !== null;
  }

  /** RVA before OMAP translation, or −1 when the section is 0 or unknown. */
  internalRva(section: number, offset: number): number {
    if (section === 0 || section > this.sectionVas.length) return -1;
    const rva = this.sectionVas[section - 1]! + offset;
    return rva > 0xffffffff ? -1 : rva;
  }

  /** RVA in the final image, or −1 (unknown section, address dropped by the OMAP). */
  rva(section: number, offset: number): number {
    const internal = this.internalRva(section, offset);
    return internal < 0 ? -1 : this.translate(internal);
  }

  private translate(internal: number): number {
    const omap = this.omap;
    if (!omap) return internal;
    const entry = this.omapEntry(internal);
    if (entry < 0) return -1;
    const target = omap[entry * 2 + 1]!;
    if (target === 0) return -1;
    const rva = target + (internal - omap[entry * 2]!);
    return rva > 0xffffffff ? -1 : rva;
  }

  /** Index of the last OMAP entry whose source is ≤ address, or −1. */
  private omapEntry(address: number): number {
    const omap = this.omap!;
    let lo = 0;
    let hi = omap.length / 2;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (omap[mid * 2]! <= address) lo = mid + 1;
      else hi = mid;
    }
    return lo - 1;
  }

  /** Whether section `section` (1-based) of the final image holds code (CNT_CODE or MEM_EXECUTE). */
  isCodeSection(section: number): boolean {
    const header = this.sections[section - 1];
    return header !== undefined && (header.characteristics & (0x20 | 0x20000000)) !== 0;
  }
}
