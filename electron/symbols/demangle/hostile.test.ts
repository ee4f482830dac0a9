// Hostile input: demangleMsvc must return (a string or undefined) in bounded time on anything —
// random strings, every truncation and mutation of real names, deep nesting, huge numbers and
// back-reference indices, and names whose back-references multiply the output exponentially.

import { describe, expect, it } from 'vitest';

import { demangleMsvc } from './msvc.js';
import { MAX_OUTPUT_CHARS } from './print.js';

/** Real names (from the answer-key PDBs and the unit cases) to truncate and mutate. */
const SEEDS = [
  '?test5@@YAXPAHIGPBNV?$basic_string@DU?$char_traits@D@std@@V?$allocator@D@2@@std@@@Z',
  '?test9@@YAXP6AHP6AHP6AXHIGPAN@Z@Z@Z@Z',
  '?test_array@@YAXQADQAY0CC@HQAY1CC@DI@V?$basic_string@DU?$char_traits@D@std@@V?$allocator@D@2@@std@@QAY2CC@DI@EO@PAN@Z',
  '??1?$_Compressed_pair@V?$allocator@D@std@@V?$_String_val@U?$_Simple_types@D@std@@@2@$00@std@@QAE@XZ',
  '??$__crt_fast_decode_pointer@PAP6AXXZ@@YAPAP6AXXZQAP6AXXZ@Z',
  '?getString@pDNameNode@@UBEPADPAD0@Z',
  '??_R1A@?0A@EA@pcharNode@@8',
  '?x@?1??f@@YAXXZ@4HA',
  '??_B?1??f@@YAXXZ@51',
  '?$TSS0@?1??f@@YAXXZ@4HA',
  '??_C@_1BE@EBOGMDOH@?$AAW?$AAe?$AAd?$AAn?$AAe?$AAs?$AAd?$AAa?$AAy@',
  '??$f@$1?g@@YAXXZ@@YAXXZ',
  '?mp@@YAXP8C@@EAAXH@Z@Z',
  '??_9C@@$BBA@AA',
  '?f@?A0x1234abcd@ns@@YAXXZ',
];

/** Deterministic xorshift32, so a failure reproduces. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x100000000;
  };
}

/** Calls demangleMsvc and checks the contract: no throw, a string or undefined, bounded length. */
function run(name: string): string | undefined {
  let result: string | undefined;
  expect(() => {
    result = demangleMsvc(name);
  }).not.toThrow();
  expect(result === undefined || typeof result === 'string').toBe(true);
  if (result !== undefined) expect(result.length).toBeLessThanOrEqual(MAX_OUTPUT_CHARS);
  return result;
}

/** Runs `name` and checks it took less than `ms` (generous: a shared 2-core machine). */
function timed(name: string, ms: number): string | undefined {
  const start = performance.now();
  const result = run(name);
  expect(performance.now() - start).toBeLessThan(ms);
  return result;
}

