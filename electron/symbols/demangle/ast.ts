// The syntax tree of one MSVC-decorated name, as parse.ts builds it and print.ts writes it.
//
//   mangled string ──parse.ts──> Decl {symbol, type} ──print.ts──> dump_syms-style text
//
// Nodes are immutable and hash-consed by an Interner (one per parse): two structurally equal
// nodes are the same object. The mangling's back-reference tables skip a name or type that is
// already there ("contains"), which is a structural comparison; with hash-consing it is a pointer
// comparison, so a hostile name whose back-references nest into a huge DAG still compares in
// O(1). Every node also carries its depth, so the printer's recursion is bounded.

/** Qualifier bits of a type, a `this` pointer or a pointer (the mangling's storage classes). */
export const Cv = {
  none: 0,
  const: 1,
  volatile: 2,
  far: 4,
  restrict: 32,
  ptr64: 64,
  lvalueRef: 128,
  rvalueRef: 256,
} as const;

/** Function class bits of a member function (access, static, virtual, thunk with adjustor). */
export const FuncClass = {
  none: 0,
  public: 1,
  protected: 2,
  private: 4,
  global: 8,
  static: 16,
  virtual: 32,
  far: 64,
  thunk: 128,
} as const;

/** Calling conventions; never printed (dump_syms drops them) but part of a type's identity. */
export const enum CallConv {
  cdecl = 1,
  pascal,
  thiscall,
  stdcall,
  fastcall,
}

/** What a `0`–`4` variable encoding says about the variable. */
export const enum VarKind {
  privateStatic = 1,
  protectedStatic,
  publicStatic,
  global,
  functionLocalStatic,
}

interface Node {
  readonly id: number;
  readonly depth: number;
}

// ---- names ----

/** A plain or special operator name; `code` is its mangled code after `?` (`0`, `_G`, `__E`…). */
export interface OperatorName extends Node {
  readonly kind: 'operator';
  readonly code: string;
}
/** `` `local static guard'{n} `` / `` `local static thread guard'{n} `` (`?_B`, `?__J`). */
export interface GuardName extends Node {
  readonly kind: 'guard';
  readonly thread: boolean;
  readonly scopeIndex: number | undefined;
}
/** `?_R0`: the RTTI type descriptor of a type. */
export interface RttiTypeName extends Node {
  readonly kind: 'rttiType';
  readonly cv: number;
  readonly type: Type;
}
/** `?_R1`: an RTTI base class descriptor with its four numbers. */
export interface RttiBaseName extends Node {
  readonly kind: 'rttiBase';
  readonly numbers: readonly [number, number, number, number];
}
export interface PlainName extends Node {
  readonly kind: 'plain';
  readonly text: string;
}
export interface TemplateName extends Node {
  readonly kind: 'template';
  readonly name: Name;
  readonly args: readonly Type[];
}
/** `?N` inside a scope: a numbered lexical block, printed `` `N' ``. */
export interface DiscriminatorName extends Node {
  readonly kind: 'discriminator';
  readonly value: number;
}
/** `??…` inside a scope: a whole declaration (the function a local static lives in). */
export interface NestedDeclName extends Node {
  readonly kind: 'nestedDecl';
  readonly decl: Decl;
}
/** `?A0x1234abcd@` (or bare `?A@`): an anonymous namespace. */
export interface AnonymousNamespaceName extends Node {
  readonly kind: 'anonymousNamespace';
  readonly tag: string | undefined;
}

export type Name =
  | OperatorName
  | GuardName
  | RttiTypeName
  | RttiBaseName
  | PlainName
  | TemplateName
  | DiscriminatorName
  | NestedDeclName
  | AnonymousNamespaceName;

/** A name with its enclosing scopes, innermost first (as mangled: `f@C@ns@@` is ns::C::f). */
export interface QualifiedName extends Node {
  readonly kind: 'qualified';
  readonly name: Name;
  readonly scope: readonly Name[];
}

// ---- types ----

