// The images of a writer scenario, built once for every scenario: the call edges of an image's
// source are the union of what all built-in scenarios' stacks need (plus the given spec's), so
// ndis.sys is the same binary — the same GUID — in backupServer, deepIdle12Core and scale.
//
//   ScenarioSpec.drivers ──buildDrivers(calls = ∪ stackCallEdges)──> BuiltImage[] ──> simulate({ binaries })

import { SCENARIOS } from '../writer/scenarios.js';
import type { ScenarioSpec } from '../writer/simulate.js';
import { stackCallEdges } from '../writer/stacks.js';
import { buildDrivers, type BuildOptions, type BuiltImage, type CallEdge } from './build.js';

/** Call edges of every built-in scenario and of `spec`, without duplicates, in a stable order. */
export function scenarioCallEdges(spec?: ScenarioSpec): CallEdge[] {
  const specs = [...Object.values(SCENARIOS), ...(spec !== undefined ? [spec] : [])];
  const seen = new Set<string>();
  const out: CallEdge[] = [];
  for (const s of specs)
    for (const e of stackCallEdges(s.stacks)) {
      const k = `${e.caller}>${e.callee}`;
      if (seen.has(k)) continue;
      seen.add(k);
      out.push(e);
    }
  return out;
}

/** Builds (or takes from the cache) every image of a scenario: kernel images and user-mode DLLs. */
export function buildScenarioBinaries(
  spec: ScenarioSpec,
  options: Omit<BuildOptions, 'calls'>,
): BuiltImage[] {
  return buildDrivers(spec.drivers, { ...options, calls: scenarioCallEdges(spec) });
}
