// The MSVC decoration grammar: a mangled name (`?f@C@ns@@QEAAXH@Z`) in, a Decl tree (ast.ts) out.
//
//   parseMangled(text) ──> Parser: <decl> ::= ? <qualified name> <encoding>
//                                   <encoding> ::= function | variable | vftable | RTTI | string …
//                          back-reference tables: 10 names, 10 types (a template opens fresh ones)
//                          ──> Decl, or DemangleError (bad input, or a limit reached)
//
// The grammar and its corner cases follow the msvc-demangler crate that Mozilla's dump_syms uses
// (the answer key), including the places where it gives up or reads something unusually (noted
// "as dump_syms" below), so that our names equal the ones in Breakpad .sym files. LLVM's
// MicrosoftDemangle.cpp was the second reference for the grammar itself.

import {
  CallConv,
  Cv,
  DemangleError,
  FuncClass,
  Interner,
  VarKind,
  idList,
  maxDepth,
  type AnonymousNamespaceName,
  type ArrayType,
  type BuiltinType,
  type Decl,
  type DiscriminatorName,
  type FunctionType,
  type GuardName,
  type IndirectType,
  type LeafType,
  type MemberFunctionType,
  type MemberPointerType,
  type Name,
  type NestedDeclName,
  type NumberType,
  type OperatorName,
  type PlainName,
  type QualifiedName,
  type RttiBaseName,
  type RttiTypeName,
  type TagType,
  type TemplateName,
  type Type,
  type VariableType,
  type VCallThunkType,
  type VTableType,
} from './ast.js';

/** The mangling back-references the first ten names and the first ten types of a context. */
const BACKREF_SLOTS = 10;
/** Deepest recursion of the parser itself (real names nest < 20; keeps hostile input off the stack limit). */
const MAX_PARSE_DEPTH = 150;

/** Builtin type spellings by mangled letter (after `_` for the second table), as dump_syms prints them. */
const BUILTINS: Readonly<Record<string, string>> = {
  X: 'void',
  D: 'char',
  C: 'signed char',
  E: 'unsigned char',
  F: 'short',
  G: 'unsigned short',
  H: 'int',
  I: 'unsigned int',
  J: 'long',
  K: 'unsigned long',
  M: 'float',
  N: 'double',
  O: 'long double',
};
const UNDERSCORE_BUILTINS: Readonly<Record<string, string>> = {
  N: 'bool',
  J: 'int64_t',
  K: 'uint64_t',
  W: 'wchar_t',
  Q: 'char8_t',
  S: 'char16_t',
  U: 'char32_t',
};

/** Member function classes by letter; `true` = a thunk that carries an adjustor number. */
const FUNC_CLASSES: Readonly<Record<string, readonly [number, boolean]>> = {
  A: [FuncClass.private, false],
  B: [FuncClass.private | FuncClass.far, false],
  C: [FuncClass.private | FuncClass.static, false],
  D: [FuncClass.private | FuncClass.static, false],
  E: [FuncClass.private | FuncClass.virtual, false],
  F: [FuncClass.private | FuncClass.virtual, false],
  G: [FuncClass.private | FuncClass.virtual, true],
  H: [FuncClass.private | FuncClass.virtual | FuncClass.far, true],
  I: [FuncClass.protected, false],
  J: [FuncClass.protected | FuncClass.far, false],
  K: [FuncClass.protected | FuncClass.static, false],
  L: [FuncClass.protected | FuncClass.static | FuncClass.far, false],
  M: [FuncClass.protected | FuncClass.virtual, false],
  N: [FuncClass.protected | FuncClass.virtual | FuncClass.far, false],
  O: [FuncClass.protected | FuncClass.virtual, true],
  P: [FuncClass.protected | FuncClass.virtual | FuncClass.far, true],
  Q: [FuncClass.public, false],
  R: [FuncClass.public | FuncClass.far, false],
  S: [FuncClass.public | FuncClass.static, false],
  T: [FuncClass.public | FuncClass.static | FuncClass.far, false],
  U: [FuncClass.public | FuncClass.virtual, false],
  V: [FuncClass.public | FuncClass.virtual | FuncClass.far, false],
  W: [FuncClass.public | FuncClass.virtual, true],
  X: [FuncClass.public | FuncClass.virtual | FuncClass.far, true],
  Y: [FuncClass.global, false],
  Z: [FuncClass.global | FuncClass.far, false],
};

