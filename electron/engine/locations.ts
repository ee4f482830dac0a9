// Code locations: every distinct place in code the trace names (DPC/ISR routines, sampled
// instruction pointers, stack frames) as (symbol group, RVA), interned once at finalize. Symbols
// are not applied here: a location becomes a function only through a `Symbolization`
// (symbolize.ts), which can be rebuilt when symbols load after the trace is ready, without
// touching any row.
//
//   address + image instance ──LocationDirectory.resolve──> location id
//   location ──group──> (module name, PDB identity)      location ──rva──> offset in the image
//
// A symbol group is one module name with one PDB identity (or none): images of the same module
// and PDB (a driver reloaded at another base) share their locations by RVA. Group 0 holds
// addresses inside no image (module "Unknown"); their "RVA" is the address itself.

import type { PdbIdentity } from '../symbols/types.js';
import type { ImageInstance } from './images.js';
import { AddressInterner } from './partial.js';

/** Group 0: addresses outside every image. */
export const NO_IMAGE_GROUP = 0;
/** Images are < 8 GiB (RVAs < 2^33) and groups < 2^20: group · 2^33 + rva is an exact key. */
const RVA_KEY_SPAN = 0x2_0000_0000;

/** The finalized location table (model.dict): columns indexed by location id. */
export interface LocationTable {
  readonly count: number;
  readonly group: Int32Array;
  /** Offset in the image (the address for group 0). */
  readonly rva: Float64Array;
  /** Per group: its module id (dict.modules) and PDB identity. */
  readonly groupModule: Int32Array;
  readonly groupPdb: readonly (PdbIdentity | undefined)[];
}

export class LocationDirectory {
  readonly modules: string[] = ['Unknown'];
  private readonly moduleIds = new Map<string, number>([['Unknown', 0]]);
  readonly groupModule: number[] = [0];
  readonly groupPdb: (PdbIdentity | undefined)[] = [undefined];
  private readonly groupIds = new Map<string, number>();
  readonly locationGroup: number[] = [];
  readonly locationRva: number[] = [];
  private readonly rvaIds = new AddressInterner();
  private readonly addressIds = new AddressInterner();
  private readonly imageGroup = new Map<ImageInstance, number>();

  constructor(private readonly pdbOf: (image: ImageInstance) => PdbIdentity | undefined) {}

  get count(): number {
    return this.locationGroup.length;
  }

  moduleId(name: string): number {
    let id = this.moduleIds.get(name);
    if (id === undefined) {
      id = this.modules.length;
      this.modules.push(name);
      this.moduleIds.set(name, id);
    }
    return id;
  }

  private groupOf(image: ImageInstance): number {
    let group = this.imageGroup.get(image);
    if (group !== undefined) return group;
    const module = this.moduleId(image.module);
    const pdb = this.pdbOf(image);
    const key = `${module}\u0000${pdb === undefined ? '' : `${pdb.name}\u0000${pdb.guid}\u0000${pdb.age}`}`;
    group = this.groupIds.get(key);
    if (group === undefined) {
      group = this.groupModule.length;
      this.groupModule.push(module);
      this.groupPdb.push(pdb);
      this.groupIds.set(key, group);
    }
    this.imageGroup.set(image, group);
    return group;
  }

  private add(group: number, rva: number): number {
    const id = this.locationGroup.length;
    this.locationGroup.push(group);
    this.locationRva.push(rva);
    return id;
  }

  /** The location id of an address inside `image` (or inside no image). */
  resolve(address: number, image: ImageInstance | undefined): number {
    if (image === undefined) {
      let id = this.addressIds.get(address);
      if (id < 0) {
        id = this.add(NO_IMAGE_GROUP, address);
        this.addressIds.set(address, id);
      }
      return id;
    }
    const group = this.groupOf(image);
    const rva = address - image.base;
    const key = group * RVA_KEY_SPAN + rva;
    let id = this.rvaIds.get(key);
    if (id < 0) {
      id = this.add(group, rva);
      this.rvaIds.set(key, id);
    }
    return id;
  }

  table(): LocationTable {
    return {
      count: this.locationGroup.length,
      group: Int32Array.from(this.locationGroup),
      rva: Float64Array.from(this.locationRva),
      groupModule: Int32Array.from(this.groupModule),
      groupPdb: this.groupPdb,
    };
  }
}

/** An address as WPA prints one outside every image: `0xfffff80362a01010`. */
export function addressText(address: number): string {
  const hi = Math.floor(address / 0x1_0000_0000);
  const lo = address - hi * 0x1_0000_0000;
  const fullHi = hi >= 0x8000 ? (hi | 0xfffe0000) >>> 0 : hi;
  return fullHi === 0
    ? `0x${lo.toString(16)}`
    : `0x${fullHi.toString(16)}${lo.toString(16).padStart(8, '0')}`;
}