export interface MemberFunctionType extends Node {
  readonly kind: 'memberFunction';
  readonly funcClass: number;
  readonly conv: CallConv;
  readonly params: readonly Type[];
  /** Qualifiers of `this` (const, __restrict, &, &&, __ptr64). */
  readonly thisCv: number;
  readonly returns: Type;
}
export interface MemberPointerType extends Node {
  readonly kind: 'memberPointer';
  readonly owner: QualifiedName;
  readonly funcClass: number;
  readonly conv: CallConv;
  readonly params: readonly Type[];
  readonly cv: number;
  readonly returns: Type;
}
export interface FunctionType extends Node {
  readonly kind: 'function';
  readonly conv: CallConv;
  readonly params: readonly Type[];
  readonly returns: Type;
}
export interface VTableType extends Node {
  readonly kind: 'vftable' | 'vbtable';
  /** The base classes the table is for, innermost first; may be empty. */
  readonly scope: readonly Name[];
  readonly cv: number;
}
export interface VCallThunkType extends Node {
  readonly kind: 'vcallThunk';
  readonly offset: number;
  readonly conv: CallConv;
}
/** A number-carrying leaf: a template parameter index, a thread-safe static guard, an integer. */
export interface NumberType extends Node {
  readonly kind: 'templateParam' | 'staticGuard' | 'integer';
  readonly value: number;
}
export interface IndirectType extends Node {
  readonly kind: 'pointer' | 'reference' | 'rvalueReference';
  readonly pointee: Type;
  readonly cv: number;
}
export interface ArrayType extends Node {
  readonly kind: 'array';
  readonly length: number;
  readonly element: Type;
  readonly cv: number;
}
export interface VariableType extends Node {
  readonly kind: 'variable';
  readonly type: Type;
  readonly varKind: VarKind;
  readonly cv: number;
}
export interface TagType extends Node {
  readonly kind: 'struct' | 'union' | 'class' | 'enum';
  readonly name: QualifiedName;
  readonly cv: number;
}
/** A builtin type, spelled as dump_syms spells it (`int64_t`, `unsigned short`, `wchar_t`…). */
export interface BuiltinType extends Node {
  readonly kind: 'builtin';
  readonly spelling: string;
  readonly cv: number;
}
/** Leaves without payload: no type, a string literal, `...`, an empty pack, nullptr_t, RTTI data. */
export interface LeafType extends Node {
  readonly kind: 'none' | 'stringLiteral' | 'varArgs' | 'emptyPack' | 'nullptr' | 'rttiData';
}

export type Type =
  | MemberFunctionType
  | MemberPointerType
  | FunctionType
  | VTableType
  | VCallThunkType
  | NumberType
  | IndirectType
  | ArrayType
  | VariableType
  | TagType
  | BuiltinType
  | LeafType;

/** A whole declaration: what is named, and what it is (function, variable, table…). */
export interface Decl extends Node {
  readonly kind: 'decl';
  readonly symbol: QualifiedName;
  readonly type: Type;
}

export type AnyNode = Name | QualifiedName | Type | Decl;

/** Raised for input the grammar does not accept or that exceeds a limit; demangleMsvc catches it. */
export class DemangleError extends Error {}

/** Deepest tree the printer will walk (real names stay under ~30; each level is a few stack frames). */
export const MAX_TREE_DEPTH = 200;

/** A node's own fields, without the id and depth the Interner gives it. */
export type Fields<T extends AnyNode> = Omit<T, 'id' | 'depth'>;

/**
 * Makes nodes, one object per distinct structure. A node's key is its kind, its scalar fields and
 * its children's ids (callers build it; any string field goes last, so keys are unambiguous), so
 * interning costs O(fields), never O(subtree).
 */
export class Interner {
  private readonly nodes = new Map<string, AnyNode>();

  /** The node for `key`, made from `fields` the first time; `childDepth` is its deepest child's depth. */
  intern<T extends AnyNode>(key: string, childDepth: number, fields: Fields<T>): T {
    const existing = this.nodes.get(key);
    if (existing !== undefined) return existing as T;
    if (childDepth + 1 > MAX_TREE_DEPTH) throw new DemangleError('name nests too deeply');
    const node = fields as { id?: number; depth?: number };
    node.id = this.nodes.size;
    node.depth = childDepth + 1;
    this.nodes.set(key, node as AnyNode);
    return node as T;
  }
}

/** Ids of a node list, for a key. */
export function idList(nodes: readonly AnyNode[]): string {
  let key = '';
  for (const n of nodes) key += n.id + ',';
  return key;
}

/** Depth of the deepest node in a list (0 for none). */
export function maxDepth(nodes: readonly AnyNode[]): number {
  let depth = 0;
  for (const n of nodes) if (n.depth > depth) depth = n.depth;
  return depth;
}
