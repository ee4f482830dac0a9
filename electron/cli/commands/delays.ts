// `etlscope delays FILE --thread TID [--range] [--json]`: who delayed my thread — its ready
// intervals and, summed over them, the DPCs/ISRs by module and the other threads that ran on the
// CPU it was waiting for (engine: sched/queries.ts runThreadDelays).

import type { ThreadDelaysResult } from '../../../shared/contract.js';
import { traceCommand } from '../command.js';
import { fixed, integer, renderTable } from '../text-table.js';
import { schedFilter } from './threads.js';

export function formatDelays(r: ThreadDelaysResult, fileName: string): string {
  const who = r.threadName !== '' ? `${r.threadName} (TID ${r.threadId})` : `TID ${r.threadId}`;
  const lines = [`Who delayed ${who}${r.process !== '' ? ` of ${r.process}` : ''} — ${fileName}`, ''];
  if (r.readyIntervals === 0) {
    lines.push('The thread has no ready intervals in the selection (or never ran).');
    return lines.join('\n');
  }
  lines.push(
    `${integer(r.readyIntervals)} ready intervals, ${fixed(r.totalReadyNs / 1e6, 3)} ms ready in all.`,
    '',
    renderTable(
      [
        { title: 'Delayed by', align: 'left' },
        { title: 'Kind', align: 'left' },
        { title: 'Intervals', align: 'right' },
        { title: 'ms', align: 'right' },
        { title: '% of ready', align: 'right' },
      ],
      [
        ...r.byModule.map((m) => [
          m.module,
          'DPC/ISR',
          integer(m.intervals),
          fixed(m.ns / 1e6, 3),
          fixed((100 * m.ns) / r.totalReadyNs, 1),
        ]),
        ...r.byThread.map((t) => [
          `${t.process} ${t.threadName !== '' ? t.threadName + ' ' : ''}(TID ${t.threadId})`,
          'thread',
          integer(t.intervals),
          fixed(t.ns / 1e6, 3),
          fixed((100 * t.ns) / r.totalReadyNs, 1),
        ]),
        [
          '(dispatch, idle, other)',
          '',
          '',
          fixed(r.otherNs / 1e6, 3),
          fixed((100 * r.otherNs) / r.totalReadyNs, 1),
        ],
      ],
    ),
  );
  return lines.join('\n');
}

export const delaysCommand = traceCommand(
  {
    name: 'delays',
    files: 'one',
    flags: ['--thread', '--range', '--cpus', '--json', '--workers'],
    required: ['--thread'],
    usage: `  etlscope delays FILE --thread TID [options] who delayed my thread: DPCs/ISRs by module and threads
                                              that ran on its CPU while it was ready`,
  },
  async ({ session, options, fileName, io }) => {
    const result = await session.query({
      kind: 'threadDelays',
      threadId: options.thread!,
      filter: schedFilter(options),
    });
    io.print(options.json ? JSON.stringify(result, null, 2) : formatDelays(result, fileName));
  },
);
