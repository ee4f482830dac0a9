// Starts the real browser-mode server with the fake session (preview tooling): prints the URL.
// Run: npx tsx tests/e2e/preview/serve-fake.ts

import { stat } from 'node:fs/promises';
import path from 'node:path';
import { startServer } from '../../../electron/server/index.js';
import { createFakeSession } from './fake-session.js';

const root = path.resolve(import.meta.dirname, '..', '..', '..');
const server = await startServer({
  staticDir: path.join(root, 'dist', 'renderer'),
  openSession: async (file, options) => {
    const size = (await stat(file)).size;
    if (size < 64) {
      throw Object.assign(
        new Error(`Not an ETL file: the header buffer at offset 0x0 is only ${size} bytes`),
        { code: 'bad-file', name: 'EtlFormatError' },
      );
    }
    options?.onProgress?.({
      phase: 'reading',
      bytesRead: size / 2,
      totalBytes: size,
      events: 1000,
      elapsedMs: 10,
    });
    return createFakeSession(path.basename(file), size);
  },
});
console.log(server.url);
