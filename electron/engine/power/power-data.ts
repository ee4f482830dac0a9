// Power tables built during the scheduling pass (sched/sched-data.ts): per CPU, the Actual idle
// visits (PPM IdleStateEnter → IdleStateExit, §5.11), the Target idle states (Power IdleStateChange
// 0x1235: NewState for the processors of its mask from that time on) and the performance states
// (PerfStateChange 0x1233: NewState for its processors). Each CPU's intervals of a kind are one
// `StateLane` of typed columns in time order (a trace has ~1 M idle visits; columns keep them
// compact, fast to scan and transferable from the worker that builds them). An interval still open
// at the trace end ends there (`lastOpen`; only a lane's last interval can be open: opening the
// next one closes it).
//
//   IdleStateEnter/Exit(cpu) ──> actual[cpu]   IdleStateChange(mask) ──> target[cpu]   PerfStateChange(mask) ──> perf[cpu]

import { f64, i32 } from '../columns.js';

export interface StateLane {
  readonly length: number;
  readonly state: Int32Array<ArrayBuffer>;
  readonly start: Float64Array<ArrayBuffer>;
  readonly end: Float64Array<ArrayBuffer>;
  /** The last interval had no end event (it ends at the trace end). */
  readonly lastOpen: boolean;
}

export interface PowerData {
  readonly cpuCount: number;
  readonly actual: readonly StateLane[];
  readonly target: readonly StateLane[];
  readonly perf: readonly StateLane[];
  /** Any IdleStateChange / PerfStateChange events seen. */
  readonly targetEvents: number;
  readonly perfEvents: number;
  /** The logfile header's CPU speed (MHz; 0 when not recorded). */
  nominalMHz: number;
}

/** A processor mask names at most 64 processors (one group). */
const MASK_BITS = 64;

/** Initial capacity of a lane while it is read: most CPUs' lanes of a kind stay small or empty
 *  (a header may claim 2,048 CPUs), so they start at a few intervals and double as they fill. */
const LANE_INITIAL_CAPACITY = 16;

/** A lane as read so far (its open interval's end still unknown): what crosses from the load's
 *  parser workers to the worker that finishes the scheduling tables. */
export interface LaneSnapshot {
  readonly state: Int32Array;
  readonly start: Float64Array;
  readonly end: Float64Array;
  /** The last interval has not ended yet. */
  readonly open: boolean;
}

/** One lane while the pass reads: growable typed columns, the open interval's end still unknown. */
class LaneBuilder {
  private readonly state = i32(LANE_INITIAL_CAPACITY);
  private readonly start = f64(LANE_INITIAL_CAPACITY);
  private readonly end = f64(LANE_INITIAL_CAPACITY);
  private open = false;

  /** The lane read so far (views of the filled part, no copy). */
  snapshot(): LaneSnapshot {
    return {
      state: this.state.trimmed(),
      start: this.start.trimmed(),
      end: this.end.trimmed(),
      open: this.open,
    };
  }

  /** Appends a snapshot's intervals (a lane read elsewhere, or its continuation). */
  append(lane: LaneSnapshot): void {
    for (let i = 0; i < lane.start.length; i++) {
      this.close(lane.start[i]!);
      this.state.push(lane.state[i]!);
      this.start.push(lane.start[i]!);
      this.end.push(lane.end[i]!);
      this.open = false;
    }
    if (lane.start.length > 0) this.open = lane.open;
  }

  begin(state: number, t: number): void {
    this.close(t);
    this.state.push(state);
    this.start.push(t);
    this.end.push(Infinity);
    this.open = true;
  }

  close(t: number): void {
    if (!this.open) return;
    const last = this.start.length - 1;
    this.end.data[last] = Math.max(this.start.data[last]!, t);
    this.open = false;
  }

  finish(endNs: number): StateLane {
    const n = this.start.length;
    const lastOpen = this.open;
    if (lastOpen) this.end.data[n - 1] = Math.max(this.start.data[n - 1]!, endNs);
    // Exact-length copies: the lane keeps (and a worker transfers) no spare capacity.
    return {
      length: n,
      state: this.state.trimmed().slice(),
      start: this.start.trimmed().slice(),
      end: this.end.trimmed().slice(),
      lastOpen,
    };
  }
}

export class PowerBuilder {
  private readonly actual: LaneBuilder[];
  private readonly target: LaneBuilder[];
  private readonly perf: LaneBuilder[];
  private targetEvents = 0;
  private perfEvents = 0;

  constructor(private readonly cpuCount: number) {
    const lanes = () => Array.from({ length: cpuCount }, () => new LaneBuilder());
    this.actual = lanes();
    this.target = lanes();
    this.perf = lanes();
  }

  /** The Actual lanes read so far, per CPU (Target and perf lanes are built at the end from the
   *  changes, see sched-data.ts). */
  actualSnapshots(): LaneSnapshot[] {
    return this.actual.map((lane) => lane.snapshot());
  }

  /** Appends Actual lanes read elsewhere (CPU by CPU; each CPU's lane from one reader). */
  appendActual(lanes: readonly (LaneSnapshot | null)[]): void {
    lanes.forEach((lane, cpu) => {
      if (lane !== null && cpu < this.cpuCount) this.actual[cpu]!.append(lane);
    });
  }

  idleEnter(cpu: number, t: number, state: number): void {
    this.actual[cpu]?.begin(state, t);
  }

  idleExit(cpu: number, t: number): void {
    this.actual[cpu]?.close(t);
  }

  private forMask(mask: bigint, each: (cpu: number) => void): void {
    for (let cpu = 0; cpu < Math.min(MASK_BITS, this.cpuCount); cpu++)
      if (((mask >> BigInt(cpu)) & 1n) === 1n) each(cpu);
  }

  targetChange(t: number, state: number, mask: bigint): void {
    this.targetEvents++;
    this.forMask(mask, (cpu) => this.target[cpu]!.begin(state, t));
  }

  perfChange(t: number, state: number, mask: bigint): void {
    this.perfEvents++;
    this.forMask(mask, (cpu) => this.perf[cpu]!.begin(state, t));
  }

  /** Intervals still open end at the trace end. */
  finish(endNs: number, nominalMHz: number): PowerData {
    const done = (lanes: LaneBuilder[]) => lanes.map((lane) => lane.finish(endNs));
    return {
      cpuCount: this.cpuCount,
      actual: done(this.actual),
      target: done(this.target),
      perf: done(this.perf),
      targetEvents: this.targetEvents,
      perfEvents: this.perfEvents,
      nominalMHz,
    };
  }
}

/** The typed arrays of `power` (for a transfer list between threads). */
export function powerBuffers(power: PowerData): ArrayBuffer[] {
  const out: ArrayBuffer[] = [];
  for (const lanes of [power.actual, power.target, power.perf])
    for (const lane of lanes) out.push(lane.state.buffer, lane.start.buffer, lane.end.buffer);
  return out;
}
