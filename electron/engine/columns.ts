// Growable typed-array columns and the string table the engine's tables are made of.
// A column is one typed array plus a length; appends double the capacity when full, so a
// million appends cost ~20 reallocations and no per-row objects. `trimmed()` hands back a
// view of exactly `length` elements (no copy) for finalized tables.

/** Initial capacity of a column: small, because a partial holds many mostly-empty columns. */
const INITIAL_CAPACITY = 1024;

type TypedArray =
  Float64Array | Float32Array | Uint32Array | Int32Array | Uint16Array | Uint8Array | Int8Array;
type TypedArrayCtor<T extends TypedArray> = { new (length: number): T };

export class Column<T extends TypedArray> {
  data: T;
  length = 0;
  private readonly ctor: TypedArrayCtor<T>;

  constructor(ctor: TypedArrayCtor<T>, capacity = INITIAL_CAPACITY) {
    this.ctor = ctor;
    this.data = new ctor(Math.max(1, capacity));
  }

  push(value: number): void {
    if (this.length === this.data.length) this.grow(this.length + 1);
    this.data[this.length++] = value;
  }

  /** Makes room for `capacity` elements in total. */
  grow(capacity: number): void {
    if (capacity <= this.data.length) return;
    let next = this.data.length * 2;
    while (next < capacity) next *= 2;
    const bigger = new this.ctor(next);
    bigger.set(this.data.subarray(0, this.length) as never);
    this.data = bigger;
  }

  /** Exactly the filled part, as a view (no copy). */
  trimmed(): T {
    return this.data.subarray(0, this.length) as T;
  }
}

export const f64 = (capacity?: number) => new Column(Float64Array, capacity);
export const f32 = (capacity?: number) => new Column(Float32Array, capacity);
export const u32 = (capacity?: number) => new Column(Uint32Array, capacity);
export const i32 = (capacity?: number) => new Column(Int32Array, capacity);
export const u16 = (capacity?: number) => new Column(Uint16Array, capacity);
export const u8 = (capacity?: number) => new Column(Uint8Array, capacity);
export const i8 = (capacity?: number) => new Column(Int8Array, capacity);

/** Interns strings to dense ids (id order = first-seen order). */
export class StringTable {
  readonly values: string[] = [];
  private readonly ids = new Map<string, number>();

  constructor(initial: readonly string[] = []) {
    for (const value of initial) this.intern(value);
  }

  intern(value: string): number {
    let id = this.ids.get(value);
    if (id === undefined) {
      id = this.values.length;
      this.values.push(value);
      this.ids.set(value, id);
    }
    return id;
  }

  get(id: number): string {
    return this.values[id] ?? '';
  }

  get size(): number {
    return this.values.length;
  }
}

/** Copies `length` elements of `source` into a fresh exact-size array (used when trimming for good). */
export function exact<T extends TypedArray>(source: T, length: number): T {
  const ctor = source.constructor as TypedArrayCtor<T>;
  const out = new ctor(length);
  out.set(source.subarray(0, length) as never);
  return out;
}
