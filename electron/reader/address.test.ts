// AddressKey folding (exact, order-preserving), pointer reads, GUID text <-> bytes.
import { describe, expect, it } from 'vitest';
import {
  addressKey,
  addressKeyToHex,
  guidAt,
  guidBytes,
  guidEquals,
  readI64,
  readPointerKey,
  readU64,
} from './address.js';

describe('address keys', () => {
  it('are exact and order-preserving for canonical x64 addresses', () => {
    const kernel = addressKey(0x12345678, 0xfffff802);
    expect(addressKeyToHex(kernel)).toBe('0xfffff80212345678');
    expect(addressKeyToHex(addressKey(0, 0xffff8000))).toBe('0xffff800000000000');
    expect(addressKeyToHex(addressKey(0xffffffff, 0xffffffff))).toBe('0xffffffffffffffff');
    expect(addressKeyToHex(addressKey(0x1000, 0x7ff6))).toBe('0x7ff600001000');
    expect(addressKeyToHex(addressKey(0x8123abcd, 0))).toBe('0x8123abcd');
    expect(addressKey(0x10, 0xfffff802) < addressKey(0x20, 0xfffff802)).toBe(true);
    expect(addressKey(0xffffffff, 0xfffff801) < addressKey(0, 0xfffff802)).toBe(true);
    expect(addressKey(0xffffffff, 0x7fff) < addressKey(0, 0xffff8000)).toBe(true);
  });

  it('readPointerKey reads 4- and 8-byte pointers', () => {
    const view = new DataView(new ArrayBuffer(16));
    view.setBigUint64(0, 0xfffff80212345678n, true);
    view.setUint32(8, 0x8123abcd, true);
    expect(addressKeyToHex(readPointerKey(view, 0, 8))).toBe('0xfffff80212345678');
    expect(addressKeyToHex(readPointerKey(view, 8, 4))).toBe('0x8123abcd');
    view.setBigInt64(0, -5n, true);
    expect(readI64(view, 0)).toBe(-5);
    view.setBigUint64(0, 123456789012345n, true);
    expect(readU64(view, 0)).toBe(123456789012345);
  });

  it('GUIDs round-trip between bytes and text', () => {
    const text = 'b3e675d7-2554-4f18-830b-2762732560de';
    const bytes = guidBytes(text);
    expect(Array.from(bytes.subarray(0, 4))).toEqual([0xd7, 0x75, 0xe6, 0xb3]);
    expect(guidAt(bytes, 0)).toBe(text);
    const padded = new Uint8Array(20);
    padded.set(bytes, 3);
    expect(guidEquals(padded, 3, bytes)).toBe(true);
    expect(guidEquals(padded, 2, bytes)).toBe(false);
    expect(guidEquals(padded, 10, bytes)).toBe(false);
    expect(() => guidBytes('nope')).toThrow();
  });
});
