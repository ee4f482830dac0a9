// Trace overview: OS build, CPUs, duration, logger, clock, what was recorded (and which views
// that leaves empty, in words), lost events/buffers, reader diagnostics and, for circular loggers,
// where the surviving data starts.

import type { RecordedData, TraceSummary } from '../../shared/contract.js';
import { formatDuration } from '../../shared/units.js';
import { formatBytes, formatCount, formatHex } from '../format.js';

const RECORDED_LABELS: Readonly<Record<keyof RecordedData, string>> = {
  contextSwitches: 'Context switches',
  compactContextSwitches: 'Compact context switches',
  dpc: 'DPCs',
  interrupts: 'Interrupts (ISRs)',
  sampledProfile: 'CPU samples',
  idleStates: 'Idle states',
  readyThread: 'Ready thread',
  processThread: 'Processes / threads',
  imageLoad: 'Drivers / images',
  stackWalk: 'Stacks',
};

/** One line of the most important facts (the analysis screen's info strip). */
export function TraceFacts({ summary }: { summary: TraceSummary }) {
  return (
    <div className="trace-facts" data-testid="trace-facts">
      <span title="Windows build">
        Windows {summary.osVersion} build {summary.build}
      </span>
      <span>{summary.cpuCount} CPUs</span>
      <span title="Length of the trace">{formatDuration(summary.durationNs)}</span>
      <span title="Logger">{summary.loggerName || 'unnamed logger'}</span>
      <span>{formatCount(summary.events)} events</span>
      <span>{formatBytes(summary.fileSize)}</span>
      <span title="Where CPU utilization comes from">
        CPU usage:{' '}
        {summary.utilizationSource === 'precise'
          ? 'precise (context switches)'
          : summary.utilizationSource === 'sampled'
            ? 'sampled (CPU samples)'
            : 'not recorded'}
      </span>
    </div>
  );
}

export function LostDataWarning({ summary }: { summary: TraceSummary }) {
  if (summary.eventsLost === 0 && summary.buffersLost === 0) {
    return null;
  }
  return (
    <div className="notice warning" data-testid="lost-warning">
      ⚠ The recording lost {formatCount(summary.eventsLost)} events and {formatCount(summary.buffersLost)}{' '}
      buffers; totals may be too low.
    </div>
  );
}

/** The time origin as people read it ("2024-03-12 17:30:00.000 UTC"). */
const originText = (summary: TraceSummary): string =>
  summary.startTimeUtc !== '' ? summary.startTimeUtc.replace('T', ' ').replace('Z', ' UTC') : 'unknown';

/**
 * Circular / in-memory loggers (the CKCL, crash-dump buffers): the reader's 'circular-logger'
 * diagnostic says the trace starts with the oldest surviving buffer and where time 0 is. Said
 * beside the trace facts, with the origin's wall-clock time, so nobody reads the first event as
 * the start of the story.
 */
export function CircularLoggerNotice({ summary }: { summary: TraceSummary }) {
  const note = summary.diagnostics.find((d) => d.code === 'circular-logger');
  if (note === undefined) {
    return null;
  }
  return (
    <div className="notice info" data-testid="circular-notice">
      ⟲ {note.message.charAt(0).toUpperCase() + note.message.slice(1)} Time 0 = {originText(summary)}.
    </div>
  );
}

/**
 * Problems the reader found in a trace that still opened (corrupt buffers, truncation): said once
 * on the analysis screen, with the first file offset, so nobody trusts a partial picture blindly.
 */
export function FileProblemsWarning({ summary }: { summary: TraceSummary }) {
  const problems = summary.diagnostics.filter((d) => d.severity !== 'info');
  if (problems.length === 0) {
    return null;
  }
  const first = problems[0];
  return (
    <div
      className={`notice ${problems.some((d) => d.severity === 'error') ? 'error' : 'warning'}`}
      data-testid="file-problems"
    >
      ⚠ {first.message.charAt(0).toUpperCase() + first.message.slice(1)}
      {first.fileOffset !== undefined && !/offset/i.test(first.message)
        ? ` (at offset ${formatHex(first.fileOffset)})`
        : ''}
      {problems.length > 1
        ? ` — and ${problems.length - 1} more problem${problems.length > 2 ? 's' : ''} (see Details)`
        : ''}
      . Everything that could be read is shown.
    </div>
  );
}

/**
 * `partial`: the header-only summary sent while loading (or before a failure): what was recorded,
 * the duration and the event counts are not known yet, so they are not shown as "✗ / 0".
 */
export function TraceOverview({ summary, partial = false }: { summary: TraceSummary; partial?: boolean }) {
  const recorded = Object.entries(summary.recorded) as [keyof RecordedData, boolean][];
  const topCounts = Object.entries(summary.counts)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 12);
  return (
    <div className="overview" data-testid="overview">
      <dl className="overview-grid">
        <dt>File</dt>
        <dd>
          {summary.fileName} ({formatBytes(summary.fileSize)})
        </dd>
        <dt>Windows</dt>
        <dd>
          {summary.osVersion} build {summary.build}, {summary.pointerSize * 8}-bit
        </dd>
        <dt>CPUs</dt>
        <dd>{summary.cpuCount}</dd>
        <dt>{summary.diagnostics.some((d) => d.code === 'circular-logger') ? 'Time 0' : 'Started'}</dt>
        <dd>{originText(summary)}</dd>
        {!partial && (
          <>
            <dt>Duration</dt>
            <dd>{formatDuration(summary.durationNs)}</dd>
          </>
        )}
        <dt>Logger</dt>
        <dd>{summary.loggerName || '(unnamed)'}</dd>
        <dt>Clock</dt>
        <dd>
          {summary.clockType}, {formatCount(summary.clockFrequencyHz)} Hz
        </dd>
        <dt>Contents</dt>
        <dd>
          {partial ? '' : `${formatCount(summary.events)} events in `}
          {formatCount(summary.buffers)} buffers
          {summary.compressedBuffers > 0 ? ` (${formatCount(summary.compressedBuffers)} compressed)` : ''}
        </dd>
      </dl>
      {!partial && (
        <div className="recorded">
          {recorded.map(([key, value]) => (
            <span key={key} className={value ? 'recorded-yes' : 'recorded-no'}>
              {value ? '✓' : '✗'} {RECORDED_LABELS[key]}
            </span>
          ))}
        </div>
      )}
      {summary.explanations.length > 0 && (
        <ul className="explanations">
          {summary.explanations.map((text) => (
            <li key={text}>{text}</li>
          ))}
        </ul>
      )}
      <LostDataWarning summary={summary} />
      {summary.diagnostics.length > 0 && (
        <ul className="diagnostics">
          {summary.diagnostics.map((d, i) => (
            <li key={i} className={`diag-${d.severity}`}>
              {d.message}
              {d.fileOffset !== undefined ? ` (at offset ${formatHex(d.fileOffset)})` : ''}
            </li>
          ))}
        </ul>
      )}
      {topCounts.length > 0 && (
        <table className="counts">
          <tbody>
            {topCounts.map(([kind, count]) => (
              <tr key={kind}>
                <td>{kind}</td>
                <td className="num">{formatCount(count)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
