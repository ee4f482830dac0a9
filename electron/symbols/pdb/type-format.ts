// Function signatures from the type stream, written the way Mozilla dump_syms writes FUNC names.
// dump_syms formats a procedure's name with pdb-addr2line's TypeFormatter and its default flags
// (no return type, no `static`, a space after each comma, class names without `class `); this
// is our own implementation of those rules: `main(int, char**)`,
// `google_breakpad::C::h(google_breakpad::C const&)`, `_initterm(void (**)(), void (**)())`.
//
//   formatFunction(name, type) ──LF_PROCEDURE──> name(args)
//                              ──LF_MFUNCTION──> name(args)[ const]
//   args: LF_ARGLIST → each type: primitives, pointers/references (with const placement),
//         modifiers, classes/unions/enums by name, arrays T[n][m], function pointers R (*)(…)
//
// Failures follow the reference exactly, because they show in the output: a missing type prints
// `<missing type 0x…>` in place, an unknown leaf `<unimplemented type kind 0x…>`, and anything
// worse (a malformed record, an argument list that is not one) makes formatFunction throw so the
// caller falls back to the bare name, as dump_syms does. Two guards the reference lacks: nesting
// depth and output length, so a hostile type graph (cycles, exponential sharing) cannot hang us.

import { TypeLookupError } from './tpi.js';
import type { TypeData, TypeStream } from './tpi.js';

/** Deepest type nesting followed: real signatures nest a few levels; a cycle would go forever. */
const MAX_TYPE_DEPTH = 64;
/** Longest signature produced: real ones stay under a few KiB; shared subtypes can double per level. */
const MAX_SIGNATURE_CHARS = 16 * 1024;
/** Characters of signatures (and cached type texts) one formatter produces in all: a real PDB's
 *  100k functions take ~15 M; past this, names fall back to the stored ones, so a hostile PDB
 *  cannot make us build gigabytes of text. */
const MAX_TOTAL_CHARS = 32 * 1024 * 1024;

interface PtrAttribute {
  pointerConst: boolean;
  pointeeConst: boolean;
  mode: number;
}

const SIGILS = ['*', '&', '::*', '::*', '&&', '*', '*', '*'];

class Out {
  text = '';
  write(part: string): void {
    this.text += part;
    if (this.text.length > MAX_SIGNATURE_CHARS) {
      throw new TypeLookupError('malformed', 0, 'signature too long');
    }
  }
}

export class TypeFormatter {
  private depth = 0;
  private remaining: number;
  private readonly typeText = new Map<number, string>();
  private forwardSizes: Map<string, number[]> | null = null;

  constructor(
    private readonly types: TypeStream,
    private readonly pointerSize: number,
    totalChars = MAX_TOTAL_CHARS,
  ) {
    this.remaining = totalChars;
  }

  /** `name(args)` for a procedure of type `typeIndex`; throws when the type cannot be formatted. */
  formatFunction(name: string, typeIndex: number): string {
    if (this.remaining <= 0) throw new TypeLookupError('malformed', typeIndex, 'signature budget spent');
    const w = new Out();
    this.depth = 0;
    const data = this.parse(typeIndex);
    if (data.kind === 'mfunction') {
      this.emitName(w, name);
      this.emitMethodArgs(w, data, true);
    } else if (data.kind === 'procedure') {
      this.emitName(w, name);
      w.write('(');
      this.emitTypeIndex(w, data.argumentList);
      w.write(')');
    } else {
      w.write(name);
    }
    this.remaining -= w.text.length;
    return w.text;
  }

  private parse(index: number): TypeData {
    if (index >= 0x80000000)
      throw new TypeLookupError('malformed', index, 'cross-module type references are not supported');
    return this.types.parse(index);
  }

  private enter(): void {
    if (++this.depth > MAX_TYPE_DEPTH) throw new TypeLookupError('malformed', 0, 'types nest too deeply');
  }

  private emitName(w: Out, name: string): void {
    w.write(name === '' ? '<name omitted>' : name);
  }

  private emitReturnType(w: Out, index: number | null, isConstructor: boolean): void {
    if (!isConstructor && index !== null) {
      this.emitTypeIndex(w, index);
      w.write(' ');
    }
  }

  private checkThisConstness(thisType: number, classType: number): 'plain' | 'const' | 'other' {
    const data = this.parse(thisType);
    if (data.kind === 'pointer') {
      if (data.underlying === classType) return 'plain';
      const under = this.parse(data.underlying);
      if (under.kind === 'modifier' && under.underlying === classType)
        return under.isConst ? 'const' : 'plain';
    }
    return 'other';
  }

