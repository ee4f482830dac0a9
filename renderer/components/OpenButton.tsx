// "Open…": Electron's open dialog when the transport has one, else a hidden file input (browser).

import { useRef } from 'react';
import { openFile, showOpenDialog } from '../app/actions.js';

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
        accept=".etl"
        data-testid="file-input"
        hidden
        onChange={(event) => {
          const file = event.target.files?.[0];
          event.target.value = '';
          if (file !== undefined) {
            void openFile(file);
          }
        }}
      />
    </>
  );
}
