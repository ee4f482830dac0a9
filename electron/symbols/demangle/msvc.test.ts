// Each piece of the MSVC decoration grammar, with hand-checked expectations in dump_syms' style
// (structure cross-checked with llvm-undname-14; style from the dump_syms answer key). Cases
// marked "as dump_syms" pin its unusual output on purpose: our names must equal Breakpad .sym
// names for the same symbol.

import { describe, expect, it } from 'vitest';

import { demangleMsvc, demangleMsvcOrExplain, undecoratePublicName } from './msvc.js';

type Case = readonly [mangled: string, expected: string | undefined];

function check(cases: readonly Case[]): void {
  for (const [mangled, expected] of cases) {
    const why = demangleMsvcOrExplain(mangled);
    expect({ mangled, got: demangleMsvc(mangled), why }).toEqual({ mangled, got: expected, why });
  }
}

describe('demangleMsvc', () => {
  it('names, namespaces and nested classes; no return type, calling convention or access', () => {
    check([
      ['?f@@YAXXZ', 'f(void)'],
      ['?f@ns@@YAXXZ', 'ns::f(void)'],
      ['?f@C@google_breakpad@@QEAAXXZ', 'google_breakpad::C::f(void)'],
      ['?f@D@C@ns@@QAEXXZ', 'ns::C::D::f(void)'],
      ['?x@@3HA', 'x'], // a variable: its name only
      ['?p@@3PAHA', 'p'],
    ]);
  });

  it('builtin types as dump_syms spells them', () => {
    check([
      [
        '?f@@YAXDCEFGHIJKMNO@Z',
        'f(char, signed char, unsigned char, short, unsigned short, int, unsigned int, long, unsigned long, float, double, long double)',
      ],
      ['?i@@YA_J_J_K@Z', 'i(int64_t, uint64_t)'],
      ['?w@@YAX_W_S_U_Q_N@Z', 'w(wchar_t, char16_t, char32_t, char8_t, bool)'],
      ['?n@@YAX$$T@Z', 'n(std::nullptr_t)'],
      ['?v@@YAXHZZ', 'v(int, ...)'],
      ['?e@@YAXW4Color@ns@@@Z', 'e(ns::Color)'], // no `enum`
      ['?g@@YAXVA@@UB@@TC@@@Z', 'g(A, B, C)'], // no class/struct/union
    ]);
  });

  it('pointers, references, rvalue references and cv-qualifiers (const after, __ptr64 dropped)', () => {
    check([
      ['?g@@YAXPAD@Z', 'g(char*)'],
      ['?p@@YAXPEBHAEBH$$QEAH@Z', 'p(int const*, int const&, int&&)'],
      ['?q@@YAXQBN@Z', 'q(double const* const)'],
      ['?r@@YAXPCH@Z', 'r(int volatile*)'],
      ['?s@@YAXPAPAD@Z', 's(char**)'],
      ['?t@@YAXAAPAD@Z', 't(char*&)'],
      ['?u@@YAXPBQBH@Z', 'u(int const* const*)'],
    ]);
  });

  it('function pointers and references (test7–test9 shapes of the answer key)', () => {
    check([
      ['?h@@YAXP6AXH@Z@Z', 'h(void (*)(int))'],
      ['?test7@@YAXP6AXHIGPAN@Z@Z', 'test7(void (*)(int, unsigned int, unsigned short, double*))'],
      [
        '?test8@@YAXP6AHP6AXHIGPAN@Z@Z@Z',
        'test8(int (*)(void (*)(int, unsigned int, unsigned short, double*)))',
      ],
      ['?f@@YAXA6AXXZ@Z', 'f(void (&)(void))'],
      ['?f@@YAXPAP6AXXZ@Z', 'f(void (**)(void))'],
      ['?mp@@YAXP8C@@EAAXH@Z@Z', 'mp(void (C::*)(int))'],
      // A const pointer to function (`Q6`) is read by dump_syms as a pointer to a back-reference:
      // it gives up, and so do we (the raw name is shown).
      ['?h2@@YAXQ6AXH@Z@Z', undefined],
      // A returned function pointer leaves its `)(…)` after the parameters (as dump_syms).
      ['?fp@@YAP6AHXZXZ', 'fp(void))(void)'],
    ]);
  });

  it('arrays', () => {
    check([
      ['?a@@YAXPAY1BA@CA@H@Z', 'a(int (*)[16][32])'],
      ['?a@@YAXQAY0EA@$$CBH@Z', 'a(int const (* const)[64])'],
      ['?f@@YAXV?$A@$$BY01H@@@Z', 'f(A<int[2]>)'],
    ]);
  });

  it('templates: type, integer, nested, empty pack, function-type and const arguments; `> >`', () => {
    check([
      ['?f@@YAXV?$vector@HV?$allocator@H@std@@@std@@@Z', 'f(std::vector<int, std::allocator<int> >)'],
      ['?g@@YAXU?$A@$0A@$0BA@$0?1@@@Z', 'g(A<0, 16, -2>)'],
      ['?f@@YAXV?$A@V?$B@H@@@@@Z', 'f(A<B<int> >)'],
      ['?f@@YAXV?$A@$$V@@@Z', 'f(A<>)'],
      ['?f@@YAXV?$A@$$T@@@Z', 'f(A<std::nullptr_t>)'],
      ['?f@@YAXV?$A@$$A6AXXZ@@@Z', 'f(A<void (void)>)'],
      ['?f@@YAXV?$A@$$CBH@@@Z', 'f(A<int const>)'],
      ['?bar@?$foo@PAD@@QAEXPAD@Z', 'foo<char*>::bar(char*)'],
      ['??$max@H@std@@YAABHABH0@Z', 'std::max<int>(int const&, int const&)'],
      ['?get@?$sp@VT@@@@QBEPAVT@@XZ', 'sp<T>::get(void) const'],
      // A pointer-to-symbol argument (`$1?`) is shown as a member pointer type (as dump_syms).
      ['??$f@$1?g@@YAXXZ@@YAXXZ', 'f<void (g::*)(void)>(void)'],
    ]);
  });

  it('name and type back-references, with the tables of dump_syms (dedup, templates separate)', () => {
    check([
      ['??0A@B@@QAE@ABV01@@Z', 'B::A::A(B::A const&)'], // name back-references 0 and 1
      ['?f@@YAXPAH0@Z', 'f(int*, int*)'], // type back-reference 0
      ['?f@@YAXHPAH0@Z', 'f(int, int*, int*)'], // one-letter types are not remembered
      ['?f@@YAXPAHPAHPAD1@Z', 'f(int*, int*, char*, char*)'], // an equal type is not remembered twice
      ['?f@@YAXVA@@VA@@VB@@V2@@Z', 'f(A, A, B, B)'], // nor an equal name
      ['?f@@YAXV?$A@PAH0@@0@Z', 'f(A<int*, int*>, A<int*, int*>)'], // template arguments: own table
      ['?f@@YAXV?$A@PAH@@1@Z', undefined], // … that the outer list cannot see
      ['??$f@H@A@@QAEXV0@@Z', 'A::f<int>(A)'], // a function template's name is not remembered
      ['?f@@YAX9@Z', undefined], // back-reference past the table
      ['?f@9@YAXXZ', undefined],
    ]);
  });

  it('structors, deleting destructors, vftables, vbtables, RTTI', () => {
    check([
      ['??0C@google_breakpad@@QEAA@XZ', 'google_breakpad::C::C(void)'],
      ['??1C@google_breakpad@@UEAA@XZ', 'google_breakpad::C::~C(void)'],
      ['??1?$A@H@@QAE@XZ', 'A<int>::~A<int>(void)'],
      [
        '??_GC@google_breakpad@@UEAAPEAXI@Z',
        "google_breakpad::C::`scalar deleting destructor'(unsigned int)",
      ],
      [
        '??_EC@google_breakpad@@UEAAPEAXI@Z',
        "google_breakpad::C::`vector deleting destructor'(unsigned int)",
      ],
      ['??_7C@google_breakpad@@6B@', "google_breakpad::C::`vftable'"],
      ['??_7D@@6BB1@@', "D::`vftable'{for `B1'}"],
      ['??_8D@@7BB@@@', "D::`vbtable'{for `B'}"],
      ['??_R0?AVC@google_breakpad@@@8', "google_breakpad::C::`RTTI Type Descriptor'"],
      ['??_R0?AV?$A@H@@@8', "A<int>::`RTTI Type Descriptor'"],
      [
        '??_R1A@?0A@EA@C@google_breakpad@@8',
        "google_breakpad::C::`RTTI Base Class Descriptor at (0, -1, 0, 64)'",
      ],
      ['??_R2C@google_breakpad@@8', "google_breakpad::C::`RTTI Base Class Array'"],
      ['??_R3C@google_breakpad@@8', "google_breakpad::C::`RTTI Class Hierarchy Descriptor'"],
      ['??_R4C@google_breakpad@@6B@', "google_breakpad::C::`RTTI Complete Object Locator'"],
      ['??0@QAE@XZ', undefined], // a constructor needs a class
      // A constructor template prints its code name (as dump_syms).
      ['??$?0H@A@@QAE@H@Z', 'A::ctor<int>(int)'],
    ]);
  });

  it('operators', () => {
    check([
      ['??2@YAPAXI@Z', 'operator new(unsigned int)'],
      ['??3@YAXPEAX_K@Z', 'operator delete(void*, uint64_t)'],
      ['??_U@YAPEAX_K@Z', 'operator new[](uint64_t)'],
      ['??_V@YAXPEAX@Z', 'operator delete[](void*)'],
      ['??4A@@QAEAAV0@ABV0@@Z', 'A::operator=(A const&)'],
      ['??H@YA?AVA@@ABV0@0@Z', 'operator+(A const&, A const&)'],
      ['??RA@@QAEXH@Z', 'A::operator()(int)'],
      ['??AA@@QAEAAHH@Z', 'A::operator[](int)'],
      ['??_0A@@QAEAAV0@H@Z', 'A::operator/=(int)'],
      ['??BA@@QBEHXZ', 'A::operator int(void) const'],
      ['??$?BH@A@@QAEHXZ', 'A::operatorcast<int>(void)'], // a conversion template (as dump_syms)
      ['??__K_x@@YAXPBD@Z', 'operator ""_x(char const*)'],
    ]);
  });

  it('member function kinds: static, virtual, thunk, cv- and ref-qualified this', () => {
    check([
      ['?s@C@@SAHXZ', 'C::s(void)'],
      ['?vf@C@@UEAAHXZ', 'C::vf(void)'],
      ['?th@C@@W7EAAXXZ', 'C::th(void)'], // thunk: adjustor read, not shown
      ['?c@C@@QEBAXXZ', 'C::c(void) const'],
      ['?cv@C@@QEDAXXZ', 'C::cv(void) const'], // volatile this is not shown (as dump_syms)
      ['?r@C@@QEGAAXXZ', 'C::r(void) &'],
      ['?rr@C@@QEHAAXXZ', 'C::rr(void) &&'],
      ['?r@C@@QEIAAXXZ', 'C::r(void) __restrict'],
      ['??_9C@@$BBA@AA', "C::`vcall'{16, {flat}}"],
    ]);
  });

  it('special names: strings, initializers, anonymous namespaces, lambdas, local statics', () => {
    check([
      ['??_C@_0M@ABCDEFGH@hello?5world?$AA@', "`string'"],
      ['??_C@_05DMJDNLEJ@April@', "`string'"], // as MSVC writes it: no encoded terminator
      ['??_C@_1BE@EBOGMDOH@?$AAW?$AAe?$AAd?$AAn?$AAe?$AAs?$AAd?$AAa?$AAy@', "`string'"],
      ['??_C@_0M@ABCDEFGH@hello', undefined], // truncated literal
      ['??__Eg_table@@YAXXZ', "g_table::`dynamic initializer'(void)"],
      ['??__Fg_table@@YAXXZ', "g_table::`dynamic atexit destructor'(void)"],
      ['?f@?A0x1234abcd@ns@@YAXXZ', "ns::`anonymous namespace'::f(void)"],
      ['?f@?A@@YAXXZ', "`anonymous namespace'::f(void)"],
      [
        '??R<lambda_02a71323d951a238fa4826e9f186893b>@@QBEXPBX@Z',
        '<lambda_02a71323d951a238fa4826e9f186893b>::operator()(void const*) const',
      ],
      ['?x@?1??f@@YAXXZ@4HA', "`f(void)'::`2'::x"],
      [
        '?_OptionsStorage@?1??__local_stdio_scanf_options@@9@9',
        "`__local_stdio_scanf_options'::`2'::_OptionsStorage",
      ],
      ['??_B?1??f@@YAXXZ@51', "`f(void)'::`2'::`local static guard'{2}"],
      ['?$TSS0@?1??f@@YAXXZ@4HA', "`f(void)'::`2'"],
    ]);
  });

  it('what is not a mangled C++ name', () => {
    check([
      ['', undefined],
      ['main', undefined],
      ['_DllMain@12', undefined],
      ['?', undefined],
      ['??', undefined],
      ['??@abcdef0123456789@', undefined], // an MSVC hashed (over-long) name
      ['?f@@YAXXZ trailing', 'f(void)'], // dump_syms ignores what follows a complete name
    ]);
  });
});

describe('undecoratePublicName (what dump_syms writes on a PUBLIC line)', () => {
  it('demangles C++ names, keeps those it cannot demangle, undecorates C names', () => {
    expect(undecoratePublicName('?f@C@google_breakpad@@QEAAXXZ')).toBe('google_breakpad::C::f(void)');
    expect(undecoratePublicName('?h2@@YAXQ6AXH@Z@Z')).toBe('?h2@@YAXQ6AXH@Z@Z');
    expect(undecoratePublicName('_DllMain@12')).toBe('DllMain');
    expect(undecoratePublicName('@__security_check_cookie@4')).toBe('__security_check_cookie');
    expect(undecoratePublicName('RtlUnwindEx')).toBe('RtlUnwindEx');
  });
});
