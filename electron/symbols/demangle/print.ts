// Writes a Decl (ast.ts) the way Mozilla's dump_syms writes public symbols in Breakpad .sym files.
//
//   Decl ──printDecl──> `ns::C::f(int, char const*) const`
//
// dump_syms' style: no return type, calling convention, access specifier, static/virtual or
// class/struct/enum keyword; `const` after what it qualifies (`double const*`); `*`/`&` hug the
// type; `, ` between parameters; `> >` between closing template brackets; `(void)` for an empty
// parameter list; `int64_t`/`uint64_t` for __int64. A C declarator is written inside-out, so each
// type has a part before the name (`writePre`: `int (*`) and one after it (`writePost`: `)[34]`).
// Spaces are decided from the last character written, as dump_syms does, which this file
// reproduces where its output is unusual (noted "as dump_syms").

import {
  Cv,
  DemangleError,
  FuncClass,
  type Decl,
  type MemberFunctionType,
  type Name,
  type QualifiedName,
  type Type,
} from './ast.js';

/** Longest text we build (real names stay under 4 KiB; back-references can multiply a hostile one). */
export const MAX_OUTPUT_CHARS = 1 << 18;

/** Operator and special-name spellings by mangled code (OperatorName.code). */
const OPERATOR_TEXT: Readonly<Record<string, string>> = {
  '0': 'ctor',
  '1': 'dtor',
  '2': 'operator new',
  '3': 'operator delete',
  '4': 'operator=',
  '5': 'operator>>',
  '6': 'operator<<',
  '7': 'operator!',
  '8': 'operator==',
  '9': 'operator!=',
  A: 'operator[]',
  B: 'operatorcast', // a conversion operator is spelled `operator T` where its type is known
  C: 'operator->',
  D: 'operator*',
  E: 'operator++',
  F: 'operator--',
  G: 'operator-',
  H: 'operator+',
  I: 'operator&',
  J: 'operator->*',
  K: 'operator/',
  L: 'operator%',
  M: 'operator<',
  N: 'operator<=',
  O: 'operator>',
  P: 'operator>=',
  Q: 'operator,',
  R: 'operator()',
  S: 'operator~',
  T: 'operator^',
  U: 'operator|',
  V: 'operator&&',
  W: 'operator||',
  X: 'operator*=',
  Y: 'operator+=',
  Z: 'operator-=',
  _0: 'operator/=',
  _1: 'operator%=',
  _2: 'operator>>=',
  _3: 'operator<<=',
  _4: 'operator&=',
  _5: 'operator|=',
  _6: 'operator^=',
  _7: "`vftable'",
  _8: "`vbtable'",
  _9: "`vcall'",
  _A: "`typeof'",
  _C: "`string'",
  _D: "`vbase destructor'",
  _E: "`vector deleting destructor'",
  _F: "`default constructor closure'",
  _G: "`scalar deleting destructor'",
  _H: "`vector constructor iterator'",
  _I: "`vector destructor iterator'",
  _J: "`vector vbase constructor iterator'",
  _K: "`virtual displacement map'",
  _L: "`eh vector constructor iterator'",
  _M: "`eh vector destructor iterator'",
  _N: "`eh vector vbase constructor iterator'",
  _O: "`copy constructor closure'",
  _S: "`local vftable'",
  _T: "`local vftable constructor closure'",
  _U: 'operator new[]',
  _V: 'operator delete[]',
  _X: "`placement delete closure'",
  _Y: "`placement delete[] closure'",
  _R2: "`RTTI Base Class Array'",
  _R3: "`RTTI Class Hierarchy Descriptor'",
  _R4: "`RTTI Complete Object Locator'",
  __L: ' co_await',
  __E: "`dynamic initializer'",
  __F: "`dynamic atexit destructor'",
  __K: 'operator ""',
};

const isAsciiLetter = (c: string): boolean => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');

/** dump_syms-style text of a parsed declaration; throws DemangleError past MAX_OUTPUT_CHARS. */
export function printDecl(decl: Decl): string {
  const out = new Printer();
  out.decl(decl);
  return out.text();
}

class Printer {
  private readonly parts: string[] = [];
  private length = 0;
  private last = '';

  text(): string {
    return this.parts.join('');
  }

  private write(s: string): void {
    if (s.length === 0) return;
    this.length += s.length;
    if (this.length > MAX_OUTPUT_CHARS) throw new DemangleError('demangled name too long');
    this.parts.push(s);
    this.last = s[s.length - 1]!;
  }

