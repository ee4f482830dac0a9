// Test helpers for the writer's own tests (not product code): a plain-LZ77 decoder written from
// MS-XCA §2.4, a minimal ETL buffer/record walker written from the format doc, and a stack decoder
// (samples, DPC/ISR, StackWalk, stack keys, Image/Process/Thread events → truth.stacks recomputed),
// all independent of electron/reader so that writer tests check the bytes against the format, not
// against the reader.

export interface DecodeStats {
  literals: number;
  shortMatches: number;
  nibbleMatches: number;
  byteMatches: number;
  word16Matches: number;
  word32Matches: number;
  maxOffset: number;
}

/** Decodes plain LZ77 into exactly `outSize` bytes, counting which length forms it met. */
export function xpressDecompress(
  input: Uint8Array,
  outSize: number,
): { out: Uint8Array; stats: DecodeStats } {
  const out = new Uint8Array(outSize);
  const stats: DecodeStats = {
    literals: 0,
    shortMatches: 0,
    nibbleMatches: 0,
    byteMatches: 0,
    word16Matches: 0,
    word32Matches: 0,
    maxOffset: 0,
  };
  let inPos = 0;
  let outPos = 0;
  let flags = 0;
  let flagBits = 0;
  let nibbleAt = -1;
  const u16 = (): number => input[inPos++] | (input[inPos++] << 8);
  while (outPos < outSize) {
    if (flagBits === 0) {
      if (inPos + 4 > input.length) throw new Error('truncated flags');
      flags =
        (input[inPos] | (input[inPos + 1] << 8) | (input[inPos + 2] << 16) | (input[inPos + 3] << 24)) >>> 0;
      inPos += 4;
      flagBits = 32;
    }
    flagBits--;
    if (((flags >>> flagBits) & 1) === 0) {
      if (inPos >= input.length) throw new Error('truncated literal');
      out[outPos++] = input[inPos++];
      stats.literals++;
      continue;
    }
    if (inPos + 2 > input.length) throw new Error('truncated match');
    const m = u16();
    const offset = (m >>> 3) + 1;
    let len = m & 7;
    if (len === 7) {
      let nibble: number;
      if (nibbleAt < 0) {
        nibbleAt = inPos++;
        nibble = input[nibbleAt] & 15;
      } else {
        nibble = input[nibbleAt] >>> 4;
        nibbleAt = -1;
      }
      len = nibble;
      if (nibble === 15) {
        const b = input[inPos++];
        if (b !== 255) {
          len = b + 15;
          stats.byteMatches++;
        } else {
          let total = u16();
          if (total === 0) {
            total =
              (input[inPos] |
                (input[inPos + 1] << 8) |
                (input[inPos + 2] << 16) |
                (input[inPos + 3] << 24)) >>>
              0;
            inPos += 4;
            stats.word32Matches++;
          } else {
            stats.word16Matches++;
          }
          if (total < 22) throw new Error('bad long length');
          len = total - 22 + 15;
        }
      } else {
        stats.nibbleMatches++;
      }
      len += 7;
    } else {
      stats.shortMatches++;
    }
    len += 3;
    if (offset > outPos) throw new Error(`offset ${offset} before start at ${outPos}`);
    stats.maxOffset = Math.max(stats.maxOffset, offset);
    for (let i = 0; i < len; i++) {
      out[outPos] = out[outPos - offset];
      outPos++;
    }
  }
  return { out, stats };
}

export interface WalkedBuffer {
  fileOffset: number;
  bufferSize: number;
  savedOffset: number;
  timeStamp: number;
  sequence: number;
  cpu: number;
  flags: number;
  type: number;
  compressed: boolean;
  /** The uncompressed buffer (header + events up to SavedOffset). */
  bytes: Uint8Array;
}

export interface WalkedEvent {
  buffer: number;
  cpu: number;
  offset: number;
  headerType: number;
  size: number;
  hookId: number;
  version: number;
  timestamp: number;
  payloadOffset: number;
  payloadSize: number;
  bytes: Uint8Array;
  view: DataView;
}

