// The stacks area (a tab beside the pivot tables): WPA's stack presets under the shared range and
// filters, shown as a call tree (top-down, the default), bottom-up, a butterfly of one function
// (callers above, callees below) or a flame graph. Every view re-queries when the range, the
// filters, the node budget or the symbols version change (useQueryResult keys).
//
//   store (preset, mode, focus, maxNodes) + filters ──stackQuery──> useQueryResult(slot per view)
//        ──StackResult──> StackTreeTable (call tree, bottom-up, butterfly halves) | FlameGraph
//
// A trace recorded without stack walks says so in plain words instead of showing an empty tree.

import { useMemo, useState, type ReactNode } from 'react';
import type { StackResult, TraceSummary } from '../../shared/contract.js';
import { useQueryResult } from '../app/api.js';
import { formatCount, formatPercent } from '../format.js';
import { stackQuery } from '../state/queries.js';
import { stackTreeKey, type StackMode } from '../state/slices.js';
import { STACK_PRESETS, isStackPresetId, stackPreset, type StackPreset } from '../state/stack-presets.js';
import { useApp, useQueryInputs } from '../state/store.js';
import { FlameGraph } from './FlameGraph.js';
import { StackTreeTable } from './StackTreeTable.js';
import { ancestorPaths, heaviestPath, searchStacks } from './stack-tree.js';

/** Nodes for the flame graph: every frame wider than a pixel at 1920 px many times over. */
const FLAME_MAX_NODES = 20_000;
/** Functions the butterfly's picker lists (heaviest own time first). */
const PICKER_FUNCTIONS = 14;

const MODES: readonly { mode: StackMode; label: string; title: string }[] = [
  { mode: 'call-tree', label: 'Call tree', title: 'Top-down: from the thread start to where the time went' },
  {
    mode: 'bottom-up',
    label: 'Bottom-up',
    title: 'From the functions the time was spent in up through their callers',
  },
  {
    mode: 'butterfly',
    label: 'Butterfly',
    title: 'One function: who called it (above) and what it called (below)',
  },
  { mode: 'flame', label: 'Flame graph', title: 'The call tree as a picture: width = share of the weight' },
];

type QueryInputs = ReturnType<typeof useQueryInputs>;

export function noStacksReason(summary: TraceSummary, preset: StackPreset): string | undefined {
  if (!summary.recorded.stackWalk) {
    return 'This trace has no stacks: it was recorded without stack walking, so there is no call path to show. Record with stack walks (for example xperf -on PROC_THREAD+LOADER+PROFILE+DPC+INTERRUPT -stackwalk Profile+DPC+ISR, or WPR’s CPU usage profile) to see which functions called which.';
  }
  if ((summary.tableRows[preset.table] ?? 0) === 0) {
    return preset.table === 'cpuSampled'
      ? 'This trace has no CPU samples (SampledProfile events), so there are no sampled stacks for this preset. Try DPC/ISR Duration by Module, Function, Stack.'
      : 'This trace has no DPC/ISR events, so there are no DPC/ISR stacks.';
  }
  return undefined;
}

/** "Find function": every match heaviest first; Enter opens the next one (Shift+Enter the previous). */
function FindBox({ result, treeKey }: { result: StackResult | undefined; treeKey: string }) {
  const expandPaths = useApp((s) => s.expandStackPaths);
  const reveal = useApp((s) => s.revealStackPath);
  const [text, setText] = useState('');
  const [at, setAt] = useState(-1);
  const tree = result?.tree;
  const found = useMemo(() => (tree !== undefined ? searchStacks(tree, text) : undefined), [tree, text]);
  const go = (step: number) => {
    if (found === undefined || found.ordered.length === 0) {
      return;
    }
    const next = (((at + step) % found.ordered.length) + found.ordered.length) % found.ordered.length;
    const path = found.ordered[next]!;
    setAt(next);
    expandPaths(treeKey, ancestorPaths(path));
    reveal(treeKey, path);
  };
  const total = tree?.samples ?? 0;
  return (
    <span className="stack-find">
      <input
        type="search"
        placeholder="Find function…"
        value={text}
        onChange={(event) => {
          setText(event.target.value);
          setAt(-1);
        }}
        onKeyDown={(event) => {
          if (event.key === 'Enter') {
            event.preventDefault();
            event.stopPropagation();
            go(event.shiftKey ? -1 : 1);
          }
        }}
        aria-label="Find a function in the stacks (Enter: next match)"
        data-testid="stack-find"
      />
      {found !== undefined && text.trim() !== '' && (
        <span className="muted" data-testid="stack-find-status">
          {found.matches === 0
            ? 'no match'
            : `${at >= 0 ? `${formatCount(at + 1)} of ` : ''}${formatCount(found.matches)} ${found.matches === 1 ? 'match' : 'matches'} · ${formatCount(found.samples)} (${formatPercent(total > 0 ? (found.samples / total) * 100 : 0)})${at < 0 ? ' · Enter: show' : ''}`}
        </span>
      )}
    </span>
  );
}

