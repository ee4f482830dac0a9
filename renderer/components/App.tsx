// Top-level component: picks the screen from the trace status (start, loading, error, analysis),
// applies the theme, keeps the window title on the open file, accepts a dropped .etl anywhere
// (with the .pdb / .sym files that belong to it), hosts the Load Symbols dialog, and wires backend
// events (progress, menu commands, open requests) and keyboard shortcuts.

import { useEffect, useState, type DragEvent } from 'react';
import { api, useQueriesPending } from '../app/api.js';
import { handleBackendEvent, handleKeyDown, openFiles, setNotifier } from '../app/actions.js';
import { useApp } from '../state/store.js';
import { AnalysisScreen } from './AnalysisScreen.js';
import { LoadErrorScreen } from './LoadErrorScreen.js';
import { LoadingScreen } from './LoadingScreen.js';
import { StartScreen } from './StartScreen.js';
import { SymbolsDialog } from './SymbolsDialog.js';
import { Toasts, type Toast } from './Toasts.js';

/** How long a notification stays up: long enough to read a sentence. */
const TOAST_MS = 6000;

export function App() {
  const status = useApp((s) => s.traceStatus);
  const theme = useApp((s) => s.theme);
  const fileName = useApp((s) => s.summary?.fileName ?? s.loadingName);
  const [dragging, setDragging] = useState(false);
  const busy = useQueriesPending();
  const [toasts, setToasts] = useState<readonly Toast[]>([]);

  useEffect(() => {
    document.documentElement.dataset.theme = theme;
  }, [theme]);

  useEffect(() => {
    document.title = fileName !== undefined ? `${fileName} — etlscope` : 'etlscope';
  }, [fileName]);

  useEffect(() => {
    let nextId = 1;
    setNotifier((message, kind = 'info') => {
      const id = nextId++;
      setToasts((list) => [...list, { id, message, kind }]);
      setTimeout(() => setToasts((list) => list.filter((t) => t.id !== id)), TOAST_MS);
    });
    const unsubscribe = api().onEvent(handleBackendEvent);
    window.addEventListener('keydown', handleKeyDown);
    return () => {
      unsubscribe();
      window.removeEventListener('keydown', handleKeyDown);
    };
  }, []);

  const onDragOver = (event: DragEvent) => {
    if (event.dataTransfer.types.includes('Files')) {
      event.preventDefault();
      event.dataTransfer.dropEffect = 'copy';
      setDragging(true);
    }
  };
  const onDrop = (event: DragEvent) => {
    event.preventDefault();
    setDragging(false);
    const files = [...event.dataTransfer.files];
    if (files.length > 0) {
      void openFiles(files);
    }
  };

  return (
    <div
      className="app"
      data-busy={busy ? 'true' : 'false'}
      onDragOver={onDragOver}
      onDragLeave={(event) => {
        if (event.currentTarget === event.target) {
          setDragging(false);
        }
      }}
      onDrop={onDrop}
    >
      {status === 'empty' && <StartScreen />}
      {status === 'loading' && <LoadingScreen />}
      {status === 'failed' && <LoadErrorScreen />}
      {status === 'ready' && <AnalysisScreen />}
      {status === 'ready' && <SymbolsDialog />}
      {dragging && (
        <div className="drop-overlay" data-testid="drop-overlay">
          <div>Drop the .etl file (and its .pdb files, if you have them) to open it</div>
        </div>
      )}
      <Toasts toasts={toasts} />
    </div>
  );
}
