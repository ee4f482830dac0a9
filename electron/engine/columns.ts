// Growable typed-array columns and the string table the engine's tables are made of.
// A column is one typed array plus a length; appends double the capacity when full, so a
// million appends cost ~20 reallocations and no per-row objects. `trimmed()` hands back a
// view of exactly `length` elements (no copy) for finalized tables.

/** Initial capacity of a column: small, because a partial holds many mostly-empty columns. */
const INITIAL_CAPACITY = 1024;

/** Every element type a column (and so a table) is made of. */
export type TypedArray =
  Float64Array | Float32Array | Uint32Array | Int32Array | Uint16Array | Uint8Array | Int8Array;

/**
 * The parts one after another. When the first part's buffer has room behind its rows (a column
 * reserved for more rows than it got, e.g. the engine worker's own share reserved for the whole
 * file), the others are appended there: only their rows are written, the first part's stay put.
 */
export function concat<T extends TypedArray>(parts: readonly T[], lengths: readonly number[]): T {
  if (parts.length === 1) return parts[0]!.subarray(0, lengths[0]) as T;
  const total = lengths.reduce((a, b) => a + b, 0);
  const first = parts[0]!;
  const ctor = first.constructor as {
    new (n: number): T;
    new (b: ArrayBufferLike, at: number, n: number): T;
  };
  const room = (first.buffer.byteLength - first.byteOffset) / first.BYTES_PER_ELEMENT;
  const inPlace = room >= total;
  const out = inPlace ? new ctor(first.buffer, first.byteOffset, total) : new ctor(total);
  let at = 0;
  parts.forEach((p, i) => {
    // Parser workers may have placed their rows here already (partial.ts `placeRows`).
    const there =
      inPlace && p.buffer === out.buffer && p.byteOffset === out.byteOffset + at * out.BYTES_PER_ELEMENT;
    if (!there) out.set(p.subarray(0, lengths[i]) as never, at);
    at += lengths[i]!;
  });
  return out;
}

// One class per element type, written out on purpose: a single generic class would make every
// `push` a megamorphic keyed store (7 typed-array kinds at one site), ~10x slower on the hot path.