function Toolbar({
  preset,
  mode,
  onExpandHeaviest,
  children,
}: {
  preset: StackPreset;
  mode: StackMode;
  onExpandHeaviest?: () => void;
  children?: ReactNode;
}) {
  const setPreset = useApp((s) => s.setStackPreset);
  const setMode = useApp((s) => s.setStackMode);
  const collapse = useApp((s) => s.collapseStacks);
  const view = mode === 'bottom-up' ? 'bottom-up' : 'top-down';
  return (
    <div className="stack-toolbar">
      <select
        className="stack-preset"
        value={preset.id}
        onChange={(event) => isStackPresetId(event.target.value) && setPreset(event.target.value)}
        aria-label="Stack preset"
        title={preset.description}
        data-testid="stack-preset"
      >
        {STACK_PRESETS.map((p) => (
          <option key={p.id} value={p.id}>
            {p.title}
          </option>
        ))}
      </select>
      <span className="segmented" role="group" aria-label="Stack view">
        {MODES.map((m) => (
          <button
            type="button"
            key={m.mode}
            className={m.mode === mode ? 'segment active' : 'segment'}
            aria-pressed={m.mode === mode}
            onClick={() => setMode(m.mode)}
            title={m.title}
            data-testid={`stack-mode-${m.mode}`}
          >
            {m.label}
          </button>
        ))}
      </span>
      {(mode === 'call-tree' || mode === 'bottom-up') && onExpandHeaviest !== undefined && (
        <>
          <button
            type="button"
            className="button"
            onClick={onExpandHeaviest}
            title="Open the heaviest path from the top (* on a row: from that row)"
            data-testid="expand-heaviest"
          >
            Expand heaviest
          </button>
          <button
            type="button"
            className="button ghost"
            onClick={() => collapse(stackTreeKey(preset.id, view))}
          >
            Collapse
          </button>
        </>
      )}
      {children}
    </div>
  );
}

function TreeView({
  inputs,
  preset,
  mode,
}: {
  inputs: QueryInputs;
  preset: StackPreset;
  mode: 'call-tree' | 'bottom-up';
}) {
  const maxNodes = useApp((s) => s.stackMaxNodes);
  const expandPaths = useApp((s) => s.expandStackPaths);
  const reveal = useApp((s) => s.revealStackPath);
  const view = mode === 'bottom-up' ? 'bottom-up' : 'top-down';
  const query = stackQuery(inputs, preset.id, { view, maxNodes });
  const { result, loading, error } = useQueryResult(`stacks-${view}`, inputs.traceId, query);
  const key = stackTreeKey(preset.id, view);
  const expandHeaviest = () => {
    if (result !== undefined) {
      const paths = heaviestPath(result.tree);
      expandPaths(key, paths);
      if (paths.length > 0) {
        reveal(key, paths[paths.length - 1]!);
      }
    }
  };
  return (
    <StackFrame
      preset={preset}
      mode={mode}
      result={result}
      error={error?.message}
      onExpandHeaviest={expandHeaviest}
      tools={<FindBox result={result} treeKey={key} />}
    >
      <StackTreeTable
        key={key}
        treeKey={key}
        result={result}
        loading={loading}
        preset={preset}
        testId="stack-tree-main"
      />
    </StackFrame>
  );
}

