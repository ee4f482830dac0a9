// The signature formatter on hand-made type streams: each test builds a few CodeView type records,
// a procedure of that type, and checks the FUNC name against the pdb-addr2line rules dump_syms
// uses (const placement, references, function and member pointers, arrays sized from element
// sizes, forward references) — quirks included — and the failure paths: missing and unknown types
// print in place, malformed or hostile graphs fall back to the bare name instead of hanging.

import { describe, expect, it } from 'vitest';
import { memoryByteSource } from './byte-source.js';
import { MsfFile } from './msf.js';
import { openPdb } from './pdb.js';
import { TPI_STREAM } from './streams.js';
import { TypeLookupError, TypeStream } from './tpi.js';
import { TypeFormatter } from './type-format.js';
import { buildPdb, Bytes, concat, endRecord, procedureRecord, typeRecord } from './testing.js';

const INT = 0x74;
const CHAR = 0x70;
const VOID = 0x03;
const PTR64 = 0x0c | (8 << 13);

/** Type records numbered from 0x1000 in the order they are added. */
class Types {
  readonly records: Uint8Array[] = [];
  private add(leaf: number, body: Bytes): number {
    this.records.push(typeRecord(leaf, body));
    return 0x1000 + this.records.length - 1;
  }
  args(...types: number[]): number {
    const body = new Bytes().u32(types.length);
    for (const t of types) body.u32(t);
    return this.add(0x1201, body);
  }
  proc(ret: number, args: number): number {
    return this.add(0x1008, new Bytes().u32(ret).u16(0).u16(0).u32(args));
  }
  mfunc(ret: number, cls: number, thisType: number, args: number): number {
    return this.add(0x1009, new Bytes().u32(ret).u32(cls).u32(thisType).u16(0).u16(0).u32(args).u32(0));
  }
  ptr(under: number, mode = 0, isConst = false): number {
    const attrs = PTR64 | (mode << 5) | (isConst ? 0x400 : 0);
    const body = new Bytes().u32(under).u32(attrs);
    if (mode === 2 || mode === 3) body.u32(0).u16(0);
    return this.add(0x1002, body);
  }
  constOf(under: number): number {
    return this.add(0x1001, new Bytes().u32(under).u16(1));
  }
  struct(name: string, size: number, forward = false): number {
    const body = new Bytes()
      .u16(0)
      .u16(forward ? 0x80 : 0)
      .u32(0)
      .u32(0)
      .u32(0)
      .u16(size)
      .cstring(name);
    return this.add(0x1505, body);
  }
  union(name: string, size: number): number {
    return this.add(0x1506, new Bytes().u16(0).u16(0).u32(0).u16(size).cstring(name));
  }
  enumeration(name: string): number {
    return this.add(0x1507, new Bytes().u16(0).u16(0).u32(INT).u32(0).cstring(name));
  }
  array(element: number, bytes: number): number {
    return this.add(0x1503, new Bytes().u32(element).u32(0x23).u16(bytes).cstring(''));
  }
  raw(leaf: number, body: Bytes): number {
    return this.add(leaf, body);
  }
}

function nameOf(types: Types, typeIndex: number, name = 'f'): string {
  const pdb = buildPdb({
    types: types.records,
    modules: [
      concat([
        procedureRecord(0x1110, { name, section: 1, offset: 0x10, length: 1, typeIndex }),
        endRecord(),
      ]),
    ],
  });
  const file = openPdb(memoryByteSource(pdb), 'types.pdb');
  try {
    return file.readSymbols().names[0]!;
  } finally {
    file.close();
  }
}

const fn = (t: Types, ...args: number[]) => t.proc(VOID, t.args(...args));

