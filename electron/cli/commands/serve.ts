// `etlscope serve [FILE] [--port N]`: the browser mode (the app's UI over a WebSocket on
// 127.0.0.1, a token in the URL). Builds dist/renderer first where `npm install` skipped it.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CliError, type CliCommand } from '../command.js';

/** How long Ctrl+C / SIGTERM waits for the server to close its sessions before exiting anyway. */
const SERVE_STOP_TIMEOUT_MS = 5000;

export const serveCommand: CliCommand = {
  name: 'serve',
  files: 'optional',
  flags: ['--port', '--workers', '--symbols', '--max-upload'],
  usage: `  etlscope serve [FILE] [--port N]            browser mode on http://127.0.0.1 (token in the URL)
      --max-upload SIZE                       largest trace a page may upload (e.g. 20G; default half
                                              the free space at the temp folder, at most 64G)`,
  async run(options, io) {
    const { startServer, defaultStaticDir } = await import('../../server/index.js');
    const { openTraceSession } = await import('../../worker/index.js');
    const file = options.file !== undefined ? path.resolve(options.file) : undefined;
    if (file !== undefined && !existsSync(file)) throw new CliError(`no such file: ${options.file}`);
    if (!existsSync(path.join(defaultStaticDir(), 'index.html'))) {
      // A fresh checkout whose `npm install` skipped the build (e.g. --ignore-scripts): build now.
      io.note('etlscope: building the user interface first (dist/renderer is missing)…');
      const { spawnSync } = await import('node:child_process');
      const root = repoRoot();
      const built = spawnSync(process.execPath, [path.join(root, 'scripts', 'build.mjs')], {
        stdio: 'inherit',
      });
      if (built.status !== 0)
        throw new CliError('could not build the user interface (node scripts/build.mjs failed)');
    }
    const server = await startServer({
      openSession: openTraceSession,
      ...(file !== undefined ? { file } : {}),
      ...(options.port !== undefined ? { port: options.port } : {}),
      ...(options.workers !== undefined ? { workers: options.workers } : {}),
      ...(options.symbols !== undefined ? { symbolPath: options.symbols } : {}),
      ...(options.maxUpload !== undefined ? { maxUploadBytes: options.maxUpload } : {}),
    });
    io.print(`etlscope is serving on ${server.url}`);
    io.print('Open that address in a browser (the token in it keeps other local users out). Ctrl+C stops.');
    const stop = () => {
      // close() removes the temp folder; if it hangs (a wedged worker), the process 'exit' hook
      // still removes it when the timer ends the process.
      setTimeout(() => process.exit(0), SERVE_STOP_TIMEOUT_MS).unref();
      void server.close().finally(() => process.exit(0));
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    await new Promise<never>(() => undefined);
  },
};

/** The checkout's root: two levels up from electron/cli/commands/ (source) or dist/node/ (bundle). */
export function repoRoot(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  return path.basename(here) === 'commands'
    ? path.resolve(here, '..', '..', '..')
    : path.resolve(here, '..', '..');
}