const CALL_CONVS: Readonly<Record<string, CallConv>> = {
  A: CallConv.cdecl,
  B: CallConv.cdecl,
  C: CallConv.pascal,
  E: CallConv.thiscall,
  G: CallConv.stdcall,
  I: CallConv.fastcall,
};

/** Storage classes of a pointee or variable (`A`–`H` near/far, `Q`–`T` as dump_syms reads them). */
const STORAGE_CLASSES: Readonly<Record<string, number>> = {
  A: Cv.none,
  B: Cv.const,
  C: Cv.volatile,
  D: Cv.const | Cv.volatile,
  E: Cv.far,
  F: Cv.const | Cv.far,
  G: Cv.volatile | Cv.far,
  H: Cv.const | Cv.volatile | Cv.far,
  Q: Cv.none,
  R: Cv.const,
  S: Cv.volatile,
  T: Cv.const | Cv.volatile,
};
const QUALIFIERS: Readonly<Record<string, number>> = {
  A: Cv.none,
  B: Cv.const,
  C: Cv.volatile,
  D: Cv.const | Cv.volatile,
};

/** Special names after `?` (and `?_`, `?__`) with no payload: their codes, as OperatorName.code. */
const SIMPLE_OPERATORS = new Set('0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ');
const UNDERSCORE_OPERATORS = new Set('0123456789ACDEFGHIJKLMNOSTUVXY');
const DOUBLE_UNDERSCORE_OPERATORS = new Set('LEFK');

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';
const isHexDigit = (c: string | undefined): boolean => c !== undefined && /^[0-9a-fA-F]$/.test(c);

/** Parses one decorated name; throws DemangleError when it does not follow the grammar. */
export function parseMangled(text: string): Decl {
  return new Parser(text).parseDecl();
}

class Parser {
  private pos = 0;
  private depth = 0;
  private names: Name[] = [];
  private types: Type[] = [];
  private readonly nodes = new Interner();

  constructor(private readonly text: string) {}

  private fail(what: string): never {
    throw new DemangleError(`${what} at offset ${this.pos}`);
  }

  private peek(): string | undefined {
    return this.text[this.pos];
  }

  private get(): string {
    const c = this.text[this.pos];
    if (c === undefined) this.fail('unexpected end');
    this.pos++;
    return c;
  }

  private consume(s: string): boolean {
    if (!this.text.startsWith(s, this.pos)) return false;
    this.pos += s.length;
    return true;
  }

  private expect(s: string): void {
    if (!this.consume(s)) this.fail(`'${s}' expected`);
  }

  private atEnd(): boolean {
    return this.pos >= this.text.length;
  }

  /** One recursion level deeper, refused past MAX_PARSE_DEPTH. A failure ends the whole parse,
   *  so only the successful paths call `leave`. */
  private enter(): void {
    if (++this.depth > MAX_PARSE_DEPTH) this.fail('nesting too deep');
  }
  private leave<T>(result: T): T {
    this.depth--;
    return result;
  }

  private readDigit(): number | undefined {
    const c = this.peek();
    if (!isDigit(c)) return undefined;
    this.pos++;
    return c!.charCodeAt(0) - 48;
  }

