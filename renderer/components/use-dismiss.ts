// One behaviour for every popup menu: while it is open, the next click anywhere or Escape closes it.
import { useEffect, useRef } from 'react';

export function useDismiss(open: boolean, close: () => void): void {
  // The latest close, so callers may pass an inline function without re-subscribing every render.
  const latest = useRef(close);
  latest.current = close;
  useEffect(() => {
    if (!open) {
      return;
    }
    const onClick = () => latest.current();
    const onKey = (event: KeyboardEvent) => event.key === 'Escape' && latest.current();
    globalThis.addEventListener('click', onClick);
    globalThis.addEventListener('keydown', onKey);
    return () => {
      globalThis.removeEventListener('click', onClick);
      globalThis.removeEventListener('keydown', onKey);
    };
  }, [open]);
}
