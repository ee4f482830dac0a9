// The errors the symbol layer throws, so that callers (the locator, the engine, the CLI) can tell
// "this file is not the one we want" from "this file is broken" from "the user cancelled" without
// parsing messages. Every message names the file or URL and what is wrong with it.
//
//   reader (breakpad.ts, sym-txt.ts, pdb/) ──throws──> SymbolFileError | SymbolMismatchError
//   server client (symbol-server.ts)       ──throws──> SymbolServerError | SymbolCancelledError
//   locate.ts catches them all and turns them into a per-identity status.

/** A symbol file that cannot be read: truncated, corrupt, not of the format it claims. */
export class SymbolFileError extends Error {
  override readonly name = 'SymbolFileError';
  constructor(
    readonly file: string,
    what: string,
  ) {
    super(`${file}: ${what}`);
  }
}

/** A well-formed symbol file of another build: its GUID/age (or name) is not the one wanted. */
export class SymbolMismatchError extends Error {
  override readonly name = 'SymbolMismatchError';
  /** Stable tag, so a reader that cannot import this class can still say "mismatch". */
  readonly code = 'ERR_SYMBOL_MISMATCH';
  constructor(
    readonly file: string,
    readonly wanted: string,
    readonly found: string,
  ) {
    super(`${file}: symbols of another build (file has ${found}, the trace wants ${wanted})`);
  }
}

/** A symbol server (or a file pointer it gave) that answered with something we cannot use. */
export class SymbolServerError extends Error {
  override readonly name = 'SymbolServerError';
  constructor(
    readonly url: string,
    what: string,
  ) {
    super(`${url}: ${what}`);
  }
}

/** The caller's AbortSignal fired. */
export class SymbolCancelledError extends Error {
  override readonly name = 'SymbolCancelledError';
  constructor(where: string) {
    super(`cancelled: ${where}`);
  }
}

/** True for a mismatch from any reader: our class, or an error tagged `code: 'ERR_SYMBOL_MISMATCH'`
 *  or named `SymbolMismatchError` (the injected PDB reader may define its own). */
export function isMismatchError(error: unknown): boolean {
  if (error instanceof SymbolMismatchError) return true;
  if (typeof error !== 'object' || error === null) return false;
  const tagged = error as { code?: unknown; name?: unknown };
  return tagged.code === 'ERR_SYMBOL_MISMATCH' || tagged.name === 'SymbolMismatchError';
}

/** The message of anything thrown, for notes (never `[object Object]`). */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
