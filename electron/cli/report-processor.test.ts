// `etlscope report` / `info` as a user runs them (child process): the per-module exclusive time
// (DPC/ISR time with the ISRs that interrupted DPCs taken out) against the writer's truth, and
// the processor line — the recorded name (SystemConfig PnP) round-trip from the writer and on the
// real traces, or what is recorded and that the name is not.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProcessorInfo } from '../../shared/contract.js';
import { SCENARIOS } from '../../scripts/writer/scenarios.js';
import { simulate, type ScenarioTruth } from '../../scripts/writer/simulate.js';
import { etlscope, etlscopeJson, sharedTraces } from './testing.js';

const NAME = 'Intel(R) Xeon(R) Gold 6248R CPU @ 3.00GHz';
let dir: string;
let audio: string;
let truth: ScenarioTruth;
let plain: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'etlscope-report-'));
  audio = path.join(dir, 'audio.etl');
  truth = simulate(SCENARIOS.audioWorkstation!, {
    path: audio,
    seconds: 1,
    systemConfig: { mhz: 2993, architecture: 9, level: 6, revision: 0x5507, processorName: NAME },
  }).truth;
  plain = path.join(dir, 'plain.etl');
  simulate(SCENARIOS.deepIdle12Core!, {
    path: plain,
    seconds: 0.5,
    systemConfig: { mhz: 2400, architecture: 12, level: 8, revision: 0 },
  });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface ReportJson {
  header: { cpuModel: string | null; processor: string; processorFacts: ProcessorInfo | null };
  dpc: { byModule: { rows: { module: string; totalMs: number; exclusiveMs: number }[] } };
}

describe('etlscope report: exclusive time per module', () => {
  it('--json and the text give each module its exclusive time, equal to the truth', () => {
    const r = etlscopeJson<ReportJson>('report', audio, '--json');
    const expected = new Map<string, number>();
    for (const t of truth.dpcIsr) expected.set(t.module, (expected.get(t.module) ?? 0) + t.exclusiveTotalNs);
    const got = new Map(r.dpc.byModule.rows.map((m) => [m.module, Math.round(m.exclusiveMs * 1e6)]));
    expect(got).toEqual(expected);
    // ISRs interrupt DPCs in this scenario: some module's exclusive time is below its total.
    expect(r.dpc.byModule.rows.some((m) => m.exclusiveMs < m.totalMs - 1e-6)).toBe(true);
    const text = etlscope('report', audio);
    expect(text.status).toBe(0);
    const usage = text.stdout.split('== DPC/ISR usage by module ==')[1]!.split('\n\n')[0]!;
    expect(usage).toContain('Excl. ms');
    const top = r.dpc.byModule.rows[0]!;
    expect(usage).toContain(top.exclusiveMs.toFixed(2));
    const csv = etlscope('dpc', audio, '--by', 'module', '--csv', '-');
    expect(csv.stdout).toContain('Exclusive (ms)');
  });
});

describe('the processor in report and info', () => {
  it('shows the name the trace records (writer round trip), with its facts', () => {
    const r = etlscopeJson<ReportJson>('report', audio, '--json');
    expect(r.header.cpuModel).toBe(NAME);
    expect(r.header.processorFacts).toEqual({
      name: NAME,
      mhz: 2993,
      architecture: 'x64',
      family: 6,
      model: 0x55,
      stepping: 7,
      processors: 8,
      source: 'systemConfig',
    });
    const text = etlscope('report', audio).stdout;
    expect(text).toContain(
      `Processor: ${NAME} (x64, family 6 model 85 stepping 7, 2,993 MHz nominal, 8 logical processors)`,
    );
    expect(etlscope('info', audio).stdout).toContain(`Processor:       ${NAME} (`);
  });

  it('says the name is not recorded when no processor device event is in the trace', () => {
    const r = etlscopeJson<ReportJson>('report', plain, '--json');
    expect(r.header.cpuModel).toBeNull();
    expect(r.header.processor).toBe(
      "ARM64, 2,400 MHz nominal, 12 logical processors; the processor's name is not recorded in this trace",
    );
  });

  const realCases: [string, string, number][] = [
    ['perfview-diaghub-kernel.etl', 'Intel(R) Xeon(R) CPU E5-2673 v4 @ 2.30GHz', 2295],
    ['perfview-net452-x64.etl', 'Intel(R) Core(TM) i7-4790 CPU @ 3.60GHz', 3592],
  ];
  for (const [file, name, mhz] of realCases)
    it.runIf(existsSync(path.join(sharedTraces, file)))(`reads the real name from ${file}`, () => {
      const info = etlscopeJson<{ processor: ProcessorInfo }>(
        'info',
        path.join(sharedTraces, file),
        '--json',
      );
      expect([info.processor.name, info.processor.mhz, info.processor.architecture]).toEqual([
        name,
        mhz,
        'x64',
      ]);
    });

  it.runIf(existsSync(path.join(sharedTraces, 'perfview-small.etl')))(
    'falls back to the header MHz on a trace without SystemConfig events',
    () => {
      const info = etlscopeJson<{ processor: ProcessorInfo }>(
        'info',
        path.join(sharedTraces, 'perfview-small.etl'),
        '--json',
      );
      expect(info.processor).toMatchObject({ name: null, architecture: null, source: 'header' });
      expect(info.processor.mhz).toBeGreaterThan(0);
    },
  );
});
