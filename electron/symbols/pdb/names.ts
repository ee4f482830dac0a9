// The name rules Mozilla dump_syms (2.x) applies to PDB symbol names, reproduced so our names
// match its FUNC and PUBLIC lines:
//
//   procedure names  ── fixSymbolName: compiler suffixes dropped (".llvm.123", ".cold", " [clone …]"),
//                       "`anonymous namespace'" → "(anonymous namespace)"; nothing else
//   public names     ── parseWinFuncName: x86 C decorations stripped ("_main" → "main",
//                       "_Sleep@4" / "@fast@8" / "vec@@16" → "Sleep" / "fast" / "vec")
//                    ── demangleSymbol: mangled C++ (MSVC "?…", Itanium "_Z…") goes through the
//                       injected demangler (suffixes fixed first); anything else stays as it is
//   constants        ── "??_C@…" string literals and "__real@…"/"__xmm@…"/"__ymm@…" are not functions
//
// Sources: mozilla/dump_syms src/common.rs (fix_symbol_name, normalize_anonymous_namespace),
// src/symbol.rs (ParsedWinFuncName, should_skip_symbol), src/collector.rs (demangle_str) and
// symbolic-demangle's language detection (is_maybe_msvc, is_maybe_cpp, is_maybe_objc).

/** A C++ demangler: the undecorated name, or undefined when it cannot demangle this one. To match
 *  dump_syms it should print what symbolic-demangle prints with `complete().return_type(false)`. */
export type Demangler = (mangled: string) => string | undefined;

/** symbolic-demangle's language detection for the languages a PDB can hold. */
function mangledLanguage(name: string): 'cpp' | 'objc' | null {
  if ((name.startsWith('-[') || name.startsWith('+[')) && name.endsWith(']')) return 'objc';
  if (
    name.startsWith('?') ||
    name.startsWith('@?') ||
    name.startsWith('_Z') ||
    name.startsWith('__Z') ||
    name.startsWith('___Z') ||
    name.startsWith('____Z')
  ) {
    return 'cpp';
  }
  return null;
}

/** Whether a public's name would be handed to the demangler. */
export function looksMangled(name: string): boolean {
  return mangledLanguage(name) === 'cpp';
}

const COMPILER_SUFFIX =
  /((\.(cold|constprop|llvm|localalias|lto_priv|isra|part|str)(\.[0-9]+)?)|( ?\[clone[^\]]*\] ?))+$/;

/** dump_syms' fix_symbol_name: compiler-added suffixes removed, MSVC's anonymous namespace spelled
 *  the way the other platforms spell it. */
export function fixSymbolName(name: string): string {
  return name.replace(COMPILER_SUFFIX, '').replaceAll("`anonymous namespace'", '(anonymous namespace)');
}

const DECIMAL_U32 = /^\+?[0-9]+$/;
const isU32 = (text: string) => DECIMAL_U32.test(text) && Number(text) <= 0xffffffff;

/** dump_syms' ParsedWinFuncName::parse_unknown, name part: x86 C decorations stripped (__cdecl
 *  `_name`, __stdcall `_name@N`, __fastcall `@name@N`, __vectorcall `name@@N`); names with `:`
 *  or `(` are already C++ and kept. */
export function parseWinFuncName(name: string): string {
  if (name.includes(':') || name.includes('(')) return name;
  const vector = name.lastIndexOf('@@');
  if (vector >= 0 && isU32(name.slice(vector + 2))) return name.slice(0, vector);
  if (name !== '' && (name[0] === '@' || name[0] === '_')) {
    const rest = name.slice(1);
    const at = rest.lastIndexOf('@');
    if (at >= 0 && isU32(rest.slice(at + 1))) return rest.slice(0, at);
    if (name[0] === '_') return rest;
  }
  return name;
}

/** dump_syms' demangle_str: mangled C++ demangled (the fixed name when it cannot be), Objective-C
 *  selectors fixed, anything else returned unchanged. */
export function demangleSymbol(name: string, demangle: Demangler | undefined): string {
  const language = mangledLanguage(name);
  if (language === null) return name;
  const fixed = fixSymbolName(name);
  if (language === 'objc') return fixed;
  return demangle?.(fixed) ?? fixed;
}

/** The name of a PUBLIC line for the raw S_PUB32 name. */
export function publicName(raw: string, demangle: Demangler | undefined): string {
  return demangleSymbol(parseWinFuncName(raw), demangle);
}

/** Public symbols in code sections that are data: string literals and floating-point constants. */
export function isConstantPublic(name: string): boolean {
  return (
    name.startsWith('??_C') ||
    name.startsWith('__real@') ||
    name.startsWith('__xmm@') ||
    name.startsWith('__ymm@')
  );
}