  /**
   * <number> ::= [?] <digit>          # 1..10
   *          ::= [?] <hex A-P>* @     # any, 0 included
   * Arithmetic wraps at 32 bits (signed), as dump_syms' does.
   */
  private readNumber(): number {
    const negative = this.consume('?');
    const digit = this.readDigit();
    if (digit !== undefined) return negative ? -(digit + 1) : digit + 1;
    let value = 0;
    for (let i = this.pos; i < this.text.length; i++) {
      const c = this.text.charCodeAt(i);
      if (c === 64 /* @ */) {
        this.pos = i + 1;
        return negative ? -value | 0 : value;
      }
      if (c < 65 || c > 80) break;
      value = ((value << 4) + (c - 65)) | 0;
    }
    return this.fail('bad number');
  }

  private readUnsigned(): number {
    const n = this.readNumber();
    if (n < 0) this.fail('unsigned number expected');
    return n;
  }

  /** Text up to the next `@` (consumed). */
  private readIdentifier(): string {
    const end = this.text.indexOf('@', this.pos);
    if (end < 0) this.fail("missing '@'");
    const s = this.text.slice(this.pos, end);
    this.pos = end + 1;
    return s;
  }

  private rememberName(name: Name): void {
    if (this.names.length < BACKREF_SLOTS && !this.names.includes(name)) this.names.push(name);
  }

  private rememberType(type: Type): void {
    if (this.types.length < BACKREF_SLOTS && !this.types.includes(type)) this.types.push(type);
  }

  private nameBackref(index: number): Name {
    const name = this.names[index];
    if (name === undefined) this.fail(`name back-reference ${index} not defined`);
    return name;
  }

  private typeBackref(index: number): Type {
    const type = this.types[index];
    if (type === undefined) this.fail(`type back-reference ${index} not defined`);
    return type;
  }

  // ---- node builders: each spells its node's interning key (ast.ts), string fields last ----

