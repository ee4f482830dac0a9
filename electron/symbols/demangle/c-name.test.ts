// dump_syms' rule for plain C public names (c-name.ts), case by case. The answer-key test checks
// it on all 889 C publics of the two real PDBs; these pin the edges of the rule.

import { describe, expect, it } from 'vitest';

import { undecorateCName } from './c-name.js';

describe('undecorateCName', () => {
  it('removes the x86 calling-convention decoration', () => {
    expect(undecorateCName('_memset')).toBe('memset'); // __cdecl
    expect(undecorateCName('_DllMain@12')).toBe('DllMain'); // __stdcall
    expect(undecorateCName('@__security_check_cookie@4')).toBe('__security_check_cookie'); // __fastcall
    expect(undecorateCName('___report_gsfailure')).toBe('__report_gsfailure'); // one underscore only
    expect(undecorateCName('__imp__GetTickCount@0')).toBe('_imp__GetTickCount');
  });

  it('leaves other names alone', () => {
    expect(undecorateCName('RtlUnwindEx')).toBe('RtlUnwindEx');
    expect(undecorateCName('memcpy')).toBe('memcpy');
    expect(undecorateCName('')).toBe('');
    expect(undecorateCName('@')).toBe('@');
    expect(undecorateCName('@fastcall_without_size')).toBe('@fastcall_without_size');
    expect(undecorateCName('@4')).toBe('@4');
  });

  it('does not touch names that already look like C++ (a `:` or `(` after the first character)', () => {
    expect(undecorateCName('_ns::f@4')).toBe('_ns::f@4');
    expect(undecorateCName('_f(int)')).toBe('_f(int)');
  });

  it('takes only a decimal u32 after the last @ as a parameter size, as Rust parsing does', () => {
    expect(undecorateCName('_f@+8')).toBe('f');
    expect(undecorateCName('_f@-8')).toBe('f@-8');
    expect(undecorateCName('_f@8x')).toBe('f@8x');
    expect(undecorateCName('_f@')).toBe('f@');
    expect(undecorateCName('_f@4294967295')).toBe('f');
    expect(undecorateCName('_f@4294967296')).toBe('f@4294967296');
    expect(undecorateCName('_a@b@8')).toBe('a@b');
    expect(undecorateCName('_')).toBe('');
  });
});
