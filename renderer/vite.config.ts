// Vite build of the renderer (run by scripts/build.mjs): root is renderer/, output dist/renderer/.
// base './' makes every asset URL relative, so the same files load from file:// in Electron and
// from the `etlscope serve` HTTP server under any path.

import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

const here = path.dirname(fileURLToPath(import.meta.url));

export default defineConfig({
  root: here,
  base: './',
  plugins: [react()],
  build: {
    outDir: path.resolve(here, '..', 'dist', 'renderer'),
    emptyOutDir: true,
    // echarts alone is ~600 kB minified even tree-shaken; the app is loaded locally, not over a network.
    chunkSizeWarningLimit: 1500,
    sourcemap: true,
  },
});
