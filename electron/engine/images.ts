// Image maps: which module an address belongs to at a given time. The kernel map holds images
// logged with ProcessId 0 or a kernel-space base; user images are kept per process. Image
// instances come from Load/DCStart (rundown at start: loaded "forever before"), Unload, and
// DCEnd (rundown at the end: creates the instance if nothing earlier did).

import type { ImageEvent } from './partial.js';

/** AddressKeys at or above this are kernel-space (0xFFFF8000_00000000 folded, see reader types). */
export const KERNEL_SPACE_KEY = 0x1_8000_0000_0000;

export interface ImageInstance {
  readonly base: number;
  readonly size: number;
  readonly processId: number;
  readonly fileName: string;
  readonly module: string;
  loadNs: number;
  unloadNs: number;
}

/** File-name part of a logged path: `\SystemRoot\system32\drivers\ndis.sys` → `ndis.sys`. */
export function moduleNameOf(fileName: string): string {
  const cut = Math.max(fileName.lastIndexOf('\\'), fileName.lastIndexOf('/'));
  const name = fileName.slice(cut + 1);
  return name === '' ? 'Unknown' : name;
}

export const isKernelImage = (e: { processId: number; base: number }): boolean =>
  e.processId === 0 || e.base >= KERNEL_SPACE_KEY;

/** Image instances from image events (any order; sorted by time here). */
export function buildImageInstances(events: readonly ImageEvent[]): ImageInstance[] {
  const sorted = [...events].sort((a, b) => a.timeNs - b.timeNs);
  const instances: ImageInstance[] = [];
  const open = new Map<string, ImageInstance>();
  const keyOf = (e: ImageEvent) => `${isKernelImage(e) ? 0 : e.processId}:${e.base}`;
  for (const e of sorted) {
    const key = keyOf(e);
    const current = open.get(key);
    if (e.kind === 'load' || e.kind === 'dcstart') {
      if (current !== undefined && current.fileName === e.fileName && current.size === e.size) continue;
      if (current !== undefined) current.unloadNs = e.timeNs;
      const instance: ImageInstance = {
        base: e.base,
        size: e.size,
        processId: isKernelImage(e) ? 0 : e.processId,
        fileName: e.fileName,
        module: moduleNameOf(e.fileName),
        loadNs: e.kind === 'dcstart' ? -Infinity : e.timeNs,
        unloadNs: Infinity,
      };
      instances.push(instance);
      open.set(key, instance);
    } else if (e.kind === 'unload') {
      if (current !== undefined) {
        current.unloadNs = e.timeNs;
        open.delete(key);
      } else {
        instances.push({
          base: e.base,
          size: e.size,
          processId: isKernelImage(e) ? 0 : e.processId,
          fileName: e.fileName,
          module: moduleNameOf(e.fileName),
          loadNs: -Infinity,
          unloadNs: e.timeNs,
        });
      }
    } else if (current === undefined) {
      const instance: ImageInstance = {
        base: e.base,
        size: e.size,
        processId: isKernelImage(e) ? 0 : e.processId,
        fileName: e.fileName,
        module: moduleNameOf(e.fileName),
        loadNs: -Infinity,
        unloadNs: Infinity,
      };
      instances.push(instance);
      open.set(key, instance);
    }
  }
  return instances;
}

/** Sorted-by-base lookup over a set of image instances. */
export class ImageMap {
  private readonly images: ImageInstance[];
  private readonly bases: Float64Array;
  /** Largest image size in the map: how far back from the base search a containing image can start. */
  private readonly maxSize: number;

  constructor(images: readonly ImageInstance[]) {
    this.images = [...images].sort((a, b) => a.base - b.base);
    this.bases = Float64Array.from(this.images, (i) => i.base);
    this.maxSize = this.images.reduce((m, i) => Math.max(m, i.size), 0);
  }

  get size(): number {
    return this.images.length;
  }

  /** Every image whose [base, base+size) contains the address (any time). */
  candidates(address: number): ImageInstance[] {
    const out: ImageInstance[] = [];
    let hi = upperBound(this.bases, address) - 1;
    for (; hi >= 0; hi--) {
      const image = this.images[hi]!;
      if (image.base + this.maxSize <= address) break;
      if (address < image.base + image.size) out.push(image);
    }
    return out;
  }

  /** More than one image instance contains the address over time (one unloaded, another loaded
   *  there): which one applies depends on the time. */
  isAmbiguous(address: number): boolean {
    let containing = 0;
    for (let k = upperBound(this.bases, address) - 1; k >= 0; k--) {
      const image = this.images[k]!;
      if (image.base + this.maxSize <= address) break;
      if (address < image.base + image.size && ++containing > 1) return true;
    }
    return false;
  }

  /** The image containing the address at `timeNs` (loaded then); else the closest in time.
   *  The common case (one image loaded at the time) allocates nothing. */
  resolve(address: number, timeNs: number): ImageInstance | undefined {
    let containing = 0;
    for (let k = upperBound(this.bases, address) - 1; k >= 0; k--) {
      const image = this.images[k]!;
      if (image.base + this.maxSize <= address) break;
      if (address >= image.base + image.size) continue;
      if (image.loadNs <= timeNs && timeNs < image.unloadNs) return image;
      containing++;
    }
    return containing === 0 ? undefined : pickByTime(this.candidates(address), timeNs);
  }
}

export function pickByTime(found: readonly ImageInstance[], timeNs: number): ImageInstance | undefined {
  for (const image of found) if (image.loadNs <= timeNs && timeNs < image.unloadNs) return image;
  // Not loaded at that time by the log (imperfect rundown): the closest instance in time.
  let best: ImageInstance | undefined;
  let bestGap = Infinity;
  for (const image of found) {
    const gap = timeNs < image.loadNs ? image.loadNs - timeNs : timeNs - image.unloadNs;
    if (gap < bestGap) {
      bestGap = gap;
      best = image;
    }
  }
  return best;
}

/** First index with a[i] > value. */
export function upperBound(a: ArrayLike<number>, value: number, lo = 0, hi = a.length): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! <= value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index with a[i] >= value. */
export function lowerBound(a: ArrayLike<number>, value: number, lo = 0, hi = a.length): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** AddressKey → '0xfffff80212345678' (inverse of the reader's key folding). */
export function addressKeyHex(key: number): string {
  const hi = Math.floor(key / 0x1_0000_0000);
  const lo = key - hi * 0x1_0000_0000;
  const fullHi = hi >= 0x8000 ? (hi | 0xfffe0000) >>> 0 : hi;
  return `0x${fullHi.toString(16).padStart(8, '0')}${lo.toString(16).padStart(8, '0')}`;
}
