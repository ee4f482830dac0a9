// File names that come from users (uploads) or go to them (export downloads, save dialogs):
// stripped to a bare, printable name, and the RFC 6266 header that carries one.

import type { ExportRequest } from '../../shared/contract.js';

/** Longest name we keep: every common filesystem caps a name at 255. */
const MAX_NAME_LENGTH = 255;

/** A file name safe for a temp file suffix and a Content-Disposition header. */
export function cleanFileName(name: string | null | undefined, fallback: string): string {
  const base = (name ?? '').split(/[\\/]/).pop() ?? '';
  // eslint-disable-next-line no-control-regex
  const cleaned = base
    .replace(/[\u0000-\u001f\u007f"]/g, '')
    .trim()
    .slice(0, MAX_NAME_LENGTH);
  return cleaned.length > 0 && cleaned !== '.' && cleaned !== '..' ? cleaned : fallback;
}

/** The download's file name: backup.etl → backup-dpc-durations.csv / backup-dpcIsr-pivot.csv. */
export function exportFileName(traceName: string, request: Pick<ExportRequest, 'what' | 'table'>): string {
  const stem = traceName.replace(/\.etl$/i, '');
  return cleanFileName(
    `${stem}-${request.what === 'rows' ? 'dpc-durations' : `${request.table}-pivot`}.csv`,
    'export.csv',
  );
}

/** RFC 6266: an ASCII fallback name plus the exact UTF-8 name. */
export function contentDisposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}