  private emitMethodArgs(
    w: Out,
    method: Extract<TypeData, { kind: 'mfunction' }>,
    allowConst: boolean,
  ): void {
    const list = this.parse(method.argumentList);
    if (list.kind !== 'arglist')
      throw new TypeLookupError('malformed', method.argumentList, 'argument type is not an argument list');
    let isConst = false;
    let extraFirst: number | null = null;
    if (method.thisType !== null) {
      const kind = this.checkThisConstness(method.thisType, method.classType);
      if (kind === 'other') extraFirst = method.thisType;
      else isConst = kind === 'const';
    }
    w.write('(');
    if (extraFirst !== null) {
      this.emitTypeIndex(w, extraFirst);
      this.emitArgList(w, list.args, true);
    } else {
      this.emitArgList(w, list.args, false);
    }
    w.write(')');
    if (isConst && allowConst) w.write(' const');
  }

  private emitAttributes(w: Out, attributes: readonly PtrAttribute[], allowSpaceAtBeginning: boolean): void {
    let atBeginning = true;
    for (let i = attributes.length - 1; i >= 0; i--) {
      const attr = attributes[i]!;
      if (attr.pointeeConst) {
        if (!atBeginning || allowSpaceAtBeginning) w.write(' ');
        w.write('const');
      }
      atBeginning = false;
      w.write(SIGILS[attr.mode]!);
      if (attr.pointerConst) w.write(' const');
    }
  }

  private emitPointerTo(w: Out, attributes: PtrAttribute[], data: TypeData): void {
    if (data.kind === 'mfunction') {
      this.emitReturnType(w, data.returnType, data.isConstructor);
      w.write('(');
      this.emitTypeIndex(w, data.classType);
      this.emitAttributes(w, attributes, false);
      w.write(')');
      this.emitMethodArgs(w, data, false);
    } else if (data.kind === 'procedure') {
      this.emitReturnType(w, data.returnType, data.isConstructor);
      w.write('(');
      this.emitAttributes(w, attributes, false);
      w.write(')(');
      this.emitTypeIndex(w, data.argumentList);
      w.write(')');
    } else {
      const inner = new Out();
      this.emitType(inner, data);
      w.write(inner.text);
      this.emitAttributes(w, attributes, true);
    }
  }

  private emitPointer(w: Out, pointer: Extract<TypeData, { kind: 'pointer' }>, isConst: boolean): void {
    const attributes: PtrAttribute[] = [
      {
        pointerConst: pointer.attributes.isConst || isConst,
        pointeeConst: false,
        mode: pointer.attributes.mode,
      },
    ];
    let current = pointer;
    for (;;) {
      if (attributes.length > MAX_TYPE_DEPTH)
        throw new TypeLookupError('malformed', 0, 'pointer chain too long');
      const data = this.parse(current.underlying);
      if (data.kind === 'pointer') {
        attributes.push({
          pointerConst: data.attributes.isConst,
          pointeeConst: false,
          mode: data.attributes.mode,
        });
        current = data;
      } else if (data.kind === 'modifier') {
        attributes[attributes.length - 1]!.pointeeConst = data.isConst;
        const under = this.parse(data.underlying);
        if (under.kind === 'pointer') {
          attributes.push({
            pointerConst: under.attributes.isConst,
            pointeeConst: false,
            mode: under.attributes.mode,
          });
          current = under;
        } else {
          this.emitPointerTo(w, attributes, under);
          return;
        }
      } else {
        this.emitPointerTo(w, attributes, data);
        return;
      }
    }
  }

  private emitArray(w: Out, array: Extract<TypeData, { kind: 'array' }>): void {
    const dims: number[] = [array.dimensions[0]!];
    let baseIndex = array.element;
    let base = this.parse(baseIndex);
    while (base.kind === 'array') {
      if (dims.length > MAX_TYPE_DEPTH) throw new TypeLookupError('malformed', 0, 'array nesting too deep');
      dims.push(base.dimensions[0]!);
      baseIndex = base.element;
      base = this.parse(baseIndex);
    }
    const baseSize = this.dataSize(baseIndex, base);
    this.emitType(w, base);
    for (let i = 0; i < dims.length; i++) {
      const next = i + 1 < dims.length ? dims[i + 1]! : baseSize;
      w.write(next !== 0 ? `[${Math.floor(dims[i]! / next)}]` : '[]');
    }
  }

  private emitModifier(w: Out, modifier: Extract<TypeData, { kind: 'modifier' }>): void {
    const data = this.parse(modifier.underlying);
    if (data.kind === 'pointer') this.emitPointer(w, data, modifier.isConst);
    else if (data.kind === 'primitive') this.emitPrimitive(w, data, modifier.isConst);
    else {
      if (modifier.isConst) w.write('const ');
      this.emitType(w, data);
    }
  }

