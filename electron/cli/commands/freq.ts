// `etlscope freq FILE [--range] [--cpus] [--json]`: processor performance states from the Power
// PerfStateChange events — time at each state over the CPUs, and per CPU its changes. The events
// carry P-state indices; MHz per index would need the processor's P-state table (not decoded).

import type { FrequencyResult } from '../../../shared/contract.js';
import { traceCommand } from '../command.js';
import { fixed, integer, renderTable } from '../text-table.js';
import { schedFilter } from './threads.js';

export function formatFreq(r: FrequencyResult, fileName: string): string {
  const lines = [`Processor performance states — ${fileName}`, ''];
  if (r.source === 'none') {
    lines.push('No performance-state events: the trace has no Power PerfStateChange events (record POWER).');
    return lines.join('\n');
  }
  if (r.nominalMHz !== null) lines.push(`Nominal CPU speed (header): ${r.nominalMHz} MHz`, '');
  lines.push(
    renderTable(
      [
        { title: 'State', align: 'left' },
        { title: 'CPU·ms', align: 'right' },
        { title: '%', align: 'right' },
      ],
      r.timeAtState.map((s) => [s.state, fixed(s.ns / 1e6, 3), fixed(s.percent, 1)]),
    ),
    '',
    renderTable(
      [
        { title: 'CPU', align: 'right' },
        { title: 'Changes', align: 'right' },
        { title: 'States', align: 'left' },
      ],
      r.cpus.map((c) => [
        String(c.cpu),
        integer(c.changes),
        [...new Set(c.intervals.map((i) => i.state))].join(' '),
      ]),
    ),
  );
  return lines.join('\n');
}

export const freqCommand = traceCommand(
  {
    name: 'freq',
    files: 'one',
    flags: ['--range', '--cpus', '--json', '--workers'],
    usage:
      '  etlscope freq FILE [options]                processor performance states: time at each, per CPU',
  },
  async ({ session, options, fileName, io }) => {
    const result = await session.query({ kind: 'frequency', filter: schedFilter(options) });
    io.print(options.json ? JSON.stringify(result, null, 2) : formatFreq(result, fileName));
  },
);