/** One line at the toolbar's end: what the rows are (the whole sentence in the tooltip when cut). */
function StackDescription({
  preset,
  result,
  allWithoutStack,
}: {
  preset: StackPreset;
  result: StackResult | undefined;
  allWithoutStack: boolean;
}) {
  const text = `${preset.description}${
    result !== undefined && result.rowsWithoutStack > 0 && !allWithoutStack
      ? ` ${formatCount(result.rowsWithoutStack)} ${result.rowsWithoutStack === 1 ? 'row has' : 'rows have'} no stack (under <no stack>).`
      : ''
  }`;
  return (
    <span className="stack-description muted" title={text}>
      {text}
    </span>
  );
}

function StackFrame({
  preset,
  mode,
  result,
  error,
  onExpandHeaviest,
  tools,
  children,
}: {
  preset: StackPreset;
  mode: StackMode;
  result: StackResult | undefined;
  error: string | undefined;
  onExpandHeaviest?: () => void;
  /** Extra toolbar controls (the tree's Find box). */
  tools?: ReactNode;
  children: ReactNode;
}) {
  const allWithoutStack =
    result !== undefined && result.tree.samples > 0 && result.rowsWithoutStack === result.tree.samples;
  return (
    <div className="stack-panel" data-testid="stack-panel" data-preset={preset.id} data-mode={mode}>
      <Toolbar preset={preset} mode={mode} {...(onExpandHeaviest !== undefined ? { onExpandHeaviest } : {})}>
        {tools}
        <StackDescription preset={preset} result={result} allWithoutStack={allWithoutStack} />
      </Toolbar>
      {allWithoutStack && (
        <div className="notice warning" data-testid="stack-none-walked">
          None of these {preset.table === 'dpcIsr' ? 'DPC/ISR events' : 'samples'} has a stack walk of its
          own, so they all sit under &lt;no stack&gt;.
          {preset.table === 'dpcIsr'
            ? ' Stack walks of DPCs and ISRs need -stackwalk DPC+ISR when recording.'
            : ''}
        </div>
      )}
      {error !== undefined && <div className="notice error">Could not compute the stacks: {error}</div>}
      {children}
    </div>
  );
}

function FlameView({ inputs, preset }: { inputs: QueryInputs; preset: StackPreset }) {
  const maxNodes = useApp((s) => s.stackMaxNodes);
  const query = stackQuery(inputs, preset.id, {
    view: 'top-down',
    maxNodes: Math.max(maxNodes, FLAME_MAX_NODES),
  });
  const { result, loading, error } = useQueryResult('stacks-flame', inputs.traceId, query);
  return (
    <StackFrame preset={preset} mode="flame" result={result} error={error?.message}>
      <FlameGraph result={result} loading={loading} preset={preset} />
    </StackFrame>
  );
}

function FunctionPicker({ inputs, preset }: { inputs: QueryInputs; preset: StackPreset }) {
  const setFocus = useApp((s) => s.setStackFocus);
  const query = stackQuery(inputs, preset.id, {
    view: 'bottom-up',
    maxNodes: PICKER_FUNCTIONS * 4,
    maxDepth: 1,
    groupBy: [],
  });
  const { result, loading } = useQueryResult('stacks-picker', inputs.traceId, query);
  const total = result?.tree.weightMs ?? 0;
  const functions = (result?.tree.children ?? [])
    .filter((n) => n.kind === 'frame')
    .slice(0, PICKER_FUNCTIONS);
  return (
    <div className="butterfly-picker" data-testid="butterfly-picker">
      <p>
        Pick a function: right-click a frame in the call tree, bottom-up or flame graph and choose Butterfly,
        or start from one of the functions the time was spent in:
      </p>
      {result === undefined && loading && <div className="muted">Computing…</div>}
      <div className="picker-list">
        {functions.map((node) => (
          <button
            type="button"
            key={node.name}
            className="picker-item"
            onClick={() => setFocus(node.name)}
            data-testid="picker-function"
            data-name={node.name}
          >
            <span className="picker-name">{node.name}</span>
            <span className="muted">{formatPercent(total > 0 ? (node.weightMs / total) * 100 : 0)}</span>
          </button>
        ))}
      </div>
    </div>
  );
}

