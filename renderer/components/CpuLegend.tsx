// CPU legend and filter bar: click selects one CPU, ctrl/cmd-click toggles, shift-click selects a
// range (as in WPA); Filter to Selection / Filter Out Selection / Clear / Undo change the filters
// every graph and table share. Also lists the active filters in words.

import { columnLabel } from './column-labels.js';
import { useApp, useAppShallow } from '../state/store.js';
import { shownCpusOf } from '../state/filter-slice.js';
import { cpuColor } from '../charts/colors.js';
import type { FilterState } from '../state/slices.js';
import { formatUs } from '../format.js';

function describeFilters(filters: FilterState): string[] {
  const parts: string[] = [];
  if (filters.cpuFilter !== undefined) {
    parts.push(
      `${filters.cpuFilter.mode === 'include' ? 'Only' : 'Without'} CPU ${filters.cpuFilter.cpus.join(', ')}`,
    );
  }
  for (const [column, values] of Object.entries(filters.include)) {
    parts.push(`${columnLabel(column)} = ${values?.join(' | ')}`);
  }
  for (const [column, values] of Object.entries(filters.exclude)) {
    parts.push(`${columnLabel(column)} ≠ ${values?.join(', ')}`);
  }
  return parts;
}

export function CpuLegend() {
  const cpuCount = useApp((s) => s.summary?.cpuCount ?? 0);
  const theme = useApp((s) => s.theme);
  const selected = useAppShallow((s) => s.selectedCpus);
  const filters = useApp((s) => s.filters);
  const canUndo = useApp((s) => s.filterUndo.length > 0);
  const bucket = useApp((s) => s.bucketFilter);
  const clickCpu = useApp((s) => s.clickCpu);
  const filterTo = useApp((s) => s.filterToSelectedCpus);
  const filterOut = useApp((s) => s.filterOutSelectedCpus);
  const clear = useApp((s) => s.clearFilters);
  const undo = useApp((s) => s.undoFilter);
  const toggleBucket = useApp((s) => s.toggleBucketFilter);
  const shown = new Set(shownCpusOf(filters, cpuCount));
  const described = describeFilters(filters);
  return (
    <div className="cpu-bar">
      <div className="cpu-bar-title">CPUs</div>
      <div className="cpu-bar-hint">Click, Ctrl-click, Shift-click to select</div>
      <div
        className="cpu-legend"
        role="listbox"
        aria-label="CPUs"
        aria-multiselectable="true"
        data-testid="cpu-legend"
      >
        {Array.from({ length: cpuCount }, (_, cpu) => (
          <button
            type="button"
            key={cpu}
            role="option"
            aria-selected={selected.includes(cpu)}
            data-cpu={cpu}
            className={`cpu-chip${selected.includes(cpu) ? ' selected' : ''}${shown.has(cpu) ? '' : ' filtered-out'}`}
            title={`CPU ${cpu} — click to select, Ctrl-click to add, Shift-click for a range`}
            onClick={(event) =>
              clickCpu(cpu, { shift: event.shiftKey, ctrl: event.ctrlKey || event.metaKey })
            }
          >
            <span className="swatch" style={{ background: cpuColor(cpu, theme) }} />
            {cpu}
          </button>
        ))}
      </div>
      <div className="filter-actions">
        <button
          type="button"
          className="button"
          disabled={selected.length === 0}
          onClick={filterTo}
          data-testid="filter-to-selection"
        >
          Filter to Selection
        </button>
        <button
          type="button"
          className="button"
          disabled={selected.length === 0}
          onClick={filterOut}
          data-testid="filter-out-selection"
        >
          Filter Out Selection
        </button>
        <button
          type="button"
          className="button"
          disabled={described.length === 0}
          onClick={clear}
          data-testid="clear-filters"
        >
          Clear
        </button>
        <button
          type="button"
          className="button"
          disabled={!canUndo}
          onClick={undo}
          title="Undo the last filter (Ctrl+Z)"
          data-testid="undo-filter"
        >
          Undo
        </button>
      </div>
      <div className="active-filters" data-testid="active-filters">
        {described.map((text) => (
          <span key={text} className="filter-pill">
            {text}
          </span>
        ))}
        {bucket !== undefined && (
          <span className="filter-pill duration-pill">
            Duration {bucket.label}
            {bucket.maxNs === null ? ` (≥ ${formatUs(bucket.minNs / 1000)} µs)` : ''}
            <button
              type="button"
              className="pill-close"
              onClick={() => toggleBucket(bucket)}
              aria-label="Clear duration filter"
            >
              ×
            </button>
          </span>
        )}
      </div>
    </div>
  );
}
