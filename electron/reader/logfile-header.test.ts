// Logfile header in both forms, rejection reasons, clock frequency by type and the origin rule.
import { describe, expect, it } from 'vitest';
import { clockFrequency, makeTraceClock, parseLogfileHeader } from './logfile-header.js';
import { logfileHeaderRecord } from './testing.js';

describe('parseLogfileHeader', () => {
  for (const P of [4, 8] as const) {
    it(`reads the ${P === 4 ? '32' : '64'}-bit form and the two names`, () => {
      const rec = logfileHeaderRecord({
        pointerSize: P,
        bufferSize: 65536,
        build: 18362,
        cpus: 12,
        perfFreq: 3_117_777,
        clockType: 1,
        cpuSpeedMHz: 2904,
        startTime: 132_000_000_000_000_000,
        bootTime: 131_999_000_000_000_000,
        headerTimestamp: 987654321,
        eventsLost: 3,
        buffersLost: 2,
        buffersWritten: 49,
        logFileMode: 0x04000000,
        loggerName: 'NT Kernel Logger',
        logFileName: 'C:\\trace.etl',
      });
      const h = parseLogfileHeader(rec, 0, rec.length);
      expect(typeof h).toBe('object');
      expect(h).toMatchObject({
        bufferSize: 65536,
        majorVersion: 10,
        minorVersion: 0,
        subVersion: 1,
        subMinorVersion: 5,
        build: 18362,
        numberOfProcessors: 12,
        pointerSize: P,
        eventsLost: 3,
        buffersLost: 2,
        buffersWritten: 49,
        logFileMode: 0x04000000,
        cpuSpeedMHz: 2904,
        perfFreq: 3_117_777,
        clockType: 1,
        startTime: 132_000_000_000_000_000,
        bootTime: 131_999_000_000_000_000,
        headerTimestamp: 987654321,
        timeZoneBiasMinutes: -60,
        loggerName: 'NT Kernel Logger',
        logFileName: 'C:\\trace.etl',
      });
    });
  }
  it('explains why a record is not a logfile header', () => {
    const rec = logfileHeaderRecord({ pointerSize: 8, bufferSize: 4096, headerTimestamp: 1 });
    const wrongType = rec.slice();
    wrongType[2] = 0x11;
    expect(parseLogfileHeader(wrongType, 0, rec.length)).toMatch(/not a SYSTEM trace header/);
    const wrongHook = rec.slice();
    wrongHook[6] = 5;
    expect(parseLogfileHeader(wrongHook, 0, rec.length)).toMatch(/hook 0x5/);
    expect(parseLogfileHeader(rec, 0, 0x100)).toMatch(/cut short/);
  });
});

describe('clock', () => {
  const base = { perfFreq: 2_000_000, cpuSpeedMHz: 3000 } as Parameters<typeof clockFrequency>[0];
  it('frequency by clock type', () => {
    expect(clockFrequency({ ...base, clockType: 1 }).frequency).toBe(2_000_000);
    expect(clockFrequency({ ...base, clockType: 0 }).frequency).toBe(2_000_000);
    expect(clockFrequency({ ...base, clockType: 2 }).frequency).toBe(10_000_000);
    expect(clockFrequency({ ...base, clockType: 3 }).frequency).toBe(3e9);
    expect(clockFrequency({ ...base, clockType: 1, perfFreq: 0 }).problem).toMatch(/PerfFreq is 0/);
    expect(clockFrequency({ ...base, clockType: 9 }).problem).toMatch(/unknown clock type 9/);
  });
  it('origin: header unless the first data event is more than 60 s later', () => {
    expect(makeTraceClock(1e7, 1000, 1000 + 60e7)).toMatchObject({
      originTicks: 1000,
      originKind: 'header',
      nsPerTick: 100,
    });
    expect(makeTraceClock(1e7, 1000, 1001 + 60e7)).toMatchObject({
      originTicks: 1001 + 60e7,
      originKind: 'first-event',
    });
    expect(makeTraceClock(1e7, 1000, undefined).originKind).toBe('header');
  });
});