function ButterflyView({ inputs, preset }: { inputs: QueryInputs; preset: StackPreset }) {
  const focus = useApp((s) => s.stackFocus);
  const setFocus = useApp((s) => s.setStackFocus);
  const maxNodes = useApp((s) => s.stackMaxNodes);
  const half = (view: 'callers' | 'callees') =>
    focus === undefined ? undefined : stackQuery(inputs, preset.id, { view, focus, maxNodes, groupBy: [] });
  const callers = useQueryResult('stacks-callers', inputs.traceId, half('callers'));
  const callees = useQueryResult('stacks-callees', inputs.traceId, half('callees'));
  // The whole view's weight, so both halves say "% of view" like the call tree.
  const whole = useQueryResult(
    'stacks-whole',
    inputs.traceId,
    stackQuery(inputs, preset.id, { view: 'top-down', maxNodes: 1, maxDepth: 1, groupBy: [] }),
  );
  const viewWeight = whole.result?.tree.weightMs;
  // Callers open along their heaviest chain (up to the thread start): the usual question is "from where".
  const callersTree = callers.result?.tree;
  const callersOpen = useMemo(
    () =>
      callersTree !== undefined && focus !== undefined
        ? [focus, ...heaviestPath(callersTree, focus)]
        : [focus ?? ''],
    [callersTree, focus],
  );
  const error = callers.error?.message ?? callees.error?.message;
  return (
    <StackFrame preset={preset} mode="butterfly" result={callers.result} error={error}>
      {focus === undefined ? (
        <FunctionPicker inputs={inputs} preset={preset} />
      ) : (
        <div className="butterfly" data-testid="butterfly" data-focus={focus}>
          <div className="butterfly-head">
            Butterfly of <b data-testid="butterfly-focus">{focus}</b>
            {callers.result !== undefined && (
              <span className="muted">
                {' '}
                · in {formatCount(callers.result.tree.samples)}{' '}
                {preset.table === 'dpcIsr' ? 'events' : 'samples'}
                {viewWeight !== undefined && viewWeight > 0
                  ? ` (${formatPercent((callers.result.tree.weightMs / viewWeight) * 100)} of the view)`
                  : ''}
              </span>
            )}
            <button type="button" className="button ghost" onClick={() => setFocus(undefined)}>
              Pick another function
            </button>
          </div>
          <div className="butterfly-halves">
            <StackTreeTable
              key={`${stackTreeKey(preset.id, 'callers')}:${focus}`}
              treeKey={stackTreeKey(preset.id, 'callers')}
              result={callers.result}
              loading={callers.loading}
              preset={preset}
              title="Callers — who called it, nearest caller first"
              keyLabel="Function › callers"
              totalLabel="Through this function"
              defaultExpanded={callersOpen}
              {...(viewWeight !== undefined ? { viewWeightMs: viewWeight } : {})}
              testId="stack-tree-callers"
              emptyText="No stack in the range and filters contains this function."
            />
            <StackTreeTable
              key={`${stackTreeKey(preset.id, 'callees')}:${focus}`}
              treeKey={stackTreeKey(preset.id, 'callees')}
              result={callees.result}
              loading={callees.loading}
              preset={preset}
              title="Callees — what it called"
              keyLabel="Function › callees"
              totalLabel="Through this function"
              defaultExpanded={[focus]}
              {...(viewWeight !== undefined ? { viewWeightMs: viewWeight } : {})}
              testId="stack-tree-callees"
              emptyText="No stack in the range and filters contains this function."
            />
          </div>
        </div>
      )}
    </StackFrame>
  );
}

export function StackPanel() {
  const inputs = useQueryInputs();
  const presetId = useApp((s) => s.stackPreset);
  const mode = useApp((s) => s.stackMode);
  const preset = stackPreset(presetId);
  const summary = inputs.summary!;
  const reason = noStacksReason(summary, preset);
  if (reason !== undefined) {
    return (
      <div className="stack-panel" data-testid="stack-panel" data-preset={preset.id} data-mode={mode}>
        <Toolbar preset={preset} mode={mode} />
        <div className="stack-none" data-testid="stack-none">
          {reason}
        </div>
      </div>
    );
  }
  switch (mode) {
    case 'flame':
      return <FlameView inputs={inputs} preset={preset} />;
    case 'butterfly':
      return <ButterflyView inputs={inputs} preset={preset} />;
    default:
      return <TreeView key={mode} inputs={inputs} preset={preset} mode={mode} />;
  }
}
