// C / C++ source of one fake image, generated from its DriverSpec and the call edges the stack
// model needs. Deterministic: the same spec, pointer size and edges give the same text.
//
//   DriverSpec.functions + call edges ('module!function' pairs)
//      ──> one translation unit: prototypes (C++ classes for `Class::method` names), then every
//          function `noinline` with a body of its own size and shape (loops over volatile state,
//          switches, a pause loop for spinlock waiters), a direct call to each callee in the same
//          image, and one indirect call through a function-pointer table (the call site used
//          when the caller's callee lives in another image, like a call through the IAT)
//      ──> plus the entry point and a .bss reserve that brings SizeOfImage near DriverSpec.size
//
// Nothing here runs: the images only exist to be mapped by address. What matters is that each
// function is real code at a distinct RVA with a distinct size, that nothing is folded or inlined,
// and that callers contain real call instructions whose return addresses the stacks can use.

import type { DriverSpec } from '../writer/simulate.js';

export interface CallEdge {
  /** 'module!function', e.g. 'ndis.sys!ndisInterruptDpc'. */
  caller: string;
  callee: string;
}

export interface GeneratedSource {
  language: 'c' | 'c++';
  /** File name of the translation unit (stem of the image + .c / .cpp). */
  fileName: string;
  text: string;
  /** The entry-point symbol (undecorated C name), or undefined for a DLL without one. */
  entry: string | undefined;
  /** Spec function name → identifier used in the source (`Class::method` or a C name). */
  identifiers: Map<string, string>;
}

/** Image size reserved for code, data and headers before the .bss padding (≈ what the code takes). */
const CODE_ALLOWANCE = 0x20000;
/** Entries in the function-pointer table used for indirect calls. */
const DISPATCH_SLOTS = 16;
/** Words of volatile state the bodies read and write (indices are masked with this − 1). */
const STATE_WORDS = 64;

function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h >>> 0;
}

/** xorshift32 stream seeded from a name: the shape of a body depends on nothing else. */
class Shape {
  private s: number;
  constructor(seed: string) {
    this.s = hash32(seed) || 0x9e3779b9;
  }
  next(): number {
    let x = this.s;
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    this.s = x >>> 0;
    return this.s;
  }
  int(n: number): number {
    return this.next() % n;
  }
  hex(bits: number): string {
    return `0x${((this.next() & (2 ** bits - 1)) >>> 0 || 1).toString(16)}u`;
  }
}

/** `(RxDpc)` → `RxDpc`; anything that is not an identifier character becomes `_`. */
export function toIdentifier(name: string): string {
  const id = name.replace(/[^A-Za-z0-9_:]/g, (c) => (c === '(' || c === ')' ? '' : '_'));
  if (!/^[A-Za-z_]/.test(id)) return `f_${id}`;
  return id;
}

const stem = (file: string): string => file.replace(/\.[^.]+$/, '');

/** Entry point for an image kind: the kernel's, a driver's, or none for a user DLL. */
export function entryPointOf(spec: DriverSpec): string | undefined {
  if (spec.user === true) return undefined;
  if (/^ntoskrnl\.exe$/i.test(spec.file)) return 'KiSystemStartup';
  return 'DriverEntry';
}

function statement(shape: Shape, depth: number): string {
  const k = shape.int(6);
  const w = (): number => shape.int(STATE_WORDS);
  switch (k) {
    case 0:
      return `acc = acc * ${shape.hex(16)} + g_state[(acc >> ${1 + shape.int(20)}) & ${STATE_WORDS - 1}u];`;
    case 1:
      return `if ((acc & ${shape.hex(12)}) == ${shape.hex(4)}) g_state[${w()}] ^= acc;`;
    case 2:
      return depth > 0
        ? `acc ^= acc >> ${1 + shape.int(24)}; acc += ${shape.hex(28)};`
        : `for (i = 0; i < (b & ${1 + shape.int(15)}u); i++) acc += g_state[(i + ${w()}u) & ${STATE_WORDS - 1}u] << ${shape.int(8)};`;
    case 3:
      return (
        `switch (acc & 3u) { case 0: acc += ${shape.hex(20)}; break; case 1: acc ^= g_state[${w()}]; break; ` +
        `case 2: acc -= ${shape.hex(12)}; break; default: acc = acc * ${shape.hex(8)} + g_state[${w()}]; }`
      );
    case 4:
      return `g_state[${w()}] = acc + ${shape.hex(24)}; acc = (acc << ${1 + shape.int(7)}) | (acc >> ${25 + shape.int(7)});`;
    default:
      return `if (g_state[${w()}] > acc) acc = g_state[${w()}] - acc; else acc += b;`;
  }
}

/**
 * The translation unit of one image. `calls` may hold edges of any image; those whose caller is in
 * this image become call sites (direct when the callee is here too, else through g_dispatch).
 */
