// Load Symbols (WPA's Trace > Load Symbols): the top-bar status button and the dialog it opens.
//
//   button "Symbols: 16 of 18 PDBs" ──click / menu 'load-symbols'──> dialog
//   dialog: symbol path (_NT_SYMBOL_PATH syntax, saved as an app setting) + "Microsoft public symbol
//           server" (off unless ticked) ──Load──> actions.loadSymbols ──progress──> bar, current PDB
//           ──answer──> per-PDB result (loaded N symbols from X / not found / mismatch / error) and
//           the effective path searched; Cancel stops the load (what loaded is kept)
//
// The dialog closes on Escape, on a click outside it and on Close; a load keeps running when it
// closes (the button shows its progress).

import { useEffect, useRef, useState } from 'react';
import { MICROSOFT_SYMBOL_SERVER_URL, type ModuleSymbols, type SymbolStatus } from '../../shared/contract.js';
import { cancelSymbolLoad, loadSymbols } from '../app/actions.js';
import { formatBytes, formatCount } from '../format.js';
import type { SymbolLoadState } from '../state/slices.js';
import { useApp } from '../state/store.js';

/** The button's words for the current load. */
export function symbolStatusText(load: SymbolLoadState): string {
  if (load.status === 'loading') {
    const p = load.progress;
    return p !== undefined && p.filesTotal > 0
      ? `Symbols: ${formatCount(p.filesDone)} of ${formatCount(p.filesTotal)}…`
      : 'Symbols: looking…';
  }
  if (load.status === 'failed') {
    return load.error?.code === 'cancelled' ? 'Symbols: cancelled' : 'Symbols: failed';
  }
  const r = load.result;
  if (r === undefined) {
    return 'Load Symbols…';
  }
  if (r.modules.length === 0) {
    return 'Symbols: no PDBs named';
  }
  return `Symbols: ${formatCount(r.loaded)} of ${formatCount(r.modules.length)} PDBs${r.cancelled ? ' (cancelled)' : ''}`;
}

export function SymbolStatusButton() {
  const load = useApp((s) => s.symbolLoad);
  const open = useApp((s) => s.openSymbolsDialog);
  const partial = load.result !== undefined && load.result.loaded < load.result.modules.length;
  return (
    <button
      type="button"
      className={`button symbols-button${load.status === 'loading' ? ' loading' : ''}${partial ? ' partial' : ''}`}
      onClick={open}
      title="Load Symbols… — function names from PDB files and symbol servers (Trace > Load Symbols)"
      data-testid="symbols-button"
      data-status={load.status}
    >
      {load.status === 'loading' && <span className="spinner" aria-hidden="true" />}
      {symbolStatusText(load)}
    </button>
  );
}

const STATUS_WORDS: Readonly<Record<SymbolStatus, string>> = {
  loaded: 'loaded',
  'not-found': 'not found',
  mismatch: 'mismatch',
  error: 'error',
  cancelled: 'cancelled',
};

/** Failures first (what needs attention), then not found, then loaded; by PDB name within each. */
const STATUS_ORDER: Readonly<Record<SymbolStatus, number>> = {
  mismatch: 0,
  error: 1,
  cancelled: 2,
  'not-found': 3,
  loaded: 4,
};

function sortedModules(modules: readonly ModuleSymbols[]): ModuleSymbols[] {
  return [...modules].sort(
    (a, b) => STATUS_ORDER[a.status] - STATUS_ORDER[b.status] || a.pdb.localeCompare(b.pdb),
  );
}

