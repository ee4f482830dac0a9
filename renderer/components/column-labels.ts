// Display names of group columns (the gold-bar chips, filter pills and table headers).

import type { GroupColumn } from '../../shared/contract.js';

export const COLUMN_LABELS: Readonly<Record<GroupColumn, string>> = {
  cpu: 'CPU',
  type: 'Type',
  module: 'Module',
  function: 'Function',
  process: 'Process',
  thread: 'Thread',
  dpcIsr: 'DPC/ISR',
  state: 'State',
};

export const columnLabel = (column: string): string => COLUMN_LABELS[column as GroupColumn] ?? column;
