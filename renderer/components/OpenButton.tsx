// "Open…": Electron's open dialog when the transport has one, else a hidden file input (browser)
// that takes the trace together with its .pdb / .sym files.

import { useRef } from 'react';
import { openFiles, showOpenDialog } from '../app/actions.js';

export function OpenButton({ label = 'Open…', primary = false }: { label?: string; primary?: boolean }) {
  const input = useRef<HTMLInputElement>(null);
  return (
    <>
      <button
        type="button"
        className={primary ? 'button primary' : 'button'}
        onClick={() => {
          void showOpenDialog().then((handled) => {
            if (!handled) {
              input.current?.click();
            }
          });
        }}
      >
        {label}
      </button>
      <input
        ref={input}
        type="file"
        accept=".etl,.pdb,.sym,.txt"
        multiple
        data-testid="file-input"
        hidden
        onChange={(event) => {
          const files = [...(event.target.files ?? [])];
          event.target.value = '';
          if (files.length > 0) {
            void openFiles(files);
          }
        }}
      />
    </>
  );
}
