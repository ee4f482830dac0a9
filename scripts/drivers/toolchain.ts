// The LLVM 14 tools the driver builder runs, found once per process: the compiler and linker that
// make the images (clang-14, lld-link-14) and the independent tools that read them back
// (llvm-readobj, llvm-pdbutil, llvm-objdump). Each is looked up with its `-14` suffix first, then
// without (Debian installs both names). `run` executes one with a clear error naming the tool, its
// arguments and what it printed.
//
//   toolchainAvailable() ──> every tool found?      findToolchain() ──> paths + version strings
//   run(tool, args, cwd) ──> stdout (throws ToolchainError with the tool's stderr on failure)

import { execFileSync, spawnSync } from 'node:child_process';

/** What `.ci/run` must install for these tools (Debian package names). */
export const TOOLCHAIN_PACKAGES = 'clang-14 lld-14 llvm-14';

export type ToolName = 'clang' | 'lld-link' | 'llvm-readobj' | 'llvm-pdbutil' | 'llvm-objdump';

const CANDIDATES: Readonly<Record<ToolName, readonly string[]>> = {
  clang: ['clang-14'],
  'lld-link': ['lld-link-14'],
  'llvm-readobj': ['llvm-readobj-14', 'llvm-readobj'],
  'llvm-pdbutil': ['llvm-pdbutil-14', 'llvm-pdbutil'],
  'llvm-objdump': ['llvm-objdump-14', 'llvm-objdump'],
};

export interface Toolchain {
  paths: Readonly<Record<ToolName, string>>;
  /** First line of each tool's `--version` (part of the build cache key). */
  versions: Readonly<Record<ToolName, string>>;
}

export class ToolchainError extends Error {
  override name = 'ToolchainError';
}

/** Output of `tool --version`, or undefined when the tool cannot be started. */
function versionOf(command: string): string | undefined {
  const result = spawnSync(command, ['--version'], { encoding: 'utf8', timeout: 20_000 });
  if (result.error !== undefined || result.status !== 0) return undefined;
  const text = `${result.stdout}`.trim();
  // llvm-* tools print a blank first line and "Debian LLVM version …" after it.
  const line = text.split('\n').find((l) => /version/i.test(l)) ?? text.split('\n')[0] ?? '';
  return line.trim();
}

let cached: Toolchain | null | undefined;

/** The tools, or null when one is missing (cached for the process). */
function probe(): Toolchain | null {
  if (cached !== undefined) return cached;
  const paths: Partial<Record<ToolName, string>> = {};
  const versions: Partial<Record<ToolName, string>> = {};
  for (const tool of Object.keys(CANDIDATES) as ToolName[]) {
    for (const command of CANDIDATES[tool]) {
      const version = versionOf(command);
      if (version === undefined) continue;
      // The unsuffixed llvm-* names must still be version 14 (their output formats are what we parse).
      if (!command.endsWith('-14') && !/\b14\.\d/.test(version)) continue;
      paths[tool] = command;
      versions[tool] = version;
      break;
    }
    if (paths[tool] === undefined) {
      cached = null;
      return cached;
    }
  }
  cached = { paths: paths as Record<ToolName, string>, versions: versions as Record<ToolName, string> };
  return cached;
}

/** True when clang-14, lld-link-14, llvm-readobj, llvm-pdbutil and llvm-objdump (14) can all run. */
export function toolchainAvailable(): boolean {
  return probe() !== null;
}

/** The toolchain, or a ToolchainError saying which tool is missing and what to install. */
export function findToolchain(): Toolchain {
  const found = probe();
  if (found !== null) return found;
  const missing = (Object.keys(CANDIDATES) as ToolName[]).filter(
    (tool) => !CANDIDATES[tool].some((command) => versionOf(command) !== undefined),
  );
  throw new ToolchainError(
    `scripts/drivers: ${missing.length > 0 ? missing.map((t) => CANDIDATES[t][0]).join(', ') : 'an LLVM 14 tool'} ` +
      `not found; the driver images need them (apt-get install -y ${TOOLCHAIN_PACKAGES})`,
  );
}

/** Largest tool output we accept (an objdump of our biggest image is well under 4 MiB). */
const MAX_TOOL_OUTPUT = 64 * 1024 * 1024;

/** Runs one tool; returns its stdout. Throws a ToolchainError with the command line and stderr. */
export function run(toolchain: Toolchain, tool: ToolName, args: readonly string[], cwd: string): string {
  try {
    return execFileSync(toolchain.paths[tool], args, {
      cwd,
      encoding: 'utf8',
      maxBuffer: MAX_TOOL_OUTPUT,
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 120_000,
    });
  } catch (error) {
    const e = error as { stderr?: string; stdout?: string; message: string };
    const said = `${e.stderr ?? ''}${e.stdout ?? ''}`.trim().split('\n').slice(0, 12).join('\n');
    throw new ToolchainError(
      `scripts/drivers: ${toolchain.paths[tool]} ${args.join(' ')} failed in ${cwd}:\n${said || e.message}`,
    );
  }
}
