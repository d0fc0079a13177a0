import { describe, expect, it } from "vitest";
import { KNOWN_FINDINGS } from "../../sim/findings/index.ts";
import { allOracles } from "../../sim/oracles/index.ts";
import { runFleet } from "../../sim/orchestrator/fleet.ts";
import type { UniverseJob } from "../../sim/orchestrator/jobs.ts";
import { shippedScenarios } from "../../sim/scenario/registry.ts";
import { modelOracleDeps, modelSystem } from "../../sim/universe/modelSystem.ts";
import type { UniverseResult } from "../../sim/universe/result.ts";
import { runUniverse } from "../../sim/universe/run.ts";

/** Two seeds of every shipped scenario, one with a planted defect so verdicts vary too. */
const JOBS: UniverseJob[] = shippedScenarios().flatMap((scenario, i) => [
  { scenario, seed: 3 + i, defects: [] },
  { scenario, seed: 500 + i, defects: i % 2 === 0 ? ["arm-before-preview"] : [] },
]);

async function runInOrder(jobs: readonly UniverseJob[]): Promise<Map<string, UniverseResult>> {
  // One system and one oracle list shared by every universe, as a worker thread shares them.
  const system = modelSystem();
  const oracles = allOracles(modelOracleDeps);
  const out = new Map<string, UniverseResult>();
  for (const job of jobs) {
    const { result } = await runUniverse(job, { system, oracles, findings: KNOWN_FINDINGS });
    out.set(`${job.scenario.name}/${job.seed}/${job.defects.join(",")}`, result);
  }
  return out;
}

describe("a universe does not depend on what ran before it", () => {
  it("A then B equals B then A, per universe", async () => {
    const forward = await runInOrder(JOBS);
    const backward = await runInOrder([...JOBS].reverse());
    expect(forward.size).toBe(JOBS.length);
    for (const [key, result] of forward) expect(backward.get(key), key).toEqual(result);
  });

  it("a fleet over the jobs in any order reports the same universes", async () => {
    const fleet = (jobs: readonly UniverseJob[]) =>
      runFleet({ jobs, workers: 1, checkDeterminism: false, reporters: [], defects: [] });
    const a = await fleet(JOBS);
    const b = await fleet([...JOBS].reverse());
    expect(b.universes).toEqual(a.universes);
    expect(b.reached).toEqual(a.reached);
  });
});
