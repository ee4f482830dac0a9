// Vite build of the renderer (run by scripts/build.mjs): root is renderer/, output dist/renderer/.
// base './' makes every asset URL relative, so the same files load from file:// in Electron and
// from the `etlscope serve` HTTP server under any path.

import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// No node: imports here (the renderer/ layering rule): Vite provides import.meta.dirname when it
// loads this config, and resolves outDir against root.
const here = import.meta.dirname;

export default defineConfig({
  root: here,
  base: './',
  plugins: [react()],
  build: {
    outDir: '../dist/renderer',
    emptyOutDir: true,
    // echarts alone is ~600 kB minified even tree-shaken; the app is loaded locally, not over a network.
    chunkSizeWarningLimit: 1500,
    sourcemap: true,
  },
});
