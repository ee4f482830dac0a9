// Power tables built during the scheduling pass (sched/sched-data.ts): per CPU, the Actual idle
// visits (PPM IdleStateEnter → IdleStateExit, §5.11), the Target idle states (Power IdleStateChange
// 0x1235: NewState for the processors of its mask from that time on) and the performance states
// (PerfStateChange 0x1233: NewState for its processors). Intervals still open at the trace end end
// there (`open` marks them).
//
//   IdleStateEnter/Exit(cpu) ──> actual[cpu]   IdleStateChange(mask) ──> target[cpu]   PerfStateChange(mask) ──> perf[cpu]

export interface StateInterval {
  readonly state: number;
  readonly start: number;
  end: number;
  open: boolean;
}

export interface PowerData {
  readonly cpuCount: number;
  readonly actual: StateInterval[][];
  readonly target: StateInterval[][];
  readonly perf: StateInterval[][];
  /** Any IdleStateChange / PerfStateChange events seen. */
  targetEvents: number;
  perfEvents: number;
  /** The logfile header's CPU speed (MHz; 0 when not recorded). */
  nominalMHz: number;
}

/** A processor mask names at most 64 processors (one group). */
const MASK_BITS = 64;

export class PowerBuilder {
  readonly data: PowerData;

  constructor(cpuCount: number) {
    const lists = () => Array.from({ length: cpuCount }, (): StateInterval[] => []);
    this.data = {
      cpuCount,
      actual: lists(),
      target: lists(),
      perf: lists(),
      targetEvents: 0,
      perfEvents: 0,
      nominalMHz: 0,
    };
  }

  private static open(list: StateInterval[] | undefined, state: number, t: number): void {
    if (list === undefined) return;
    PowerBuilder.close(list, t);
    list.push({ state, start: t, end: Infinity, open: true });
  }

  private static close(list: StateInterval[] | undefined, t: number): void {
    const last = list !== undefined && list.length > 0 ? list[list.length - 1]! : undefined;
    if (last !== undefined && last.open) {
      last.end = Math.max(last.start, t);
      last.open = false;
    }
  }

  idleEnter(cpu: number, t: number, state: number): void {
    PowerBuilder.open(this.data.actual[cpu], state, t);
  }

  idleExit(cpu: number, t: number): void {
    PowerBuilder.close(this.data.actual[cpu], t);
  }

  private forMask(mask: bigint, each: (cpu: number) => void): void {
    for (let cpu = 0; cpu < Math.min(MASK_BITS, this.data.cpuCount); cpu++)
      if (((mask >> BigInt(cpu)) & 1n) === 1n) each(cpu);
  }

  targetChange(t: number, state: number, mask: bigint): void {
    this.data.targetEvents++;
    this.forMask(mask, (cpu) => PowerBuilder.open(this.data.target[cpu], state, t));
  }

  perfChange(t: number, state: number, mask: bigint): void {
    this.data.perfEvents++;
    this.forMask(mask, (cpu) => PowerBuilder.open(this.data.perf[cpu], state, t));
  }

  /** Intervals still open end at the trace end. */
  finish(endNs: number): PowerData {
    for (const lists of [this.data.actual, this.data.target, this.data.perf])
      for (const list of lists) {
        const last = list[list.length - 1];
        if (last !== undefined && last.open) last.end = Math.max(last.start, endNs);
      }
    return this.data;
  }
}
