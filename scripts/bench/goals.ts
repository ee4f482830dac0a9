// Issue 3's goals, in one place for the benchmark's two sides: run.ts prints every figure against
// them, child.ts tags each query figure with its own.
export const GOALS = {
  loadMBps: 300,
  rssPerFileByte: 0.6,
  groupP95Ms: 50,
  seriesP95Ms: 30,
  /** Issue 8: a stack view over 10 M samples with stacks. */
  stackP95Ms: 100,
} as const;