  private leaf(kind: LeafType['kind']): LeafType {
    return this.nodes.intern<LeafType>(kind, 0, { kind });
  }
  private numberType(kind: NumberType['kind'], value: number): NumberType {
    return this.nodes.intern<NumberType>(`${kind}|${value}`, 0, { kind, value });
  }
  private builtin(spelling: string, cv: number): BuiltinType {
    return this.nodes.intern<BuiltinType>(`b|${cv}|${spelling}`, 0, { kind: 'builtin', spelling, cv });
  }
  private indirect(kind: IndirectType['kind'], pointee: Type, cv: number): IndirectType {
    return this.nodes.intern<IndirectType>(`${kind}|${pointee.id}|${cv}`, pointee.depth, {
      kind,
      pointee,
      cv,
    });
  }
  private tag(kind: TagType['kind'], name: QualifiedName, cv: number): TagType {
    return this.nodes.intern<TagType>(`${kind}|${name.id}|${cv}`, name.depth, { kind, name, cv });
  }
  private array(length: number, element: Type, cv: number): ArrayType {
    const key = `array|${length}|${element.id}|${cv}`;
    return this.nodes.intern<ArrayType>(key, element.depth, { kind: 'array', length, element, cv });
  }
  private variable(type: Type, varKind: VarKind, cv: number): VariableType {
    const key = `variable|${type.id}|${varKind}|${cv}`;
    return this.nodes.intern<VariableType>(key, type.depth, { kind: 'variable', type, varKind, cv });
  }
  private vtable(kind: VTableType['kind'], scope: readonly Name[], cv: number): VTableType {
    return this.nodes.intern<VTableType>(`${kind}|${idList(scope)}|${cv}`, maxDepth(scope), {
      kind,
      scope,
      cv,
    });
  }
  private vcallThunk(offset: number, conv: CallConv): VCallThunkType {
    return this.nodes.intern<VCallThunkType>(`vcall|${offset}|${conv}`, 0, {
      kind: 'vcallThunk',
      offset,
      conv,
    });
  }
  private functionType(conv: CallConv, params: readonly Type[], returns: Type): FunctionType {
    const key = `function|${conv}|${idList(params)}|${returns.id}`;
    const depth = Math.max(maxDepth(params), returns.depth);
    return this.nodes.intern<FunctionType>(key, depth, { kind: 'function', conv, params, returns });
  }
  private memberFunction(
    funcClass: number,
    conv: CallConv,
    params: readonly Type[],
    thisCv: number,
    returns: Type,
  ): MemberFunctionType {
    const key = `memberFunction|${funcClass}|${conv}|${idList(params)}|${thisCv}|${returns.id}`;
    const depth = Math.max(maxDepth(params), returns.depth);
    const fields = { kind: 'memberFunction', funcClass, conv, params, thisCv, returns } as const;
    return this.nodes.intern<MemberFunctionType>(key, depth, fields);
  }
  private memberPointer(
    owner: QualifiedName,
    funcClass: number,
    conv: CallConv,
    params: readonly Type[],
    cv: number,
    returns: Type,
  ): MemberPointerType {
    const key = `memberPointer|${owner.id}|${funcClass}|${conv}|${idList(params)}|${cv}|${returns.id}`;
    const depth = Math.max(owner.depth, maxDepth(params), returns.depth);
    const fields = { kind: 'memberPointer', owner, funcClass, conv, params, cv, returns } as const;
    return this.nodes.intern<MemberPointerType>(key, depth, fields);
  }
  private qualified(name: Name, scope: readonly Name[]): QualifiedName {
    const key = `q|${name.id}|${idList(scope)}`;
    return this.nodes.intern<QualifiedName>(key, Math.max(name.depth, maxDepth(scope)), {
      kind: 'qualified',
      name,
      scope,
    });
  }
  private decl(symbol: QualifiedName, type: Type): Decl {
    const key = `decl|${symbol.id}|${type.id}`;
    return this.nodes.intern<Decl>(key, Math.max(symbol.depth, type.depth), { kind: 'decl', symbol, type });
  }
  private operator(code: string): OperatorName {
    return this.nodes.intern<OperatorName>(`op|${code}`, 0, { kind: 'operator', code });
  }
  private guard(thread: boolean, scopeIndex: number | undefined): GuardName {
    return this.nodes.intern<GuardName>(`guard|${thread}|${scopeIndex}`, 0, {
      kind: 'guard',
      thread,
      scopeIndex,
    });
  }
  private plain(text: string): PlainName {
    return this.nodes.intern<PlainName>(`plain|${text}`, 0, { kind: 'plain', text });
  }
  private template(name: Name, args: readonly Type[]): TemplateName {
    const key = `template|${name.id}|${idList(args)}`;
    return this.nodes.intern<TemplateName>(key, Math.max(name.depth, maxDepth(args)), {
      kind: 'template',
      name,
      args,
    });
  }

  // ---- declarations ----

  parseDecl(): Decl {
    this.enter();
    return this.leave(this.readDecl());
  }

  private readDecl(): Decl {
    this.expect('?');
    if (this.consume('$')) {
      if (this.consume('TSS')) return this.readThreadSafeStaticGuard();
      const name = this.readTemplateName();
      return this.decl(this.qualified(name, []), this.leaf('none'));
    }

    let symbol = this.readQualifiedName(true);
    if (symbol.name.kind === 'guard') {
      // The guard's scope index follows the name: `?_B` <name> (`4IA` | `5`) [<number>].
      if (!this.consume('4IA') && !this.consume('5')) this.fail('unexpected local guard marker');
      if (!this.atEnd()) {
        const scopeIndex = this.readUnsigned();
        const guard = this.guard(symbol.name.thread, scopeIndex);
        symbol = this.qualified(guard, symbol.scope);
      }
    }
    const type = this.atEnd() ? this.leaf('none') : this.readEncoding(this.get());
    return this.decl(symbol, type);
  }

  /** `?$TSS` <digits> `@` <name> <scope> `4HA`: a thread-safe static's guard variable. */
  private readThreadSafeStaticGuard(): Decl {
    const first = this.readDigit();
    if (first === undefined) this.fail('digit expected');
    let guard = first;
    while (!this.consume('@')) {
      const digit = this.readDigit();
      if (digit === undefined) this.fail('digit expected');
      guard = (guard * 10 + digit) | 0;
    }
    const name = this.readNestedName();
    const scope = this.readScope();
    this.expect('4HA');
    return this.decl(this.qualified(name, scope), this.numberType('staticGuard', guard));
  }

