// Little-endian field reads and NUL-terminated names out of byte views, shared by every PDB
// stream parser. Callers check bounds before reading fixed fields; `cString` stops at the view's
// end when the terminator is missing (the caller decides whether that is an error).

const utf8 = new TextDecoder('utf-8'); // lossy like dump_syms' to_string_lossy: bad bytes become U+FFFD

export function u16(bytes: Uint8Array, at: number): number {
  return bytes[at]! | (bytes[at + 1]! << 8);
}

export function u32(bytes: Uint8Array, at: number): number {
  return (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24)) >>> 0;
}

export function i32(bytes: Uint8Array, at: number): number {
  return bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24);
}

/** The string at `at` up to its NUL (or `end`), and the offset just past the NUL. */
export function cString(bytes: Uint8Array, at: number, end: number): { text: string; next: number } {
  let stop = at;
  let ascii = true;
  while (stop < end && bytes[stop] !== 0) {
    if (bytes[stop]! >= 0x80) ascii = false;
    stop++;
  }
  let text: string;
  if (ascii && stop - at < 64) {
    text = String.fromCharCode.apply(null, bytes.subarray(at, stop) as unknown as number[]);
  } else {
    text = utf8.decode(bytes.subarray(at, stop));
  }
  return { text, next: Math.min(end, stop + 1) };
}

/** A length-prefixed (u8) string, as the pre-VC7 `_ST` records store names. */
export function pascalString(bytes: Uint8Array, at: number, end: number): { text: string; next: number } {
  if (at >= end) return { text: '', next: end };
  const length = Math.min(bytes[at]!, end - at - 1);
  return { text: utf8.decode(bytes.subarray(at + 1, at + 1 + length)), next: at + 1 + length };
}

/** `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` (upper case) from a 16-byte Windows GUID. */
export function guidAt(bytes: Uint8Array, at: number): string {
  const hex = (value: number, digits: number) => value.toString(16).toUpperCase().padStart(digits, '0');
  const tail: string[] = [];
  for (let i = 8; i < 16; i++) tail.push(hex(bytes[at + i]!, 2));
  return (
    `${hex(u32(bytes, at), 8)}-${hex(u16(bytes, at + 4), 4)}-${hex(u16(bytes, at + 6), 4)}-` +
    `${tail.slice(0, 2).join('')}-${tail.slice(2).join('')}`
  );
}