describe('demangleMsvc on hostile input', () => {
  it('random strings over the mangling alphabet', () => {
    const next = rng(0x5eed);
    const alphabet = '?@$0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcxyz';
    let demangled = 0;
    const start = performance.now();
    for (let i = 0; i < 20_000; i++) {
      const length = 1 + Math.floor(next() * 120);
      let s = '?';
      for (let j = 0; j < length; j++) s += alphabet[Math.floor(next() * alphabet.length)];
      if (run(s) !== undefined) demangled++;
    }
    expect(performance.now() - start).toBeLessThan(20_000);
    expect(demangled).toBeGreaterThan(0); // some random strings are valid names: the grammar ran
  });

  it('every truncation of real names', () => {
    for (const seed of SEEDS) {
      expect(demangleMsvc(seed), seed).not.toBeUndefined();
      for (let end = 0; end < seed.length; end++) run(seed.slice(0, end));
    }
  });

  it('every one-character deletion and many substitutions of real names', () => {
    const next = rng(42);
    const alphabet = '?@$0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_';
    for (const seed of SEEDS) {
      for (let i = 0; i < seed.length; i++) {
        run(seed.slice(0, i) + seed.slice(i + 1));
        const c = alphabet[Math.floor(next() * alphabet.length)];
        run(seed.slice(0, i) + c + seed.slice(i + 1));
      }
    }
  });

  it('deep nesting of templates, pointers, nested declarations and arrays', () => {
    const depth = 50_000; // far past every limit, and past the JS stack for a naive recursion
    expect(timed('?a@' + '?$b@'.repeat(depth) + '@'.repeat(depth) + 'YAXXZ', 2000)).toBeUndefined();
    expect(timed('?f@@YAX' + 'PA'.repeat(depth) + 'H@Z', 2000)).toBeUndefined();
    expect(timed('?f@@YAX' + 'P6A'.repeat(depth) + 'X' + 'XZ'.repeat(depth) + '@Z', 2000)).toBeUndefined();
    expect(timed('?x@' + '?1??f@'.repeat(depth) + '@YAXXZ@4HA', 2000)).toBeUndefined();
    expect(timed('?f@@YAXPAY' + 'PPPPPPP@' + 'A@'.repeat(depth) + 'H@Z', 2000)).toBeUndefined();
    // Nesting within the limits still demangles.
    expect(demangleMsvc('?f@@YAX' + 'PA'.repeat(40) + 'H@Z')).toBe('f(int' + '*'.repeat(40) + ')');
    expect(demangleMsvc('?f@@YAXV' + '?$b@V'.repeat(20) + 'c@' + '@@'.repeat(20) + '@@Z')).toBe(
      'f(' + 'b<'.repeat(20) + 'c>' + ' >'.repeat(19) + ')',
    );
  });

  it('huge numbers and back-reference indices', () => {
    expect(run('?f@@YAX9@Z')).toBeUndefined();
    expect(run('?f@9@YAXXZ')).toBeUndefined();
    expect(run('?g@@YAXU?$A@$0PPPPPPPPPPPPPPPPPPPPPPPP@@@@Z')).toBe('g(A<-1>)'); // wraps at 32 bits
    expect(run('?g@@YAXU?$A@$0?IAAAAAAA@@@@Z')).toBe('g(A<-2147483648>)');
    expect(run('?a@@YAXPAY' + 'PPPPPPPP@' + 'BA@H@Z')).toBeUndefined(); // 0xFFFFFFFF dimensions = -1: rejected
    expect(run('?a@@YAXPAY0PPPPPPPP@H@Z')).toBe('a(int (*)[-1])');
    expect(timed('?f@@YAX' + '9'.repeat(100_000) + '@Z', 2000)).toBeUndefined();
  });

  it('names whose back-references multiply the output stop at the output limit', () => {
    // t0 = int*, t1 = void(*)(t0, t0), t2 = void(*)(t1, t1)… each remembered type doubles.
    let params = 'PAH';
    for (let i = 0; i < 9; i++) params += `P6AX${i}${i}@Z`;
    expect(timed('?f@@YAX' + params + '9'.repeat(5000) + '@Z', 3000)).toBeUndefined();
    // The same inside template arguments and nested declarations.
    expect(timed('?f@@YAXV?$A@' + params + '9'.repeat(5000) + '@@@Z', 3000)).toBeUndefined();
    expect(timed('?x@?1??f@@YAX' + params + '9'.repeat(5000) + '@Z@4HA', 3000)).toBeUndefined();
    // A name under the limit still comes out whole.
    const small = demangleMsvc('?f@@YAX' + 'PAHP6AX00@Z1@Z');
    expect(small).toBe('f(int*, void (*)(int*, int*), void (*)(int*, int*))');
  });

  it('very long input', () => {
    expect(timed('?' + 'A'.repeat(1 << 20), 2000)).toBeUndefined();
    expect(timed('?' + 'A@'.repeat(1 << 18), 3000)).toBeUndefined(); // a scope that never closes
    const long = timed('?f' + '@A'.repeat(60_000) + '@@YAXXZ', 3000);
    expect(long?.length).toBe(60_000 * 3 + 'f(void)'.length);
  });
});
