// Width of an element that may mount later (a view's box often exists only once its data or its
// mode is there): a callback ref, so the ResizeObserver attaches whenever the element appears and
// detaches when it goes.

import { useEffect, useState } from 'react';

/** [callback ref for the element, its content width in CSS pixels (0 until measured)]. */
export function useElementWidth(): [(element: HTMLDivElement | null) => void, number] {
  const [element, setElement] = useState<HTMLDivElement | null>(null);
  const [width, setWidth] = useState(0);
  useEffect(() => {
    if (element === null) return;
    const observer = new ResizeObserver((entries) => setWidth(entries[0]!.contentRect.width));
    observer.observe(element);
    return () => observer.disconnect();
  }, [element]);
  return [setElement, width];
}
