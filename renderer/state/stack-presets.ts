// The stacks area's presets, named as WPA names them: which table's rows, grouped by which columns
// above the Stack column, and which rows they leave out. queries.ts turns one into a StackQuery.
//
//   DPC/ISR Usage by Module, Stack           cpuSampled, dpcIsr ≠ '-', by module of the sampled address
//   Utilization by Process, Stack            cpuSampled, by process
//   DPC/ISR Duration by Module, Function, Stack   dpcIsr events with their own stack walk

import type { GroupColumn, StackTableId } from '../../shared/contract.js';
import type { StackPresetId } from './slices.js';

export interface StackPreset {
  readonly id: StackPresetId;
  /** WPA's preset name. */
  readonly title: string;
  /** One sentence for the panel: what the rows are and what the weight means. */
  readonly description: string;
  readonly table: StackTableId;
  readonly groupBy: readonly GroupColumn[];
  /** Rows the preset always leaves out (merged with the user's column filters). */
  readonly exclude?: Partial<Readonly<Record<GroupColumn, readonly string[]>>>;
  /** Column headers for the row count and the weight. */
  readonly countLabel: string;
  readonly weightLabel: string;
}

export const STACK_PRESETS: readonly StackPreset[] = [
  {
    id: 'dpcIsrUsageByModule',
    title: 'DPC/ISR Usage by Module, Stack',
    description:
      'CPU samples taken inside DPCs and ISRs, by the module the sampled address is in, with the stack that led there.',
    table: 'cpuSampled',
    groupBy: ['module'],
    exclude: { dpcIsr: ['-'] },
    countLabel: 'Count',
    weightLabel: 'Weight (ms)',
  },
  {
    id: 'utilizationByProcess',
    title: 'Utilization by Process, Stack',
    description: 'Every CPU sample, by process, with the stack the sample was taken in.',
    table: 'cpuSampled',
    groupBy: ['process'],
    countLabel: 'Count',
    weightLabel: 'Weight (ms)',
  },
  {
    id: 'dpcIsrDurationByFunction',
    title: 'DPC/ISR Duration by Module, Function, Stack',
    description:
      'Each DPC and ISR that logged a stack walk, by its routine, with the stack it was called from; the weight is its duration.',
    table: 'dpcIsr',
    groupBy: ['module', 'function'],
    countLabel: 'Count',
    weightLabel: 'Duration (ms)',
  },
];

export function stackPreset(id: StackPresetId): StackPreset {
  return STACK_PRESETS.find((p) => p.id === id) ?? STACK_PRESETS[0]!;
}

export const isStackPresetId = (value: unknown): value is StackPresetId =>
  STACK_PRESETS.some((p) => p.id === value);