const u64 = (v: DataView, o: number): number => v.getUint32(o, true) + v.getUint32(o + 4, true) * 4294967296;

/** Walks every buffer by its own BufferSize, decompressing flagged ones. */
export function walkBuffers(file: Uint8Array): WalkedBuffer[] {
  const out: WalkedBuffer[] = [];
  const fv = new DataView(file.buffer, file.byteOffset, file.byteLength);
  let pos = 0;
  while (pos + 0x48 <= file.length) {
    const size = fv.getUint32(pos, true);
    if (size < 0x48 || pos + size > file.length) throw new Error(`bad BufferSize ${size} at ${pos}`);
    const saved = fv.getUint32(pos + 4, true);
    const flags = fv.getUint16(pos + 0x34, true);
    const compressed = (flags & 0x40) !== 0;
    let bytes: Uint8Array;
    if (compressed) {
      bytes = new Uint8Array(saved);
      bytes.set(file.subarray(pos, pos + 0x48));
      const { out: body } = xpressDecompress(file.subarray(pos + 0x48, pos + size), saved - 0x48);
      bytes.set(body, 0x48);
    } else {
      bytes = file.subarray(pos, pos + size);
    }
    out.push({
      fileOffset: pos,
      bufferSize: size,
      savedOffset: saved,
      timeStamp: u64(fv, pos + 0x10),
      sequence: u64(fv, pos + 0x18),
      cpu: fv.getUint16(pos + 0x28, true) & 0x7ff,
      flags,
      type: fv.getUint16(pos + 0x36, true),
      compressed,
      bytes,
    });
    pos += size;
  }
  if (pos !== file.length) throw new Error(`trailing ${file.length - pos} bytes`);
  return out;
}

/** Header sizes by header type (format doc §3.1); the size field is at 0 or 4. */
const HEADER_SIZES: Readonly<Record<number, number>> = {
  0x01: 0x20,
  0x02: 0x20,
  0x03: 0x18,
  0x04: 0x18,
  0x0a: 0x30,
  0x14: 0x30,
  0x10: 0x10,
  0x11: 0x10,
  0x12: 0x50,
  0x13: 0x50,
};

/** Records of one buffer, 8-byte aligned from 0x48 to SavedOffset. Throws on anything malformed. */
export function walkEvents(buffer: WalkedBuffer, index: number): WalkedEvent[] {
  const out: WalkedEvent[] = [];
  const b = buffer.bytes;
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let pos = 0x48;
  while (pos < buffer.savedOffset) {
    if (pos % 8 !== 0) throw new Error(`unaligned record at ${pos}`);
    const type = b[pos + 2];
    if (b[pos + 3] !== 0xc0) throw new Error(`bad marker flags at ${pos}`);
    const headerSize = HEADER_SIZES[type];
    if (headerSize === undefined) throw new Error(`unknown header type ${type} at ${pos}`);
    const sizeAtZero = type === 0x0a || type === 0x14 || type === 0x12 || type === 0x13;
    const size = v.getUint16(sizeAtZero ? pos : pos + 4, true);
    if (size < headerSize || pos + size > buffer.savedOffset)
      throw new Error(`bad record size ${size} at ${pos}`);
    const isKernel = !sizeAtZero;
    const tsOffset = type === 0x10 || type === 0x11 ? 8 : 16;
    let payloadOffset = pos + headerSize;
    if ((type === 0x12 || type === 0x13) && (v.getUint16(pos + 4, true) & 1) !== 0) {
      for (;;) {
        const itemSize = v.getUint16(payloadOffset, true);
        const linkage = v.getUint16(payloadOffset + 4, true) & 1;
        payloadOffset += itemSize;
        if (linkage === 0) break;
      }
    }
    out.push({
      buffer: index,
      cpu: buffer.cpu,
      offset: pos,
      headerType: type,
      size,
      hookId: isKernel ? v.getUint16(pos + 6, true) : 0,
      version: isKernel ? v.getUint16(pos, true) & 0xff : 0,
      timestamp: u64(v, pos + tsOffset),
      payloadOffset,
      payloadSize: pos + size - payloadOffset,
      bytes: b,
      view: v,
    });
    pos += (size + 7) & ~7;
  }
  if (pos !== buffer.savedOffset) throw new Error(`records end at ${pos}, SavedOffset ${buffer.savedOffset}`);
  return out;
}

