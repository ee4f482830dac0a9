// dump_syms' name rules, case by case (its own unit-test cases where it has them).

import { describe, expect, it } from 'vitest';
import {
  demangleSymbol,
  fixSymbolName,
  isConstantPublic,
  looksMangled,
  parseWinFuncName,
  publicName,
} from './names.js';

describe('name rules', () => {
  it('strips x86 C decorations and nothing else', () => {
    const cases: Array<[string, string]> = [
      ['_main', 'main'],
      ['_Sleep@4', 'Sleep'],
      ['@fastcall@8', 'fastcall'],
      ['vector@@16', 'vector'],
      ['_vector@@16', '_vector'],
      ['__security_check_cookie', '_security_check_cookie'],
      ['@__security_check_cookie@4', '__security_check_cookie'],
      ['_name@+12', 'name'],
      ['_name@x', 'name@x'],
      ['@name@x', '@name@x'],
      ['plain', 'plain'],
      ['_ns::f', '_ns::f'],
      ['_f(int)', '_f(int)'],
      ['?f@@YAXXZ', '?f@@YAXXZ'],
      ['_big@99999999999', 'big@99999999999'],
      ['', ''],
    ];
    for (const [raw, stripped] of cases) expect(parseWinFuncName(raw), raw).toBe(stripped);
  });

  it('drops compiler suffixes and respells the MSVC anonymous namespace', () => {
    expect(fixSymbolName('f.llvm.123456')).toBe('f');
    expect(fixSymbolName('g.cold.1')).toBe('g');
    expect(fixSymbolName('h.constprop.0.isra.1')).toBe('h');
    expect(fixSymbolName('k [clone .cold]')).toBe('k');
    expect(fixSymbolName('m.llvmx')).toBe('m.llvmx');
    expect(fixSymbolName("`anonymous namespace'::a::`anonymous namespace'::b")).toBe(
      '(anonymous namespace)::a::(anonymous namespace)::b',
    );
  });

  it('sends only mangled C++ to the demangler, suffix-fixed, and keeps it when the demangler cannot', () => {
    const seen: string[] = [];
    const demangle = (m: string) => (seen.push(m), m === '?f@@YAXXZ' ? 'f(void)' : undefined);
    expect(demangleSymbol('?f@@YAXXZ', demangle)).toBe('f(void)');
    expect(demangleSymbol('?g@@YAXXZ.llvm.42', demangle)).toBe('?g@@YAXXZ');
    expect(demangleSymbol('_ZN3foo3barEv', demangle)).toBe('_ZN3foo3barEv');
    expect(demangleSymbol('-[NSObject init]', demangle)).toBe('-[NSObject init]');
    expect(demangleSymbol('plain.llvm.1', demangle)).toBe('plain.llvm.1');
    expect(seen).toEqual(['?f@@YAXXZ', '?g@@YAXXZ', '_ZN3foo3barEv']);
    expect(publicName('_Sleep@4', undefined)).toBe('Sleep');
    expect(looksMangled('@?x@@')).toBe(true);
    expect(looksMangled('_main')).toBe(false);
  });

  it('recognises constants that sit in code sections', () => {
    expect(isConstantPublic('??_C@_0BA@ABC@text?$AA@')).toBe(true);
    expect(isConstantPublic('__real@3ff0000000000000')).toBe(true);
    expect(isConstantPublic('__xmm@0000')).toBe(true);
    expect(isConstantPublic('__ymm@0000')).toBe(true);
    expect(isConstantPublic('__realloc')).toBe(false);
    expect(isConstantPublic('??_7C@@6B@')).toBe(false);
  });
});
