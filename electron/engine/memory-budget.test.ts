// The fits-in-memory check on a real (writer) trace: refused with a message that says what it
// needs and what there is when the free memory or the configured cap is too small, accepted
// otherwise; the budget is a × size + b.
import { describe, expect, it } from 'vitest';
import { memoryByteSource, openEtl } from '../reader/index.js';
import { SCENARIOS } from '../../scripts/writer/scenarios.js';
import { simulate } from '../../scripts/writer/simulate.js';
import {
  BUDGET_BYTES_PER_FILE_BYTE,
  BUDGET_FIXED_BYTES,
  MEMORY_LIMIT_ENV,
  checkLoadFitsMemory,
  estimateLoadBytes,
  machineMemory,
  memoryBudgetBytes,
} from './memory-budget.js';
import { EngineError } from './query-common.js';

const { bytes } = simulate(SCENARIOS.audioWorkstation!, { seconds: 0.05, seed: 3 });
const trace = openEtl(memoryByteSource(bytes!, 'audio.etl'));

describe('memory budget', () => {
  it('is a × file size + b', () => {
    expect(memoryBudgetBytes(1e6)).toBe(BUDGET_BYTES_PER_FILE_BYTE * 1e6 + BUDGET_FIXED_BYTES);
  });

  it('estimates from the event bytes the reader will read', () => {
    const estimate = estimateLoadBytes(trace);
    expect(estimate).toBeGreaterThan(bytes!.length);
    expect(estimate).toBeLessThan(memoryBudgetBytes(bytes!.length));
  });

  it('refuses a load the free memory cannot hold, naming both figures', () => {
    const attempt = () => checkLoadFitsMemory(trace, 'audio.etl', { available: 50e6, total: 8e9 });
    expect(attempt).toThrow(EngineError);
    expect(attempt).toThrow(
      /audio\.etl needs about \d+ MB of memory to load .* this machine has 50 MB free of 8\.0 GB/,
    );
    try {
      attempt();
    } catch (error) {
      expect((error as EngineError).code).toBe('bad-file');
      expect((error as EngineError).name).toBe('TooLargeError');
    }
  });

  it('a configured cap wins over the free memory', () => {
    expect(() =>
      checkLoadFitsMemory(trace, 'audio.etl', { available: 64e9, total: 64e9, cap: 10e6 }),
    ).toThrow(new RegExp(`${MEMORY_LIMIT_ENV} allows 10 MB`));
    expect(() => checkLoadFitsMemory(trace, 'audio.etl', { available: 64e9, total: 64e9 })).not.toThrow();
  });

  it('reads the cap from the environment in MiB', () => {
    expect(machineMemory({ [MEMORY_LIMIT_ENV]: '512' }).cap).toBe(512 * 1024 * 1024);
    expect(machineMemory({}).cap).toBeUndefined();
    expect(machineMemory({ [MEMORY_LIMIT_ENV]: 'lots' }).cap).toBeUndefined();
  });
});