export function generateSource(
  spec: DriverSpec,
  pointerSize: 4 | 8,
  calls: readonly CallEdge[],
): GeneratedSource {
  const file = spec.file.toLowerCase();
  const names = [...spec.functions];
  const entry = entryPointOf(spec);
  if (entry !== undefined && !names.includes(entry)) names.push(entry);
  const identifiers = new Map(names.map((n) => [n, toIdentifier(n)]));
  const seen = new Set<string>();
  for (const [name, id] of identifiers) {
    if (seen.has(id)) throw new Error(`${spec.file}: two functions map to the identifier ${id} (${name})`);
    seen.add(id);
  }
  const cpp = [...identifiers.values()].some((id) => id.includes('::'));
  const direct = new Map<string, string[]>();
  const external = new Set<string>();
  const split = (ref: string): [string, string] => {
    const bang = ref.indexOf('!');
    if (bang < 0) throw new Error(`call edge ${ref}: expected module!function`);
    return [ref.slice(0, bang).toLowerCase(), ref.slice(bang + 1)];
  };
  for (const edge of calls) {
    const [callerModule, caller] = split(edge.caller);
    if (callerModule !== file) continue;
    if (!identifiers.has(caller)) throw new Error(`${spec.file}: call edge from unknown function ${caller}`);
    const [calleeModule, callee] = split(edge.callee);
    if (calleeModule === file) {
      if (!identifiers.has(callee)) throw new Error(`${spec.file}: call edge to unknown function ${callee}`);
      const list = direct.get(caller) ?? [];
      if (!list.includes(callee)) list.push(callee);
      direct.set(caller, list);
    } else {
      external.add(caller);
    }
  }

  const cc = pointerSize === 4 ? '__stdcall' : '';
  const linkage = cpp ? 'extern "C" ' : '';
  const signature = (id: string): string =>
    `long ${cc === '' ? '' : `${cc} `}${id}(void *context, unsigned long a, unsigned long b)`;
  const lines: string[] = [];
  /** A global with C linkage (declared extern "C" first in C++, so its public name stays plain). */
  const global = (definition: string): void => {
    if (cpp) lines.push(`extern "C" ${definition}`);
    lines.push(definition);
  };
  lines.push(
    `/* ${spec.file}: generated by scripts/drivers/source.ts from its DriverSpec (${names.length} functions). */`,
    `#define NOINLINE __attribute__((noinline))`,
    `typedef long (${cc} *dispatch_fn)(void *, unsigned long, unsigned long);`,
  );
  global(`volatile unsigned long g_state[${STATE_WORDS}];`);
  global(`dispatch_fn volatile g_dispatch[${DISPATCH_SLOTS}];`);
  const reserve = Math.max(0, spec.size - CODE_ALLOWANCE);
  if (reserve > 0) global(`unsigned char g_image_reserve[0x${reserve.toString(16)}];`);
  // Prototypes: classes for Class::method names, C declarations for the rest.
  const classes = new Map<string, string[]>();
  for (const id of identifiers.values()) {
    const sep = id.lastIndexOf('::');
    if (sep < 0) continue;
    const cls = id.slice(0, sep);
    if (cls.includes('::')) throw new Error(`${spec.file}: nested class names are not supported (${id})`);
    classes.set(cls, [...(classes.get(cls) ?? []), id.slice(sep + 2)]);
  }
  for (const [cls, methods] of classes) {
    lines.push(`struct ${cls} {`);
    for (const m of methods) lines.push(`  static NOINLINE ${signature(m)};`);
    lines.push(`};`);
  }
  for (const id of identifiers.values())
    if (!id.includes('::')) lines.push(`${linkage}NOINLINE ${signature(id)};`);

  for (const name of names) {
    const id = identifiers.get(name)!;
    const shape = new Shape(`${spec.file}!${name}`);
    const body: string[] = [];
    body.push(`  unsigned long acc = a ^ ${shape.hex(32)};`, `  unsigned long i;`);
    if (/spin/i.test(name)) {
      // A spinlock waiter: spin with PAUSE until the lock word clears, as KxWaitForSpinLockAndAcquire does.
      body.push(
        `  while (g_state[${shape.int(STATE_WORDS)}] & 1u) { __builtin_ia32_pause(); acc++; }`,
        `  g_state[${shape.int(STATE_WORDS)}] |= 1u;`,
      );
    }
    const statements = 4 + shape.int(28);
    const callees = direct.get(name) ?? [];
    // Call sites spread over the body; none is last, so no call can become a tail jump.
    const callAt = new Map<number, string[]>();
    callees.forEach((callee, k) => {
      const at = Math.floor(((k + 1) * statements) / (callees.length + 2));
      callAt.set(at, [...(callAt.get(at) ?? []), callee]);
    });
    const indirectAt = Math.floor(statements / 2) + (external.has(name) ? 0 : 1);
    for (let s = 0; s < statements; s++) {
      body.push(`  ${statement(shape, s % 3)}`);
      for (const callee of callAt.get(s) ?? [])
        body.push(
          `  if (g_state[${shape.int(STATE_WORDS)}] & ${shape.hex(8)}) acc += ${identifiers.get(callee)!}(context, acc, b);`,
        );
      if (s === indirectAt)
        body.push(
          `  if (g_dispatch[${shape.int(DISPATCH_SLOTS)}] != 0) acc += g_dispatch[${shape.int(DISPATCH_SLOTS)}](context, acc, b);`,
        );
    }
    if (name === entry && reserve > 0) body.push(`  g_image_reserve[acc % 0x${reserve.toString(16)}u] = 1;`);
    body.push(`  g_state[${shape.int(STATE_WORDS)}] = acc;`, `  return (long)(acc >> ${shape.int(8)});`);
    lines.push(`${id.includes('::') ? '' : linkage}${signature(id)} {`, ...body, `}`);
  }
  return {
    language: cpp ? 'c++' : 'c',
    fileName: `${stem(spec.file)}.${cpp ? 'cpp' : 'c'}`,
    text: `${lines.join('\n')}\n`,
    entry,
    identifiers,
  };
}
