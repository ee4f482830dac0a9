// The symbol layer's name undecorator: a PDB public symbol's name in, the name etlscope shows out,
// spelled as Mozilla's dump_syms spells it in Breakpad .sym files (the project's answer key).
//
//   `?f@C@ns@@QEBAXH@Z` ──demangleMsvc──> parse.ts (grammar → Decl) ──> print.ts ──> `ns::C::f(int) const`
//   `_DllMain@12`       ──undecorateCName (c-name.ts)─────────────────────────────> `DllMain`
//   undecoratePublicName = the two together, with dump_syms' fallback to the raw name.
//
// Pure TypeScript, no I/O. Bounded on any input: the parser's recursion depth, the tree depth,
// the back-reference tables (10 + 10) and the output length are all capped (parse.ts, ast.ts,
// print.ts), and back-referenced subtrees are shared, never copied.

import { DemangleError } from './ast.js';
import { undecorateCName } from './c-name.js';
import { parseMangled } from './parse.js';
import { printDecl } from './print.js';

export { undecorateCName } from './c-name.js';

/**
 * dump_syms-style undecorated name of an MSVC-mangled symbol, or undefined when `name` is not a
 * mangled C++ name or cannot be demangled (callers then show the raw name). Never throws, bounded
 * time and memory on any input (recursion depth and back-reference limits).
 */
export function demangleMsvc(name: string): string | undefined {
  if (!name.startsWith('?')) return undefined;
  try {
    const text = printDecl(parseMangled(name));
    return text === '' || text === name ? undefined : text;
  } catch {
    return undefined;
  }
}

/**
 * The name dump_syms writes on a PUBLIC line for this S_PUB32 name: the demangled C++ name, the
 * raw name when a `?` name does not demangle, or the C name without its x86 decoration.
 */
export function undecoratePublicName(name: string): string {
  if (name.startsWith('?')) return demangleMsvc(name) ?? name;
  return undecorateCName(name);
}

/** As demangleMsvc, but says why a name does not demangle (for tests and diagnostics). */
export function demangleMsvcOrExplain(name: string): { readonly name: string } | { readonly error: string } {
  if (!name.startsWith('?')) return { error: "not a mangled C++ name (no leading '?')" };
  try {
    return { name: printDecl(parseMangled(name)) };
  } catch (e) {
    if (e instanceof DemangleError) return { error: e.message };
    return { error: `internal error: ${String(e)}` };
  }
}