export class F64Column {
  data: Float64Array;
  length = 0;
  constructor(capacity = INITIAL_CAPACITY) {
    this.data = new Float64Array(Math.max(1, capacity));
  }
  push(value: number): void {
    if (this.length === this.data.length) {
      const bigger = new Float64Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = value;
  }
  /** Capacity for at least `capacity` elements (tables that write `data[i]` directly and set
   *  `length` once at the end use this instead of push). */
  growTo(capacity: number): void {
    if (capacity <= this.data.length) return;
    const bigger = new Float64Array(capacity);
    bigger.set(this.data);
    this.data = bigger;
  }
  /** Exactly the filled part, as a view (no copy). */
  trimmed(): Float64Array {
    return this.data.subarray(0, this.length);
  }
}
export const f64 = (capacity?: number) => new F64Column(capacity);

export class F32Column {
  data: Float32Array;
  length = 0;
  constructor(capacity = INITIAL_CAPACITY) {
    this.data = new Float32Array(Math.max(1, capacity));
  }
  push(value: number): void {
    if (this.length === this.data.length) {
      const bigger = new Float32Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = value;
  }
  /** Capacity for at least `capacity` elements (tables that write `data[i]` directly and set
   *  `length` once at the end use this instead of push). */
  growTo(capacity: number): void {
    if (capacity <= this.data.length) return;
    const bigger = new Float32Array(capacity);
    bigger.set(this.data);
    this.data = bigger;
  }
  /** Exactly the filled part, as a view (no copy). */
  trimmed(): Float32Array {
    return this.data.subarray(0, this.length);
  }
}
export const f32 = (capacity?: number) => new F32Column(capacity);

export class U32Column {
  data: Uint32Array;
  length = 0;
  constructor(capacity = INITIAL_CAPACITY) {
    this.data = new Uint32Array(Math.max(1, capacity));
  }
  push(value: number): void {
    if (this.length === this.data.length) {
      const bigger = new Uint32Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = value;
  }
  /** Capacity for at least `capacity` elements (tables that write `data[i]` directly and set
   *  `length` once at the end use this instead of push). */
  growTo(capacity: number): void {
    if (capacity <= this.data.length) return;
    const bigger = new Uint32Array(capacity);
    bigger.set(this.data);
    this.data = bigger;
  }
  /** Exactly the filled part, as a view (no copy). */
  trimmed(): Uint32Array {
    return this.data.subarray(0, this.length);
  }
}
export const u32 = (capacity?: number) => new U32Column(capacity);

export class I32Column {
  data: Int32Array;
  length = 0;
  constructor(capacity = INITIAL_CAPACITY) {
    this.data = new Int32Array(Math.max(1, capacity));
  }
  push(value: number): void {
    if (this.length === this.data.length) {
      const bigger = new Int32Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = value;
  }
  /** Capacity for at least `capacity` elements (tables that write `data[i]` directly and set
   *  `length` once at the end use this instead of push). */
  growTo(capacity: number): void {
    if (capacity <= this.data.length) return;
    const bigger = new Int32Array(capacity);
    bigger.set(this.data);
    this.data = bigger;
  }
  /** Exactly the filled part, as a view (no copy). */
  trimmed(): Int32Array {
    return this.data.subarray(0, this.length);
  }
}
export const i32 = (capacity?: number) => new I32Column(capacity);

export class U16Column {
  data: Uint16Array;
  length = 0;
  constructor(capacity = INITIAL_CAPACITY) {
    this.data = new Uint16Array(Math.max(1, capacity));
  }
  push(value: number): void {
    if (this.length === this.data.length) {
      const bigger = new Uint16Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = value;
  }
  /** Capacity for at least `capacity` elements (tables that write `data[i]` directly and set
   *  `length` once at the end use this instead of push). */
  growTo(capacity: number): void {
    if (capacity <= this.data.length) return;
    const bigger = new Uint16Array(capacity);
    bigger.set(this.data);
    this.data = bigger;
  }
  /** Exactly the filled part, as a view (no copy). */
  trimmed(): Uint16Array {
    return this.data.subarray(0, this.length);
  }
}
export const u16 = (capacity?: number) => new U16Column(capacity);

export class U8Column {
  data: Uint8Array;
  length = 0;
  constructor(capacity = INITIAL_CAPACITY) {
    this.data = new Uint8Array(Math.max(1, capacity));
  }
  push(value: number): void {
    if (this.length === this.data.length) {
      const bigger = new Uint8Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = value;
  }
  /** Capacity for at least `capacity` elements (tables that write `data[i]` directly and set
   *  `length` once at the end use this instead of push). */
  growTo(capacity: number): void {
    if (capacity <= this.data.length) return;
    const bigger = new Uint8Array(capacity);
    bigger.set(this.data);
    this.data = bigger;
  }
  /** Exactly the filled part, as a view (no copy). */
  trimmed(): Uint8Array {
    return this.data.subarray(0, this.length);
  }
}
export const u8 = (capacity?: number) => new U8Column(capacity);

export class I8Column {
  data: Int8Array;
  length = 0;
  constructor(capacity = INITIAL_CAPACITY) {
    this.data = new Int8Array(Math.max(1, capacity));
  }
  push(value: number): void {
    if (this.length === this.data.length) {
      const bigger = new Int8Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = value;
  }
  /** Capacity for at least `capacity` elements (tables that write `data[i]` directly and set
   *  `length` once at the end use this instead of push). */
  growTo(capacity: number): void {
    if (capacity <= this.data.length) return;
    const bigger = new Int8Array(capacity);
    bigger.set(this.data);
    this.data = bigger;
  }
  /** Exactly the filled part, as a view (no copy). */
  trimmed(): Int8Array {
    return this.data.subarray(0, this.length);
  }
}
export const i8 = (capacity?: number) => new I8Column(capacity);

export type Column = F64Column | F32Column | U32Column | I32Column | U16Column | U8Column | I8Column;

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