  /** A space unless the text so far ends in something a space would not separate. */
  private space(): void {
    const c = this.last;
    if (c !== '' && (isAsciiLetter(c) || c === '*' || c === '&' || c === '>' || c === ')')) this.write(' ');
  }

  /** The space before a name: as `space` but not after `*`. */
  private spaceBeforeName(): void {
    const c = this.last;
    if (c !== '' && (isAsciiLetter(c) || c === '&' || c === '>' || c === ')')) this.write(' ');
  }

  /** Where a calling convention would go (dump_syms omits it but keeps its leading space). */
  private callConvSlot(): void {
    if (this.last !== ' ' && this.last !== '(') this.write(' ');
  }

  decl(decl: Decl): void {
    this.qualifiedName(decl.symbol, decl.type);
    this.post(decl.type);
  }

  // ---- types ----

  /** The part of a declarator before the name. */
  private pre(t: Type): void {
    let cv: number;
    switch (t.kind) {
      case 'none':
      case 'stringLiteral':
      case 'emptyPack':
      case 'rttiData':
        return;
      case 'memberFunction':
      case 'function':
        if (t.kind === 'memberFunction' && t.funcClass & FuncClass.thunk) this.write('[thunk]: ');
        this.pre(t.returns);
        this.callConvSlot();
        return;
      case 'memberPointer':
        this.pre(t.returns);
        this.space();
        this.write('(');
        this.callConvSlot();
        this.space();
        this.space();
        this.qualifiedName(t.owner, undefined);
        this.write('::*');
        return;
      case 'vcallThunk':
        this.write('[thunk]: ');
        this.callConvSlot();
        return;
      case 'templateParam':
        this.write(`\`template-parameter${t.value}'`);
        return;
      case 'staticGuard':
        this.write(`TSS${t.value}`);
        return;
      case 'integer':
        this.write(String(t.value));
        return;
      case 'varArgs':
        this.write('...');
        return;
      case 'nullptr':
        this.write('std::nullptr_t');
        return;
      case 'vftable':
      case 'vbtable':
        cv = t.cv;
        break;
      case 'pointer':
      case 'reference':
      case 'rvalueReference': {
        const inner = t.pointee;
        if (inner.kind === 'memberFunction' || inner.kind === 'function') {
          this.pre(inner.returns);
          this.space();
          this.write('(');
          this.callConvSlot();
        } else if (inner.kind === 'array') {
          this.pre(inner);
          this.space();
          this.write('(');
        } else {
          this.pre(inner);
        }
        this.write(t.kind === 'pointer' ? '*' : t.kind === 'reference' ? '&' : '&&');
        cv = t.cv;
        break;
      }
      case 'array':
        this.pre(t.element);
        cv = t.cv;
        break;
      case 'variable':
        if (t.varKind <= 3)
          this.write(['private: static ', 'protected: static ', 'public: static '][t.varKind - 1]!);
        this.pre(t.type);
        cv = t.cv;
        break;
      case 'struct':
      case 'union':
      case 'class':
      case 'enum':
        this.qualifiedName(t.name, undefined);
        cv = t.cv;
        break;
      case 'builtin':
        this.write(t.spelling);
        cv = t.cv;
        break;
    }
    if (cv & Cv.const) {
      this.space();
      this.write('const');
    }
    if (cv & Cv.volatile) {
      this.space();
      this.write('volatile');
    }
  }

  /** The part of a declarator after the name. */
  private post(t: Type): void {
    switch (t.kind) {
      case 'memberFunction':
      case 'function':
        this.write('(');
        this.typeList(t.params);
        this.write(')');
        if (t.kind === 'memberFunction') this.thisQualifiers(t.thisCv);
        this.post(t.returns); // a returned function pointer's `)(…)` lands here (as dump_syms)
        return;
      case 'memberPointer':
        this.write(')(');
        this.typeList(t.params);
        this.write(')');
        this.post(t.returns);
        if (t.cv & Cv.const) {
          this.space();
          this.write('const');
        }
        return;
      case 'vbtable':
        this.scope(t.scope);
        this.write("'}");
        return;
      case 'pointer':
      case 'reference': {
        // An rvalue reference gets no closing parenthesis here (as dump_syms).
        const k = t.pointee.kind;
        if (k === 'memberFunction' || k === 'function' || k === 'array') this.write(')');
        this.post(t.pointee);
        return;
      }
      case 'array':
        this.write(`[${t.length}]`);
        this.post(t.element);
        return;
      case 'variable':
        this.post(t.type);
        return;
      case 'vftable':
        if (t.scope.length > 0) {
          this.write('{for `');
          this.scope(t.scope);
          this.write("'}");
        }
        return;
      case 'vcallThunk':
        this.write(`{${t.offset}, {flat}}`);
        return;
      default:
        return;
    }
  }