/** Decodes one 0x0525 batch (format doc §5.4): switch times and old thread ids, in order. */
export function decodeCompactBatch(e: WalkedEvent): { ts: number; old: number }[] {
  const out: { ts: number; old: number }[] = [];
  const v = e.view;
  let t = u64(v, e.payloadOffset);
  const tids = Array.from({ length: 16 }, (_, k) => v.getUint32(e.payloadOffset + 8 + 4 * k, true));
  let p = e.payloadOffset + 0x58;
  const endAt = e.offset + e.size;
  while (p < endAt) {
    const type = v.getUint16(p, true) & 3;
    if (type === 0) {
      t += v.getUint16(p, true) >>> 2;
      out.push({ ts: t, old: 0 });
      p += 2;
    } else if (type === 1) {
      t += v.getUint32(p, true) >>> 2;
      out.push({ ts: t, old: 0 });
      p += 4;
    } else if (type === 2) {
      const word = v.getUint32(p, true);
      t += word >>> 15;
      out.push({ ts: t, old: tids[(word >>> 2) & 15] });
      p += 4;
    } else {
      t += v.getUint32(p, true) >>> 2;
      out.push({ ts: t, old: tids[v.getUint32(p + 4, true) & 15] });
      p += 8;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Stacks: an independent decoder of what a stack view needs (samples, DPC/ISR events, StackWalk and
// stack-key events, Image/Process/Thread events), written from the format doc §5.6–5.10.
// ---------------------------------------------------------------------------------------------

/** Events per CPU in sequence order (each CPU's buffers sorted by SequenceNumber), and the header buffer's. */
export function eventsByCpu(
  file: Uint8Array,
  cpuCount: number,
): { header: WalkedEvent[]; cpus: WalkedEvent[][] } {
  const buffers = walkBuffers(file);
  const cpus: WalkedEvent[][] = Array.from({ length: cpuCount }, () => []);
  const order = buffers
    .map((b, i) => ({ b, i }))
    .slice(1)
    .sort((x, y) => x.b.sequence - y.b.sequence);
  for (const { b, i } of order) cpus[b.cpu].push(...walkEvents(b, i));
  return { header: walkEvents(buffers[0], 0), cpus };
}

const isKernelHeader = (e: WalkedEvent): boolean =>
  e.headerType !== 0x0a && e.headerType !== 0x14 && e.headerType !== 0x12 && e.headerType !== 0x13;

function pointerAt(e: WalkedEvent, at: number, P: 4 | 8): bigint {
  return P === 8 ? e.view.getBigUint64(at, true) : BigInt(e.view.getUint32(at, true));
}

function utf16At(e: WalkedEvent, at: number, end: number): string {
  let s = '';
  for (let p = at; p + 1 < end; p += 2) {
    const c = e.view.getUint16(p, true);
    if (c === 0) break;
    s += String.fromCharCode(c);
  }
  return s;
}

function asciiAt(e: WalkedEvent, at: number, end: number): string {
  let s = '';
  for (let p = at; p < end && e.bytes[p] !== 0; p++) s += String.fromCharCode(e.bytes[p]);
  return s;
}

export interface DecodedImage {
  file: string;
  base: bigint;
  size: bigint;
  pid: number;
  from: number;
  to: number;
}

export interface DecodedStack {
  cpu: number;
  /** Timestamp of the stack event itself. */
  ts: number;
  eventTs: number;
  pid: number;
  tid: number;
  /** Innermost first. */
  frames: bigint[];
  user: boolean;
  /** Index of the event on its CPU. */
  index: number;
  /** Kernel parts: the record right before it (a sample, or a DPC/ISR event), if it is its owner. */
  owner?: 'sample' | 'dpc';
}

export interface DecodedSample {
  cpu: number;
  ts: number;
  tid: number;
  ip: bigint;
  dpc: boolean;
  isr: boolean;
}

export interface DecodedDpc {
  cpu: number;
  ts: number;
  hook: number;
  routine: bigint;
  durationTicks: number;
}

export interface DecodedTrace {
  images: DecodedImage[];
  processNames: Map<number, string>;
  threadPid: Map<number, number>;
  samples: DecodedSample[];
  dpcs: DecodedDpc[];
  stacks: DecodedStack[];
  /** KernelTraceControl DbgID_RSDS payloads. */
  rsds: { base: bigint; pid: number; guid: string; age: number; pdb: string }[];
  /** Stack-key bookkeeping: definitions by kind, and keys defined again after a delete. */
  keys: { deletes: number; rundowns: number; references: number; reusedKeys: number };
  /** Records between a sample/DPC event and its kernel stack (should be 0; key definitions excepted). */
  misplacedKernelStacks: number;
  /** User parts without an earlier sample of the same thread and EventTimeStamp on the same CPU. */
  orphanUserStacks: number;
}

const DPC_FAMILY = new Set([0x0f42, 0x0f44, 0x0f45, 0x0f43, 0x0f32]);
const KTC_GUID = [
  0xd7, 0x75, 0xe6, 0xb3, 0x54, 0x25, 0x18, 0x4f, 0x83, 0x0b, 0x27, 0x62, 0x73, 0x25, 0x60, 0xde,
];

/** Decodes everything the stack checks need; resolves stack keys to frames (next definition of the key). */
export function decodeTrace(file: Uint8Array, cpuCount: number, P: 4 | 8): DecodedTrace {
  const { cpus } = eventsByCpu(file, cpuCount);
  const out: DecodedTrace = {
    images: [],
    processNames: new Map(),
    threadPid: new Map(),
    samples: [],
    dpcs: [],
    stacks: [],
    rsds: [],
    keys: { deletes: 0, rundowns: 0, references: 0, reusedKeys: 0 },
    misplacedKernelStacks: 0,
    orphanUserStacks: 0,
  };
  const kernelAddress = (a: bigint): boolean => (P === 8 ? a >= 0xffff800000000000n : a >= 0x80000000n);
  const openImages = new Map<string, DecodedImage>();
  cpus.forEach((events, cpu) => {
    const sampleKeys = new Set<string>();
    const pendingRefs = new Map<bigint, DecodedStack[]>();
    const deletedKeys = new Set<bigint>();
    const reused = new Set<bigint>();
    let owner: { ts: number; tid: number | undefined; kind: 'sample' | 'dpc' } | undefined;
    events.forEach((e, index) => {
      const v = e.view;
      const o = e.payloadOffset;
      const end = o + e.payloadSize;
      if (!isKernelHeader(e)) {
        const isKtc = KTC_GUID.every((b, k) => e.bytes[e.offset + 0x18 + k] === b);
        if (isKtc && e.bytes[e.offset + 4] === 36) {
          const g = e.bytes.subarray(o + P + 4, o + P + 20);
          const h = (i: number): string => g[i].toString(16).padStart(2, '0');
          out.rsds.push({
            base: pointerAt(e, o, P),
            pid: v.getUint32(o + P, true),
            guid: `${h(3)}${h(2)}${h(1)}${h(0)}-${h(5)}${h(4)}-${h(7)}${h(6)}-${h(8)}${h(9)}-${[10, 11, 12, 13, 14, 15].map(h).join('')}`,
            age: v.getUint32(o + P + 20, true),
            pdb: asciiAt(e, o + P + 24, end),
          });
        }
        owner = undefined;
        return;
      }
      const hook = e.hookId;
      if (hook === 0x1403 || hook === 0x030a || hook === 0x1402) {
        const base = pointerAt(e, o, P);
        const size = pointerAt(e, o + P, P);
        const pid = v.getUint32(o + 2 * P, true);
        const name = utf16At(e, o + 3 * P + 32, end);
        const file = name.slice(name.lastIndexOf('\\') + 1);
        const key = `${pid}|${base}`;
        if (hook === 0x1402) {
          const im = openImages.get(key);
          if (im !== undefined) im.to = e.timestamp;
          openImages.delete(key);
        } else if (!openImages.has(key)) {
          const im = { file, base, size, pid, from: hook === 0x1403 ? -Infinity : e.timestamp, to: Infinity };
          openImages.set(key, im);
          out.images.push(im);
        }
      } else if (hook === 0x0301 || hook === 0x0303) {
        const pid = v.getUint32(o + P, true);
        let p = o + 2 * P + 20;
        p += v.getUint32(p, true) === 0 ? 4 : 2 * P + 8 + 4 * e.bytes[p + 2 * P + 1];
        out.processNames.set(pid, asciiAt(e, p, end));
      } else if (hook === 0x0501 || hook === 0x0503) {
        out.threadPid.set(v.getUint32(o + 4, true), v.getUint32(o, true));
      }
      if (hook === 0x0f2e) {
        const tid = v.getUint32(o + P, true);
        const flags = e.bytes[o + P + 6];
        out.samples.push({
          cpu,
          ts: e.timestamp,
          tid,
          ip: pointerAt(e, o, P),
          dpc: (flags & 1) !== 0,
          isr: (flags & 2) !== 0,
        });
        sampleKeys.add(`${e.timestamp}|${tid}`);
        owner = { ts: e.timestamp, tid, kind: 'sample' };
        return;
      }
      if (DPC_FAMILY.has(hook)) {
        const enter = v.getUint32(o, true) + v.getUint32(o + 4, true) * 4294967296;
        out.dpcs.push({
          cpu,
          ts: e.timestamp,
          hook,
          routine: pointerAt(e, o + 8, P),
          durationTicks: e.timestamp - enter,
        });
        owner = { ts: e.timestamp, tid: undefined, kind: 'dpc' };
        return;
      }
      const stackAt = (frames: bigint[], user: boolean): DecodedStack => ({
        cpu,
        ts: e.timestamp,
        eventTs: v.getUint32(o, true) + v.getUint32(o + 4, true) * 4294967296,
        pid: v.getUint32(o + 8, true),
        tid: v.getUint32(o + 12, true),
        frames,
        user,
        index,
      });
      const place = (s: DecodedStack): void => {
        if (!s.user) {
          const ok =
            owner !== undefined && owner.ts === s.eventTs && (owner.tid === undefined || owner.tid === s.tid);
          if (!ok) out.misplacedKernelStacks++;
          s.owner = owner?.kind;
        } else if (!sampleKeys.has(`${s.eventTs}|${s.tid}`) || s.ts < s.eventTs) {
          out.orphanUserStacks++;
        }
        out.stacks.push(s);
      };
      if (hook === 0x1820) {
        const frames: bigint[] = [];
        for (let p = o + 16; p + P <= end; p += P) frames.push(pointerAt(e, p, P));
        place(stackAt(frames, frames.length > 0 && !kernelAddress(frames[frames.length - 1])));
        owner = undefined;
      } else if (hook === 0x1825 || hook === 0x1826) {
        const s = stackAt([], hook === 0x1826);
        place(s);
        const key = pointerAt(e, o + 16, P);
        if (deletedKeys.has(key)) reused.add(key);
        pendingRefs.set(key, [...(pendingRefs.get(key) ?? []), s]);
        out.keys.references++;
        owner = undefined;
      } else if (hook === 0x1823 || hook === 0x1824) {
        // A definition: frames of every reference to this key since its previous definition. Owner kept:
        // an eviction may sit between a sample and its reference.
        const key = pointerAt(e, o, P);
        const frames: bigint[] = [];
        for (let p = o + P; p + P <= end; p += P) frames.push(pointerAt(e, p, P));
        for (const s of pendingRefs.get(key) ?? []) s.frames = frames;
        pendingRefs.delete(key);
        if (hook === 0x1823) {
          out.keys.deletes++;
          deletedKeys.add(key);
        } else {
          out.keys.rundowns++;
        }
      } else {
        owner = undefined;
      }
    });
    if (pendingRefs.size > 0) {
      const [key, refs] = pendingRefs.entries().next().value as [bigint, DecodedStack[]];
      throw new Error(
        `CPU ${cpu}: stack key 0x${key.toString(16)} referenced at ${refs[0].ts} is never defined after it`,
      );
    }
    out.keys.reusedKeys += reused.size;
  });
  return out;
}

export interface FunctionTable {
  /** True when the module has symbols (frames show module!function, else module+0x<rva>). */
  symbols: boolean;
  functions: { name: string; rva: number; size: number }[];
}

/**
 * Joins kernel and user parts to their samples, resolves every frame to 'module!function' (or
 * module+0x<rva>) and aggregates as StackTruth does (simulate.ts). Throws on a frame outside every
 * function, a sample IP that is not its stack's innermost frame, or a stack without an owner.
 */
export function recomputeStackTruth(
  t: DecodedTrace,
  P: 4 | 8,
  functionsOf: (file: string) => FunctionTable | undefined,
  ticksToNs: number,
): {
  dpcIsrByModule: Record<string, { samples: number; paths: { frames: string[]; samples: number }[] }>;
  cpuByProcess: Record<string, { samples: number; paths: { frames: string[]; samples: number }[] }>;
  dpcIsrEvents: {
    module: string;
    function: string;
    type: string;
    events: number;
    paths: { frames: string[]; events: number; totalNs: number }[];
  }[];
} {
  const kernelAddress = (a: bigint): boolean => (P === 8 ? a >= 0xffff800000000000n : a >= 0x80000000n);
  const resolve = (address: bigint, pid: number, ticks: number): { file: string; label: string } => {
    const wantPid = kernelAddress(address) ? 0 : pid;
    const im = t.images.find(
      (i) =>
        i.pid === wantPid &&
        address >= i.base &&
        address < i.base + i.size &&
        ticks >= i.from &&
        ticks < i.to,
    );
    if (im === undefined)
      throw new Error(`address 0x${address.toString(16)} (pid ${pid}) is in no image at ${ticks}`);
    const rva = Number(address - im.base);
    const table = functionsOf(im.file);
    const fn = table?.functions.find((f) => rva >= f.rva && rva < f.rva + f.size);
    if (table === undefined || fn === undefined)
      throw new Error(`${im.file}+0x${rva.toString(16)} is in no function`);
    return {
      file: im.file,
      label: table.symbols ? `${im.file}!${fn.name}` : `${im.file}+0x${rva.toString(16)}`,
    };
  };
  const labels = (s: DecodedStack | undefined, pid: number, ticks: number): string[] =>
    s === undefined ? [] : [...s.frames].reverse().map((f) => resolve(f, pid, ticks).label);
  const kernelParts = new Map<string, DecodedStack>();
  const userParts = new Map<string, DecodedStack>();
  for (const s of t.stacks) {
    const k = `${s.cpu}|${s.eventTs}|${s.tid}`;
    if (s.user) userParts.set(k, s);
    else if (s.owner === 'sample') kernelParts.set(k, s);
  }
  const processLabel = (pid: number): string =>
    pid === 0 ? 'Idle (0)' : `${t.processNames.get(pid) ?? 'Unknown'} (${pid})`;
  type Agg = Map<string, { frames: string[]; samples: number }>;
  const byModule = new Map<string, Agg>();
  const byProcess = new Map<string, Agg>();
  const add = (m: Map<string, Agg>, key: string, frames: string[]): void => {
    let a = m.get(key);
    if (a === undefined) m.set(key, (a = new Map()));
    const id = frames.join('\n');
    const p = a.get(id);
    if (p === undefined) a.set(id, { frames, samples: 1 });
    else p.samples++;
  };
  const used = new Set<DecodedStack>();
  for (const s of t.samples) {
    const pid = s.tid === 0 ? 0 : (t.threadPid.get(s.tid) ?? -1);
    const k = `${s.cpu}|${s.ts}|${s.tid}`;
    const kernel = kernelParts.get(k);
    const user = userParts.get(k);
    if (kernel !== undefined) used.add(kernel);
    if (user !== undefined) used.add(user);
    const ipPart = kernel ?? user;
    if (ipPart !== undefined && ipPart.frames[0] !== s.ip)
      throw new Error(
        `sample at ${s.ts} on CPU ${s.cpu}: IP 0x${s.ip.toString(16)} is not its stack's innermost frame`,
      );
    const frames = [...labels(user, pid, s.ts), ...labels(kernel, pid, s.ts)];
    add(byProcess, processLabel(pid), frames);
    if (s.dpc || s.isr) add(byModule, resolve(s.ip, pid, s.ts).file, frames);
  }
  const hookType: Record<number, string> = {
    0x0f42: 'ThreadedDPC',
    0x0f44: 'DPC',
    0x0f45: 'TimerDPC',
    0x0f43: 'ISR',
    0x0f32: 'ISR-MSI',
  };
  const events = new Map<
    string,
    {
      module: string;
      function: string;
      type: string;
      paths: Map<string, { frames: string[]; events: number; ticks: number }>;
    }
  >();
  // DPC/ISR event stacks: the kernel part whose EventTimeStamp is the event's timestamp on its CPU.
  const byCpuTs = new Map<string, DecodedStack>();
  for (const s of t.stacks) if (!s.user && s.owner === 'dpc') byCpuTs.set(`${s.cpu}|${s.eventTs}`, s);
  for (const d of t.dpcs) {
    const s = byCpuTs.get(`${d.cpu}|${d.ts}`);
    if (s === undefined) continue;
    used.add(s);
    const r = resolve(d.routine, 0, d.ts);
    const type = hookType[d.hook];
    const key = `${r.file}!${r.label}!${type}`;
    let e = events.get(key);
    if (e === undefined) {
      const fn = r.label.startsWith(`${r.file}!`) ? r.label.slice(r.file.length + 1) : r.label;
      events.set(key, (e = { module: r.file, function: fn, type, paths: new Map() }));
    }
    const frames = labels(s, s.pid, d.ts);
    const id = frames.join('\n');
    const p = e.paths.get(id) ?? { frames, events: 0, ticks: 0 };
    p.events++;
    p.ticks += d.durationTicks;
    e.paths.set(id, p);
  }
  const orphans = t.stacks.filter((s) => !used.has(s));
  if (orphans.length > 0)
    throw new Error(
      `${orphans.length} stacks belong to no sample and no DPC/ISR event (first at ${orphans[0].ts} on CPU ${orphans[0].cpu})`,
    );
  const sorted = <T extends { frames: string[] }>(list: T[], n: (x: T) => number): T[] =>
    list.sort((a, b) => n(b) - n(a) || a.frames.join('\n').localeCompare(b.frames.join('\n')));
  const finish = (m: Map<string, Agg>, order: (a: string, b: string) => number) =>
    Object.fromEntries(
      [...m]
        .sort((a, b) => order(a[0], b[0]))
        .map(([k, a]) => {
          const paths = sorted([...a.values()], (p) => p.samples);
          return [k, { samples: paths.reduce((x, p) => x + p.samples, 0), paths }];
        }),
    );
  return {
    dpcIsrByModule: finish(byModule, (a, b) => a.localeCompare(b)),
    cpuByProcess: finish(
      byProcess,
      (a, b) => Number(/\((\d+)\)$/.exec(a)![1]) - Number(/\((\d+)\)$/.exec(b)![1]),
    ),
    dpcIsrEvents: [...events.values()]
      .map((e) => {
        const paths = sorted(
          [...e.paths.values()].map((p) => ({
            frames: p.frames,
            events: p.events,
            totalNs: Math.round(p.ticks * ticksToNs),
          })),
          (p) => p.events,
        );
        return {
          module: e.module,
          function: e.function,
          type: e.type,
          events: paths.reduce((x, p) => x + p.events, 0),
          paths,
        };
      })
      .sort(
        (a, b) =>
          a.module.localeCompare(b.module) ||
          a.function.localeCompare(b.function) ||
          a.type.localeCompare(b.type),
      ),
  };
}
