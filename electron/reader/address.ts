// 64-bit addresses as exact float64 keys, and GUID text. A key is (hi & 0x1FFFF)·2^32 + lo:
// canonical x64 kernel addresses (0xFFFF8000_00000000 and up) keep 17 significant high bits,
// user addresses stay themselves, so keys are exact and keep the order inside each half.

import type { AddressKey } from './types.js';

const TWO_POW_32 = 4294967296;

export function addressKey(lo: number, hi: number): AddressKey {
  return ((hi & 0x1ffff) * TWO_POW_32 + (lo >>> 0)) as AddressKey;
}

/** Reads a P-byte little-endian pointer at `offset` as an AddressKey. */
export function readPointerKey(view: DataView, offset: number, pointerSize: 4 | 8): AddressKey {
  const lo = view.getUint32(offset, true);
  if (pointerSize === 4) return lo as AddressKey;
  return ((view.getUint32(offset + 4, true) & 0x1ffff) * TWO_POW_32 + lo) as AddressKey;
}

/** '0xfffff80212345678' for kernel keys, '0x7ff6a000' for small ones (no leading zeros). */
export function addressKeyToHex(key: AddressKey): string {
  const value = Number(key);
  let hi = Math.floor(value / TWO_POW_32);
  const lo = value - hi * TWO_POW_32;
  if (hi & 0x10000) hi = (hi | 0xfffe0000) >>> 0; // sign-extend bit 48 back to a canonical address
  if (hi === 0) return '0x' + lo.toString(16);
  return '0x' + hi.toString(16) + lo.toString(16).padStart(8, '0');
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** GUID at `offset` (Data1 u32 LE, Data2/Data3 u16 LE, Data4 8 bytes) as lower-case 8-4-4-4-12 text. */
export function guidAt(bytes: Uint8Array, offset: number): string {
  const b = (i: number) => HEX[bytes[offset + i]];
  return (
    b(3) +
    b(2) +
    b(1) +
    b(0) +
    '-' +
    b(5) +
    b(4) +
    '-' +
    b(7) +
    b(6) +
    '-' +
    b(8) +
    b(9) +
    '-' +
    b(10) +
    b(11) +
    b(12) +
    b(13) +
    b(14) +
    b(15)
  );
}

/** The 16 bytes of a GUID written in text form (inverse of guidAt). */
export function guidBytes(text: string): Uint8Array {
  const hex = text.replace(/-/g, '');
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new Error(`not a GUID: ${text}`);
  const raw = Uint8Array.from({ length: 16 }, (_, i) => parseInt(hex.slice(i * 2, i * 2 + 2), 16));
  const order = [3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15];
  return Uint8Array.from(order, (i) => raw[i]);
}

/** True when the 16 bytes at `offset` equal `guid` (from guidBytes). */
export function guidEquals(bytes: Uint8Array, offset: number, guid: Uint8Array): boolean {
  if (offset < 0 || offset + 16 > bytes.length) return false;
  for (let i = 0; i < 16; i++) if (bytes[offset + i] !== guid[i]) return false;
  return true;
}

/** Reads a u64 as a number (exact below 2^53; raw timestamps and FILETIMEs are far below). */
export function readU64(view: DataView, offset: number): number {
  return view.getUint32(offset + 4, true) * TWO_POW_32 + view.getUint32(offset, true);
}

/** Reads an i64 as a number (exact for |value| < 2^53). */
export function readI64(view: DataView, offset: number): number {
  return view.getInt32(offset + 4, true) * TWO_POW_32 + view.getUint32(offset, true);
}