describe('type formatter', () => {
  it('places const like the reference: pointee const before the sigil, pointer const after', () => {
    const t = new Types();
    const inner = t.ptr(t.constOf(CHAR));
    const cpp = t.ptr(t.constOf(inner)); // char const* const*
    const constPtrToConst = t.constOf(t.ptr(t.constOf(0x41))); // double const* const
    const constClass = t.constOf(t.struct('ns::C', 4));
    expect(nameOf(t, fn(t, cpp, constPtrToConst, constClass, t.constOf(0x0670)))).toBe(
      'f(char const* const*, double const* const, const ns::C, char const*)',
    );
  });

  it('writes references, function pointers and member pointers', () => {
    const t = new Types();
    const c = t.struct('ns::C', 4);
    const lref = t.ptr(t.constOf(c), 1);
    const rref = t.ptr(c, 4);
    const callback = t.ptr(t.proc(INT, t.args(t.ptr(CHAR))));
    const constCallback = t.constOf(t.ptr(t.proc(INT, t.args())));
    const thisPtr = t.ptr(t.constOf(c));
    const method = t.ptr(t.mfunc(VOID, c, thisPtr, t.args(INT)), 3);
    const dataMember = t.ptr(INT, 2);
    expect(nameOf(t, fn(t, lref, rref, callback, constCallback, method, dataMember))).toBe(
      'f(ns::C const&, ns::C&&, int (*)(char*), int (* const)(), void (ns::C::*)(int), int::*)',
    );
  });

  it('writes methods: const from the this pointer, a mismatched this as a first argument', () => {
    const t = new Types();
    const c = t.struct('C', 4);
    const args = t.args(INT);
    expect(nameOf(t, t.mfunc(VOID, c, t.ptr(t.constOf(c)), args), 'C::get')).toBe('C::get(int) const');
    expect(nameOf(t, t.mfunc(VOID, c, t.ptr(c), args), 'C::set')).toBe('C::set(int)');
    expect(nameOf(t, t.mfunc(VOID, c, 0, args), 'C::make')).toBe('C::make(int)');
    const other = t.struct('Other', 1);
    expect(nameOf(t, t.mfunc(VOID, c, t.ptr(other), args), 'C::assoc')).toBe('C::assoc(Other*, int)');
  });

  it('sizes array dimensions from element sizes, forward references resolved by name', () => {
    const t = new Types();
    const grid = t.array(t.array(INT, 20), 60);
    const forward = t.struct('Later', 0, true);
    const ofForward = t.array(forward, 36);
    t.struct('Later', 12);
    const unresolved = t.array(t.struct('Never', 0, true), 8);
    const pointers = t.array(t.ptr(CHAR), 24);
    expect(nameOf(t, fn(t, grid, ofForward, unresolved, pointers, t.ptr(grid)))).toBe(
      'f(int[3][5], Later[3], Never[], char*[3], int[3][5]*)',
    );
  });

  it('names enums, unions, primitives and the no-type placeholder', () => {
    const t = new Types();
    const args = [t.enumeration('Speed'), t.union('Value', 4), 0x23, 0x13, 0x71, 0x30, 0x00, 0x0623];
    expect(nameOf(t, fn(t, ...args))).toBe(
      'f(Speed, Value, unsigned long long, long long, wchar_t, bool, <NoType>, unsigned long long*)',
    );
  });

  it('keeps the reference quirk for a procedure type used directly: "()(" and no closing', () => {
    const t = new Types();
    expect(nameOf(t, fn(t, t.proc(INT, t.args(INT))))).toBe('f(()(int)');
  });

  it('prints missing and unknown types in place', () => {
    const t = new Types();
    const unknownLeaf = t.raw(0x1234, new Bytes().u32(0));
    expect(nameOf(t, fn(t, 0x5000, 0x0009, t.ptr(0x6000), unknownLeaf))).toBe(
      'f(<missing type 0x5000>, <missing type 0x9>, <missing type 0x6000>, <unimplemented type kind 0x1234>)',
    );
  });

  it('falls back to the bare name for malformed or hostile type graphs, quickly', () => {
    const t = new Types();
    const selfPointer = 0x1000;
    t.ptr(selfPointer); // 0x1000 points at itself
    expect(nameOf(t, fn(t, selfPointer), 'cycle')).toBe('cycle');
    expect(nameOf(t, t.mfunc(VOID, INT, 0, INT), 'not_an_arglist')).toBe('not_an_arglist');
    const truncated = t.raw(0x1201, new Bytes().u32(1000)); // claims 1000 arguments
    expect(nameOf(t, t.proc(VOID, truncated), 'short')).toBe('short');
    // Each level takes the previous function pointer twice: 2^40 characters if nothing stopped it.
    let level = t.ptr(t.proc(VOID, t.args(INT)));
    for (let i = 0; i < 40; i++) level = t.ptr(t.proc(VOID, t.args(level, level)));
    const started = performance.now();
    expect(nameOf(t, fn(t, level), 'huge')).toBe('huge');
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('stops formatting once its total text budget is spent (the caller then keeps stored names)', () => {
    const t = new Types();
    const type = fn(t, INT, t.ptr(CHAR));
    const msf = new MsfFile(memoryByteSource(buildPdb({ types: t.records })), 'budget.pdb');
    const formatter = new TypeFormatter(new TypeStream(msf, TPI_STREAM, 'TPI'), 8, 40);
    expect(formatter.formatFunction('first', type)).toBe('first(int, char*)');
    expect(formatter.formatFunction('second', type)).toBe('second(int, char*)');
    expect(() => formatter.formatFunction('third', type)).toThrow(TypeLookupError);
  });
});
