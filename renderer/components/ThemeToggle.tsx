// Light/dark switch.

import { useApp } from '../state/store.js';

export function ThemeToggle() {
  const theme = useApp((s) => s.theme);
  const toggle = useApp((s) => s.toggleTheme);
  return (
    <button
      type="button"
      className="button ghost"
      onClick={toggle}
      title={theme === 'light' ? 'Dark theme' : 'Light theme'}
      aria-label="Switch light/dark theme"
      data-testid="theme-toggle"
    >
      {theme === 'light' ? '☾' : '☀'}
    </button>
  );
}