  /** What follows the qualified name: the letter `c` says function, variable, table, string… */
  private readEncoding(c: string): Type {
    switch (c) {
      case '0':
      case '1':
      case '2':
      case '3':
      case '4': {
        const varKind = [
          VarKind.privateStatic,
          VarKind.protectedStatic,
          VarKind.publicStatic,
          VarKind.global,
          VarKind.functionLocalStatic,
        ][c.charCodeAt(0) - 48]!;
        const type = this.readType(Cv.none);
        const cv = this.readStorageClass();
        return this.variable(type, varKind, cv);
      }
      case '6':
      case '7': {
        const cv = this.readQualifier();
        const scope = this.readScope();
        return this.vtable(c === '6' ? 'vftable' : 'vbtable', scope, cv);
      }
      case '8':
        return this.leaf('rttiData');
      case '9':
        return this.leaf('none'); // extern "C": no type
      case 'Y': {
        const conv = this.readCallConv();
        const returnCv = this.readReturnStorageClass();
        const returns = this.readType(returnCv);
        const params = this.readFunctionParams();
        return this.functionType(conv, params, returns);
      }
      case '_': {
        const width = this.get();
        if (width !== '0' && width !== '1') this.fail('unknown string character type');
        this.readStringLiteral(width === '0' ? 1 : 2);
        return this.leaf('stringLiteral');
      }
      case '$': {
        this.expect('B');
        const offset = this.readNumber();
        this.expect('A');
        const conv = this.readCallConv();
        return this.vcallThunk(offset, conv);
      }
      default: {
        const funcClass = this.readFuncClass(c);
        let thisCv: number = Cv.none;
        if (!(funcClass & FuncClass.static)) {
          const ptr64 = this.consume('E') ? Cv.ptr64 : 0;
          const restrict = this.consume('I') ? Cv.restrict : 0;
          const refQualifier = this.consume('G') ? Cv.lvalueRef : this.consume('H') ? Cv.rvalueRef : 0;
          thisCv = this.readQualifier() | ptr64 | restrict | refQualifier;
        }
        const conv = this.readCallConv();
        const returnCv = this.readReturnStorageClass();
        const returns = this.readReturnType(returnCv);
        const params = this.readFunctionParams();
        return this.memberFunction(funcClass, conv, params, thisCv, returns);
      }
    }
  }

  /**
   * `?_C@_` <width> <byte length> <crc> <chars> `@`: a string literal. Its text is checked but
   * not kept (it prints as `` `string' ``); at most 32 characters are encoded. MSVC leaves the
   * terminating NUL out, which dump_syms' demangler does not expect (it rejects such names); it
   * never writes these publics, so here we follow MSVC and stop at the `@`.
   */
  private readStringLiteral(charBytes: number): void {
    const byteLength = this.readNumber(); // includes the terminating NUL
    this.readNumber(); // CRC
    const count = Math.min(byteLength, charBytes * 32);
    for (let i = 0; i < count; i++) {
      const c = this.get();
      if (c === '@') return;
      if (/^[0-9a-zA-Z_$]$/.test(c)) continue;
      if (c !== '?') this.fail('bad string literal character');
      const escaped = this.get();
      if (/^[0-9a-zA-Z]$/.test(escaped)) continue;
      if (escaped !== '$') this.fail('bad string literal escape');
      this.get();
      this.get();
    }
  }

  // ---- names ----

  /** `?$` <name> <template args>: back-references inside the arguments are their own. */
  private readTemplateName(): Name {
    this.enter();
    const savedNames = this.names;
    const savedTypes = this.types;
    this.names = [];
    this.types = [];
    const name = this.readUnqualifiedName(false);
    const args = this.readParams();
    this.names = savedNames;
    this.types = savedTypes;
    return this.leave(this.template(name, args));
  }

