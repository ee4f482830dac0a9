// Which trace a launch asks for, from a process argv (first launch) or the argv a second launch
// forwards to the running instance. Pure, so the rules are tested without Electron:
//   dev:       electron dist/electron/main.cjs [switches] trace.etl   → skip the app path
//   packaged:  etlscope [switches] trace.etl                           → first non-switch argument
// Chromium/Electron switches (--foo, --foo=bar, macOS -psn_…) are skipped; a relative path is
// resolved against the launching process's working directory.

import path from 'node:path';

export interface ArgvContext {
  /** app.isPackaged: in development argv[1] is the app's main script. */
  readonly isPackaged: boolean;
  /** The directory the launching process ran in (second-instance's workingDirectory). */
  readonly cwd: string;
  readonly pathApi?: Pick<typeof path, 'resolve'>;
}

export function fileFromArgv(argv: readonly string[], context: ArgvContext): string | undefined {
  const positional: string[] = [];
  let afterDoubleDash = false;
  for (const arg of argv.slice(1)) {
    if (!afterDoubleDash && arg === '--') {
      afterDoubleDash = true;
    } else if (afterDoubleDash || !arg.startsWith('-')) {
      positional.push(arg);
    }
  }
  const candidates = context.isPackaged ? positional : positional.slice(1);
  const file = candidates.find((arg) => arg.length > 0 && arg !== '.');
  return file === undefined ? undefined : (context.pathApi ?? path).resolve(context.cwd, file);
}