  private emitArgList(w: Out, args: readonly number[], commaBeforeFirst: boolean): void {
    for (let i = 0; i < args.length; i++) {
      if (i > 0 || commaBeforeFirst) w.write(', ');
      this.emitTypeIndex(w, args[i]!);
    }
  }

  private emitPrimitive(w: Out, prim: Extract<TypeData, { kind: 'primitive' }>, isConst: boolean): void {
    if (prim.indirect) w.write(isConst ? `${prim.name} const*` : `${prim.name}*`);
    else w.write(isConst ? `const ${prim.name}` : prim.name);
  }

  private emitTypeIndex(w: Out, index: number): void {
    const known = this.typeText.get(index);
    if (known !== undefined) {
      w.write(known);
      return;
    }
    let data: TypeData;
    try {
      data = this.parse(index);
    } catch (error) {
      if (!(error instanceof TypeLookupError)) throw error;
      if (error.reason === 'unimplemented')
        return w.write(`<unimplemented type kind 0x${error.value.toString(16)}>`);
      if (error.reason === 'not-found') return w.write(`<missing type 0x${error.value.toString(16)}>`);
      throw error;
    }
    const own = new Out();
    this.enter();
    try {
      this.emitType(own, data);
    } finally {
      this.depth--;
    }
    if (this.remaining > own.text.length) {
      this.remaining -= own.text.length;
      this.typeText.set(index, own.text);
    }
    w.write(own.text);
  }

  private emitType(w: Out, data: TypeData): void {
    try {
      this.emitTypeInner(w, data);
    } catch (error) {
      if (!(error instanceof TypeLookupError) || error.reason !== 'not-found') throw error;
      // What was written before the failure stays, as in the reference.
      w.write(`<missing type 0x${error.value.toString(16)}>`);
    }
  }

  private emitTypeInner(w: Out, data: TypeData): void {
    switch (data.kind) {
      case 'primitive':
        return this.emitPrimitive(w, data, false);
      case 'class':
      case 'union':
      case 'enumeration':
      case 'enumerate':
        return w.write(data.name);
      case 'mfunction':
        w.write('()');
        return this.emitMethodArgs(w, data, false);
      case 'procedure':
        w.write('()(');
        return this.emitTypeIndex(w, data.argumentList); // the reference never closes this one
      case 'arglist':
        return this.emitArgList(w, data.args, false);
      case 'pointer':
        return this.emitPointer(w, data, false);
      case 'array':
        return this.emitArray(w, data);
      case 'modifier':
        return this.emitModifier(w, data);
      case 'other':
        return w.write(`unhandled type /* leaf 0x${data.leaf.toString(16)} */`);
    }
  }

  private typeSize(index: number): number {
    try {
      this.enter();
      return this.dataSize(index, this.parse(index));
    } catch (error) {
      if (error instanceof TypeLookupError) return 0;
      throw error;
    } finally {
      this.depth--;
    }
  }

  private dataSize(index: number, data: TypeData): number {
    switch (data.kind) {
      case 'primitive':
        return data.indirect ? this.pointerSize : data.byteSize;
      case 'class':
      case 'union':
        return data.forwardRef ? this.forwardSize(index, data.uniqueName ?? data.name, data.size) : data.size;
      case 'mfunction':
      case 'procedure':
        return this.pointerSize;
      case 'pointer':
        return data.attributes.size;
      case 'array':
        return data.dimensions[data.dimensions.length - 1]!;
      case 'enumeration':
        return this.typeSize(data.underlying);
      case 'enumerate':
        return data.valueBytes;
      case 'modifier':
        return this.typeSize(data.underlying);
      default:
        return 0;
    }
  }

  /** Size of the definition a forward reference names: the first one after it (as the reference
   *  scans forward), else an earlier one, else the reference's own size. */
  private forwardSize(index: number, name: string, own: number): number {
    if (!this.forwardSizes) {
      const table = new Map<string, number[]>();
      const types = this.types;
      for (let i = types.begin; i < types.end; i++) {
        let data: TypeData;
        try {
          data = types.parse(i);
        } catch (error) {
          if (error instanceof TypeLookupError) continue;
          throw error;
        }
        if ((data.kind === 'class' || data.kind === 'union') && !data.forwardRef) {
          const key = data.uniqueName ?? data.name;
          const list = table.get(key);
          if (list) list.push(i, data.size);
          else table.set(key, [i, data.size]);
        }
      }
      this.forwardSizes = table;
    }
    const list = this.forwardSizes.get(name);
    if (!list) return own;
    for (let k = 0; k < list.length; k += 2) if (list[k]! > index) return list[k + 1]!;
    return list[list.length - 1]!;
  }
}