  /** A scope element: a back-reference, a template, an anonymous namespace, a block number, a
   *  nested declaration (`??…`), or an identifier. */
  private readNestedName(): Name {
    const backref = this.readDigit();
    if (backref !== undefined) return this.nameBackref(backref);
    if (this.consume('?')) {
      if (this.peek() === '?') {
        this.enter();
        const decl = this.leave(this.readDecl());
        return this.nodes.intern<NestedDeclName>(`nested|${decl.id}`, decl.depth, {
          kind: 'nestedDecl',
          decl,
        });
      }
      if (this.consume('$')) {
        const name = this.readTemplateName();
        this.rememberName(name);
        return name;
      }
      if (this.consume('A')) {
        let tag: string | undefined;
        if (this.consume('0x')) {
          const start = this.pos - 2;
          while (isHexDigit(this.peek())) this.pos++;
          tag = this.text.slice(start, this.pos);
        }
        this.expect('@');
        const name = this.nodes.intern<AnonymousNamespaceName>(`anon|${tag}`, 0, {
          kind: 'anonymousNamespace',
          tag,
        });
        if (tag !== undefined) this.rememberName(name);
        return name;
      }
      const value = this.readNumber();
      return this.nodes.intern<DiscriminatorName>(`discriminator|${value}`, 0, {
        kind: 'discriminator',
        value,
      });
    }
    const name = this.plain(this.readIdentifier());
    this.rememberName(name);
    return name;
  }

  /** The innermost name of a qualified name; function templates are not remembered (as dump_syms). */
  private readUnqualifiedName(isFunction: boolean): Name {
    const backref = this.readDigit();
    if (backref !== undefined) return this.nameBackref(backref);
    if (this.consume('?$')) {
      const name = this.readTemplateName();
      if (!isFunction) this.rememberName(name);
      return name;
    }
    if (this.consume('?')) return this.readSpecialName();
    const name = this.plain(this.readIdentifier());
    this.rememberName(name);
    return name;
  }

  private readScope(): Name[] {
    const scope: Name[] = [];
    while (!this.consume('@')) scope.push(this.readNestedName());
    return scope;
  }

  /** `A@B@C@@` = C::B::A. */
  private readQualifiedName(isFunction: boolean): QualifiedName {
    this.enter();
    const name = this.readUnqualifiedName(isFunction);
    const scope = this.readScope();
    return this.leave(this.qualified(name, scope));
  }

  /** After `?`: operators, structors, tables, RTTI, guards, initializers. */
  private readSpecialName(): Name {
    const c = this.get();
    if (c !== '_') {
      if (!SIMPLE_OPERATORS.has(c)) this.fail('unknown operator');
      return this.operator(c);
    }
    const d = this.get();
    if (d === 'B') return this.guard(false, undefined);
    if (d === 'R') return this.readRttiName();
    if (d === '_') {
      const e = this.peek();
      if (e === 'J') {
        this.pos++;
        return this.guard(true, undefined);
      }
      if (e === undefined || !DOUBLE_UNDERSCORE_OPERATORS.has(e)) this.fail('unknown operator');
      this.pos++;
      return this.operator('__' + e);
    }
    if (!UNDERSCORE_OPERATORS.has(d)) this.fail('unknown operator');
    return this.operator('_' + d);
  }

  private readRttiName(): Name {
    const c = this.get();
    switch (c) {
      case '0': {
        this.expect('?');
        const cv = this.readStorageClass();
        const type = this.readType(cv);
        return this.nodes.intern<RttiTypeName>(`rttiType|${cv}|${type.id}`, type.depth, {
          kind: 'rttiType',
          cv,
          type,
        });
      }
      case '1': {
        const numbers = [this.readNumber(), this.readNumber(), this.readNumber(), this.readNumber()] as const;
        return this.nodes.intern<RttiBaseName>(`rttiBase|${numbers.join(',')}`, 0, {
          kind: 'rttiBase',
          numbers,
        });
      }
      case '2':
      case '3':
      case '4':
        return this.operator('_R' + c);
      default:
        return this.fail('unknown RTTI name');
    }
  }