function ModuleLine({ m }: { m: ModuleSymbols }) {
  const what =
    m.status === 'loaded'
      ? `${formatCount(m.symbols)} symbols${m.format !== undefined ? ` (${m.format})` : ''} from ${m.origin ?? 'the symbol path'}`
      : m.message;
  return (
    <tr
      className={`symbol-row status-${m.status}`}
      data-testid="symbol-row"
      data-pdb={m.pdb}
      data-status={m.status}
    >
      <td>
        <span className={`status-pill status-${m.status}`}>{STATUS_WORDS[m.status]}</span>
      </td>
      <td className="symbol-pdb" title={`${m.guid} age ${m.age}`}>
        {m.pdb}
      </td>
      <td className="symbol-modules" title={m.modules.join(', ')}>
        {m.modules.join(', ')}
      </td>
      <td className="symbol-what" title={what}>
        {what}
      </td>
    </tr>
  );
}

export function SymbolsDialog() {
  const open = useApp((s) => s.symbolsDialogOpen);
  if (!open) {
    return null;
  }
  return <SymbolsDialogBody />;
}

function SymbolsDialogBody() {
  const setting = useApp((s) => s.symbolSetting);
  const setSetting = useApp((s) => s.setSymbolSetting);
  const close = useApp((s) => s.closeSymbolsDialog);
  const load = useApp((s) => s.symbolLoad);
  const [path, setPath] = useState(setting.symbolPath);
  const [microsoft, setMicrosoft] = useState(setting.microsoftServer);
  const input = useRef<HTMLTextAreaElement>(null);

  useEffect(() => {
    input.current?.focus();
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape') {
        event.preventDefault();
        event.stopPropagation();
        close();
      }
    };
    // Capture: Escape here is the dialog's, not "clear the selection" behind it.
    globalThis.addEventListener('keydown', onKey, true);
    return () => globalThis.removeEventListener('keydown', onKey, true);
  }, [close]);

  const loading = load.status === 'loading';
  const progress = load.progress;
  const result = load.result;
  const fraction =
    progress !== undefined && progress.filesTotal > 0
      ? Math.min(1, progress.filesDone / progress.filesTotal)
      : 0;
  const start = () => {
    setSetting({ symbolPath: path, microsoftServer: microsoft });
    void loadSymbols();
  };

  return (
    <div
      className="modal-backdrop"
      data-testid="symbols-backdrop"
      onMouseDown={(event) => {
        if (event.target === event.currentTarget) {
          close();
        }
      }}
    >
      <div
        className="modal symbols-dialog"
        role="dialog"
        aria-modal="true"
        aria-labelledby="symbols-title"
        data-testid="symbols-dialog"
      >
        <div className="modal-head">
          <h2 id="symbols-title">Load Symbols</h2>
          <button
            type="button"
            className="button ghost"
            onClick={close}
            aria-label="Close"
            data-testid="symbols-close"
          >
            ×
          </button>
        </div>
        <label className="field-label" htmlFor="symbol-path">
          Symbol path
        </label>
        <textarea
          id="symbol-path"
          ref={input}
          className="symbol-path-input"
          rows={2}
          spellCheck={false}
          value={path}
          placeholder="srv*C:\SymCache*https://symbols.example.com/;D:\MyDriver\pdbs"
          onChange={(event) => setPath(event.target.value)}
          onKeyDown={(event) => {
            if (event.key === 'Enter' && (event.ctrlKey || event.metaKey) && !loading) {
              event.preventDefault();
              start();
            }
          }}
          data-testid="symbol-path"
        />
        <div className="field-hint">
          <code>_NT_SYMBOL_PATH</code> syntax: folders and symbol servers separated by <code>;</code>. The
          trace&rsquo;s own <code>&lt;trace&gt;.symbols</code> folder is always searched first.
          <ul>
            <li>
              <code>C:\Symbols</code> or <code>/home/me/pdbs</code> — a folder of .pdb / .sym files (flat or a
              symbol store)
            </li>
            <li>
              <code>srv*C:\SymCache*https://symbols.example.com/</code> — a symbol server, downloads cached in{' '}
              <code>C:\SymCache</code>
            </li>
            <li>
              <code>cache*C:\SymCache;srv*https://…</code> — the same, with the cache named first
            </li>
          </ul>
        </div>
        <label className="check-label">
          <input
            type="checkbox"
            checked={microsoft}
            onChange={(event) => setMicrosoft(event.target.checked)}
            data-testid="microsoft-server"
          />
          Microsoft public symbol server <span className="muted">({MICROSOFT_SYMBOL_SERVER_URL})</span>
        </label>
        <div className="field-hint">
          No server is contacted unless the path names one or this box is ticked. The path and the box are
          remembered for every trace.
        </div>
        <div className="modal-actions">
          <button
            type="button"
            className="button primary"
            onClick={start}
            disabled={loading}
            data-testid="symbols-load"
          >
            {result !== undefined || load.status === 'failed' ? 'Load again' : 'Load'}
          </button>
          {loading && (
            <button
              type="button"
              className="button"
              onClick={() => void cancelSymbolLoad()}
              data-testid="symbols-cancel"
            >
              Cancel
            </button>
          )}
          <button type="button" className="button ghost" onClick={close}>
            Close
          </button>
        </div>
        {loading && (
          <div className="symbols-progress" data-testid="symbols-progress">
            <div className="progress">
              <div
                className={fraction === 0 ? 'progress-fill indeterminate' : 'progress-fill'}
                style={fraction === 0 ? undefined : { width: `${(fraction * 100).toFixed(1)}%` }}
              />
            </div>
            <div className="symbols-progress-text">
              {progress === undefined
                ? 'Looking for the trace’s PDBs…'
                : `${formatCount(progress.filesDone)} of ${formatCount(progress.filesTotal)} PDBs · ${formatBytes(progress.bytesDownloaded)} downloaded`}
              {progress?.current !== undefined && (
                <>
                  {' · '}
                  <span data-testid="symbols-current">{progress.current}</span>
                </>
              )}
            </div>
          </div>
        )}
        {load.status === 'failed' && load.error !== undefined && (
          <div className="notice error" data-testid="symbols-error">
            {load.error.code === 'cancelled'
              ? 'The load was cancelled: the PDBs it had read are kept; Load again to finish.'
              : `Could not load symbols: ${load.error.message}`}
          </div>
        )}
        {result !== undefined && (
          <div className="symbols-result" data-testid="symbols-result">
            {load.status !== 'done' && <div className="muted">The last load that finished:</div>}
            <div className="symbols-summary" data-testid="symbols-summary">
              {result.modules.length === 0 ? (
                'The trace names no PDB files (no image identity events): there is nothing to load.'
              ) : (
                <>
                  Loaded <b>{formatCount(result.loaded)}</b> of {formatCount(result.modules.length)} PDBs (
                  {formatCount(result.modules.reduce((a, m) => a + m.symbols, 0))} symbols)
                  {result.notFound > 0 ? ` · ${formatCount(result.notFound)} not found` : ''}
                  {result.failed > 0 ? ` · ${formatCount(result.failed)} failed` : ''}
                  {result.cancelled ? ' · cancelled: the PDBs not yet read were skipped' : ''}
                </>
              )}
            </div>
            <div className="symbols-searched" data-testid="symbols-searched">
              <span className="muted">Searched:</span> <code>{result.symbolPath || '(nothing)'}</code>
            </div>
            {result.problems.length > 0 && (
              <ul className="symbols-problems" data-testid="symbols-problems">
                {result.problems.map((problem) => (
                  <li key={problem}>{problem}</li>
                ))}
              </ul>
            )}
            {result.modules.length > 0 && (
              <div className="symbols-table-wrap">
                <table className="symbols-table">
                  <thead>
                    <tr>
                      <th>Status</th>
                      <th>PDB</th>
                      <th>Modules</th>
                      <th>Symbols / why</th>
                    </tr>
                  </thead>
                  <tbody>
                    {sortedModules(result.modules).map((m) => (
                      <ModuleLine key={`${m.pdb}:${m.guid}:${m.age}`} m={m} />
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </div>
        )}
      </div>
    </div>
  );
}