  /** `this` qualifiers of a member function; volatile and __ptr64 are not shown (as dump_syms). */
  private thisQualifiers(cv: number): void {
    const one = (bit: number, text: string): void => {
      if (cv & bit) {
        this.space();
        this.write(text);
      }
    };
    one(Cv.const, 'const');
    one(Cv.restrict, '__restrict');
    one(Cv.lvalueRef, '&');
    one(Cv.rvalueRef, '&&');
  }

  private typeList(types: readonly Type[]): void {
    let first = true;
    for (const t of types) {
      if (t.kind === 'emptyPack') continue;
      if (!first) this.write(', ');
      first = false;
      this.pre(t);
      this.post(t);
    }
  }

  private templateArgs(args: readonly Type[]): void {
    this.write('<');
    if (args.length > 0) {
      this.typeList(args);
      if (this.last === '>') this.write(' ');
    }
    this.write('>');
  }

  // ---- names ----

  /** An operator or special name where it appears in a scope or a template. */
  private operatorText(name: Name): void {
    switch (name.kind) {
      case 'operator':
        this.write(OPERATOR_TEXT[name.code] ?? '');
        return;
      case 'guard':
        this.write(name.thread ? "`local static thread guard'" : "`local static guard'");
        if (name.scopeIndex !== undefined) this.write(`{${name.scopeIndex}}`);
        return;
      case 'rttiType':
        this.pre(name.type);
        this.write("::`RTTI Type Descriptor'");
        return;
      case 'rttiBase': {
        const [a, b, c, d] = name.numbers;
        this.write(`\`RTTI Base Class Descriptor at (${a}, ${b}, ${c}, ${d})'`);
        return;
      }
      default:
        return;
    }
  }

  private isOperatorLike(name: Name): boolean {
    return (
      name.kind === 'operator' ||
      name.kind === 'guard' ||
      name.kind === 'rttiType' ||
      name.kind === 'rttiBase'
    );
  }

  /** One element of a scope, or a template's name. */
  private oneName(name: Name): void {
    if (this.isOperatorLike(name)) {
      this.space();
      this.operatorText(name);
      return;
    }
    switch (name.kind) {
      case 'plain':
        this.write(name.text);
        return;
      case 'template':
        this.oneName(name.name);
        this.templateArgs(name.args);
        return;
      case 'discriminator':
        this.write(`\`${name.value}'`);
        return;
      case 'nestedDecl':
        this.write('`');
        this.write(printDecl(name.decl));
        this.write("'");
        return;
      case 'anonymousNamespace':
        this.write("`anonymous namespace'");
        return;
      default:
        return;
    }
  }

  /** Scope names outermost first, `::`-separated. */
  private scope(names: readonly Name[]): void {
    for (let i = names.length - 1; i >= 0; i--) {
      this.oneName(names[i]!);
      if (i > 0) this.write('::');
    }
  }

  /** A qualified name; `type` is the declaration's type when this is the declaration's name. */
  private qualifiedName(q: QualifiedName, type: Type | undefined): void {
    this.spaceBeforeName();
    const name = q.name;
    const literalOperator = name.kind === 'operator' && name.code === '__K';
    if (literalOperator) {
      this.space();
      this.operatorText(name);
    }
    this.scope(q.scope);
    if (q.scope.length > 0 && !literalOperator) this.write('::');

    if (this.isOperatorLike(name)) {
      const code = name.kind === 'operator' ? name.code : '';
      if (code === '0' || code === '1') {
        const owner = q.scope[0];
        if (owner === undefined) throw new DemangleError('structor without a class');
        if (code === '1') this.write('~');
        this.oneName(owner);
      } else if (code === '_8') {
        this.write("`vbtable'{for `"); // the rest comes from the vbtable type's post part
      } else if (code === 'B' && type?.kind === 'memberFunction') {
        this.write('operator ');
        const returns = (type as MemberFunctionType).returns;
        this.pre(returns);
        this.post(returns);
      } else if (!literalOperator) {
        this.space();
        this.operatorText(name);
      }
      return;
    }
    switch (name.kind) {
      case 'nestedDecl':
        this.write(printDecl(name.decl));
        return;
      case 'anonymousNamespace':
        return; // not reachable from the grammar as a declaration's own name
      default:
        this.oneName(name);
    }
  }
}
