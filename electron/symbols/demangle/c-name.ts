// Plain C public names as dump_syms shows them: the x86 calling-convention decoration removed.
//
//   `_name` (__cdecl) → `name`      `_name@8` (__stdcall) → `name`      `@name@8` (__fastcall) → `name`
//
// The rule, from dump_syms (`src/windows/symbol.rs`, FuncName::get_unknown), checked against every
// C public of the answer-key PDBs: only a name starting with `_` or `@`, and with no `:` or `(`
// after that first character (already a C++-looking name), is touched. Then, if the part after
// the first character ends in `@<decimal>`, that suffix and the first character go; otherwise a
// leading `_` goes and a leading `@` stays. x64 and ARM names carry no such decoration, so there
// this strips one leading underscore exactly as dump_syms does on every architecture.

/** A decimal parameter-byte count as dump_syms accepts it (Rust `u32` parsing: optional `+`). */
const PARAM_BYTES = /^\+?[0-9]+$/;
const U32_MAX = 0xffffffff;

/** dump_syms-style name of an undecorated (non-`?`) public symbol. */
export function undecorateCName(name: string): string {
  const first = name[0];
  if (first !== '_' && first !== '@') return name;
  const rest = name.slice(1);
  if (rest.includes(':') || rest.includes('(')) return name;
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    const suffix = rest.slice(at + 1);
    if (PARAM_BYTES.test(suffix) && Number(suffix) <= U32_MAX) return rest.slice(0, at);
  }
  return first === '_' ? rest : name;
}