  // ---- functions ----

  private readFuncClass(c: string): number {
    const entry = FUNC_CLASSES[c];
    if (entry === undefined) this.fail('unknown function class');
    if (entry[1]) this.readNumber(); // thunk adjustor: read, not shown (as dump_syms)
    return entry[1] ? entry[0] | FuncClass.thunk : entry[0];
  }

  private readCallConv(): CallConv {
    const conv = CALL_CONVS[this.get()];
    if (conv === undefined) this.fail('unknown calling convention');
    return conv;
  }

  private readQualifier(): number {
    const cv = QUALIFIERS[this.peek() ?? ''];
    if (cv === undefined) return Cv.none;
    this.pos++;
    return cv;
  }

  private readStorageClass(): number {
    const cv = STORAGE_CLASSES[this.peek() ?? ''];
    if (cv === undefined) return Cv.none;
    this.pos++;
    return cv;
  }

  /** `?A`–`?D` before a return type (a const/volatile class returned by value). */
  private readReturnStorageClass(): number {
    if (!this.consume('?')) return Cv.none;
    const cv = QUALIFIERS[this.get()];
    if (cv === undefined) this.fail('unknown storage class');
    return cv;
  }

  /** `@` is the (absent) return type of a constructor or destructor. */
  private readReturnType(cv: number): Type {
    return this.consume('@') ? this.leaf('none') : this.readType(cv);
  }

  /** `X` (void) or a parameter list, then `Z`. */
  private readFunctionParams(): Type[] {
    const params = this.consume('X') ? [this.builtin('void', Cv.none)] : this.readParams();
    this.expect('Z');
    return params;
  }

  /**
   * Function or template parameters up to `@` (or `Z` = `...`, or the end of a bare template
   * name). A digit is a back-reference; a type longer than one letter is remembered.
   */
  private readParams(): Type[] {
    const params: Type[] = [];
    for (;;) {
      const c = this.peek();
      if (c === undefined || c === '@' || c === 'Z') break;
      const backref = this.readDigit();
      if (backref !== undefined) {
        params.push(this.typeBackref(backref));
        continue;
      }
      const start = this.pos;
      const type = this.readType(Cv.none);
      if (this.pos - start > 1) this.rememberType(type);
      params.push(type);
    }
    if (this.consume('Z')) params.push(this.leaf('varArgs'));
    else if (!this.atEnd()) this.expect('@');
    return params;
  }

  /** Calling convention, return type and parameters of a function type (`P6`, `A6`, `$$A6`). */
  private readFunctionType(): FunctionType {
    const conv = this.readCallConv();
    const returnCv = this.consume('?') ? this.readStorageClass() : Cv.none;
    const returns = this.readType(returnCv);
    const params = this.readFunctionParams();
    return this.functionType(conv, params, returns);
  }

  /** `P8` <class> <qualifiers> <function>, or `$1?` (as dump_syms) <name> <function class> <function>. */
  private readMemberPointer(withQualifiers: boolean): MemberPointerType {
    const owner = this.readQualifiedName(true);
    const ptr64 = this.consume('E') ? Cv.ptr64 : Cv.none;
    let cv: number = ptr64;
    let funcClass: number = FuncClass.none;
    if (withQualifiers) cv = this.readQualifier() | ptr64;
    else funcClass = this.readFuncClass(this.get());
    const conv = this.readCallConv();
    const returnCv = this.readReturnStorageClass();
    const returns = this.readReturnType(returnCv);
    const params = this.readFunctionParams();
    return this.memberPointer(owner, funcClass, conv, params, cv, returns);
  }

  // ---- types ----

  private readType(cv: number): Type {
    this.enter();
    return this.leave(this.readTypeInner(cv));
  }

