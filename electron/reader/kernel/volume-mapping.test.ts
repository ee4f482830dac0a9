// SysConfigEx volume mappings: decoded from the real perfview trace (which holds them), and the
// path mapper's rules (longest prefix, case-insensitive, untouched when nothing matches).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fileByteSource } from '../byte-source.js';
import { openEtl } from '../etl-trace.js';
import {
  decodeVolumeMapping,
  isVolumeMappingEvent,
  volumePathMapper,
  type VolumeMappingRecord,
} from './volume-mapping.js';

const traces =
  process.env.ETLSCOPE_TRACES ??
  path.resolve(import.meta.dirname, '..', '..', '..', '..', 'shared', 'traces');
const perfview = path.join(traces, 'perfview-net452-x64.etl');

describe('volume mappings', () => {
  it.runIf(existsSync(perfview))(
    'are decoded from perfview-net452-x64.etl (KernelTraceControl SysConfigEx/35)',
    () => {
      const trace = openEtl(fileByteSource(perfview));
      const found: VolumeMappingRecord[] = [];
      trace.forEachEvent((ev) => {
        if (isVolumeMappingEvent(ev)) found.push(decodeVolumeMapping(ev)!);
      });
      trace.close();
      expect(found).toContainEqual({ ntPath: '\\Device\\HarddiskVolume2\\', dosPath: 'C:\\' });
      expect(found).toContainEqual({ ntPath: '\\SystemRoot\\', dosPath: 'C:\\Windows\\' });
      expect(found).toContainEqual({ ntPath: '\\Device\\Mup\\', dosPath: '\\\\' });
      // Every event of the kind decodes (9 of them in this trace), none with an empty NT prefix.
      expect(found.length).toBe(9);
    },
  );

  it('maps the longest matching prefix, ignoring case, and leaves other paths alone', () => {
    const map = volumePathMapper([
      { ntPath: '\\Device\\HarddiskVolume2\\', dosPath: 'C:\\' },
      { ntPath: '\\Device\\HarddiskVolume20\\', dosPath: 'E:\\' },
      { ntPath: '\\SystemRoot\\', dosPath: 'C:\\Windows\\' },
      { ntPath: '\\??\\', dosPath: '' },
      { ntPath: '\\\\', dosPath: '\\\\' },
    ])!;
    expect(map('\\Device\\HarddiskVolume2\\Windows\\System32\\drivers\\ndis.sys')).toBe(
      'C:\\Windows\\System32\\drivers\\ndis.sys',
    );
    expect(map('\\Device\\HarddiskVolume20\\x.sys')).toBe('E:\\x.sys');
    expect(map('\\systemroot\\system32\\ntoskrnl.exe')).toBe('C:\\Windows\\system32\\ntoskrnl.exe');
    expect(map('\\??\\C:\\Windows\\a.dll')).toBe('C:\\Windows\\a.dll');
    expect(map('\\Device\\HarddiskVolume3\\y.sys')).toBe('\\Device\\HarddiskVolume3\\y.sys');
    expect(volumePathMapper([])).toBeUndefined();
    expect(volumePathMapper([{ ntPath: '\\\\', dosPath: '\\\\' }])).toBeUndefined();
  });
});
