// Backend errors and their wire form. Handlers throw `BackendError` with one of the contract's
// WireError codes; anything else that escapes (a Node fs error, the engine's EtlFormatError, an
// AbortError) is mapped here to a code the renderer understands. Error objects never cross the
// boundary: transports send `toBackendWireError(e)` (name, message, code — no stack).

import type { WireError } from '../../shared/contract.js';

export type WireErrorCode = NonNullable<WireError['code']>;

const WIRE_CODES: readonly WireErrorCode[] = [
  'cancelled',
  'not-found',
  'bad-request',
  'bad-file',
  'internal',
];

export class BackendError extends Error {
  override readonly name = 'BackendError';
  constructor(
    readonly code: WireErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export const badRequest = (message: string): BackendError => new BackendError('bad-request', message);
export const cancelled = (message = 'cancelled'): BackendError => new BackendError('cancelled', message);

/** Node's errno codes for "the file is not there / not readable", said in plain words. */
const FS_CODES: Readonly<Record<string, { code: WireErrorCode; words: string }>> = {
  ENOENT: { code: 'not-found', words: 'the file does not exist' },
  ENOTDIR: { code: 'not-found', words: 'a folder in the path does not exist' },
  EACCES: { code: 'bad-request', words: 'permission denied' },
  EPERM: { code: 'bad-request', words: 'permission denied' },
  EISDIR: { code: 'bad-request', words: 'it is a folder, not a file' },
};

/** Maps any thrown value to a WireError with one of the contract's codes. */
export function toBackendWireError(error: unknown): WireError {
  if (typeof error !== 'object' || error === null) {
    return { name: 'Error', message: String(error), code: 'internal' };
  }
  const e = error as { name?: unknown; message?: unknown; code?: unknown; path?: unknown };
  const name = typeof e.name === 'string' ? e.name : 'Error';
  const message = typeof e.message === 'string' ? e.message : String(error);
  const code = typeof e.code === 'string' ? e.code : undefined;
  if (code !== undefined && (WIRE_CODES as readonly string[]).includes(code)) {
    return { name, message, code: code as WireErrorCode };
  }
  if (name === 'AbortError') {
    return { name, message, code: 'cancelled' };
  }
  if (name === 'EtlFormatError') {
    return { name, message, code: 'bad-file' };
  }
  const fsCode = code !== undefined ? FS_CODES[code] : undefined;
  if (fsCode !== undefined) {
    const where = typeof e.path === 'string' ? `${e.path}: ` : '';
    return { name, message: `${where}${fsCode.words}`, code: fsCode.code };
  }
  return { name, message, code: 'internal' };
}