  private readTypeInner(cvIn: number): Type {
    let cv = cvIn;
    if (this.consume('W4')) return this.tag('enum', this.readQualifiedName(false), cv);
    if (this.consume('A6')) return this.indirect('reference', this.readFunctionType(), cv);
    if (this.consume('P6')) return this.indirect('pointer', this.readFunctionType(), cv);
    if (this.consume('P8')) return this.readMemberPointer(true);

    if (this.consume('$')) {
      if (this.consume('0')) return this.numberType('integer', this.readNumber());
      if (this.consume('D')) return this.numberType('templateParam', this.readNumber());
      if (this.consume('$BY')) return this.readArray();
      if (this.consume('$Q')) return this.indirect('rvalueReference', this.readPointee(), cv);
      if (this.consume('S') || this.consume('$V') || this.consume('$Z') || this.consume('$$V')) {
        return this.leaf('emptyPack');
      }
      if (this.consume('$T')) return this.leaf('nullptr');
      if (this.consume('$A6')) return this.readFunctionType();
      if (this.consume('$C')) cv = this.readQualifier();
      else {
        const c = this.peek();
        if (c === '1' || c === 'H' || c === 'I' || c === 'J') {
          this.pos++;
          this.expect('?');
          return this.readMemberPointer(false);
        }
      }
      // Any other `$x` falls through to the letter after `$` (as dump_syms).
    }

    if (this.consume('?')) return this.numberType('templateParam', -this.readNumber() | 0);

    const backref = this.readDigit();
    if (backref !== undefined) return this.typeBackref(backref);

    const c = this.get();
    switch (c) {
      case 'T':
        return this.tag('union', this.readQualifiedName(false), cv);
      case 'U':
        return this.tag('struct', this.readQualifiedName(false), cv);
      case 'V':
        return this.tag('class', this.readQualifiedName(false), cv);
      case 'A':
        return this.indirect('reference', this.readPointee(), cv);
      case 'B':
        return this.indirect('reference', this.readPointee(), Cv.volatile);
      case 'P':
        return this.indirect('pointer', this.readPointee(), cv);
      case 'Q':
        return this.indirect('pointer', this.readPointee(), Cv.const);
      case 'R':
        return this.indirect('pointer', this.readPointee(), Cv.volatile);
      case 'S':
        return this.indirect('pointer', this.readPointee(), Cv.const | Cv.volatile);
      case 'Y':
        return this.readArray();
      case '_': {
        const spelling = UNDERSCORE_BUILTINS[this.get()];
        if (spelling === undefined) this.fail('unknown builtin type');
        return this.builtin(spelling, cv);
      }
      default: {
        const spelling = BUILTINS[c];
        if (spelling === undefined) this.fail('unknown type');
        return this.builtin(spelling, cv);
      }
    }
  }

  /** [`E`] <storage class> <type>: what a pointer or reference points to. */
  private readPointee(): Type {
    const ptr64 = this.consume('E') ? Cv.ptr64 : Cv.none;
    const cv = this.readStorageClass();
    return this.readType(cv | ptr64);
  }

  /**
   * <dimensions> <length>… [`$$C` <qualifier>] <element>. The qualifier goes on every array
   * level, not on the element (as dump_syms: `int const (*)[64]` prints from the array).
   */
  private readArray(): ArrayType {
    const dimensions = this.readNumber();
    if (dimensions <= 0) this.fail('bad array dimension count');
    const lengths: number[] = [];
    for (let i = 0; i < dimensions; i++) lengths.push(this.readNumber());
    let cv: number = Cv.none;
    if (this.consume('$$C')) {
      if (this.consume('B')) cv = Cv.const;
      else if (this.consume('C') || this.consume('D')) cv = Cv.const | Cv.volatile;
      else if (!this.consume('A')) this.fail('unknown storage class');
    }
    let type: Type = this.readType(Cv.none);
    for (let i = lengths.length - 1; i >= 0; i--) {
      type = this.array(lengths[i]!, type, cv);
    }
    return type as ArrayType;
  }
}
