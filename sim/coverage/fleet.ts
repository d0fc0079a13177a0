import { enumerate } from "../enumerate/enumerate.ts";
import { KNOWN_FINDINGS } from "../findings/index.ts";
import { allOracles } from "../oracles/index.ts";
import { allocateSeeds, planJobs } from "../orchestrator/jobs.ts";
import { jobContext, runJob } from "../orchestrator/runJob.ts";
import { shippedScenarios } from "../scenario/registry.ts";
import { modelOracleDeps, modelSystem } from "../universe/modelSystem.ts";
import type { UniverseResult } from "../universe/result.ts";
import { buildLedger, type CoverageLedger, type Firing } from "./ledger.ts";

/** The coverage fleet: every shipped scenario, these seeds. Fixed, so the ledger is reproducible. */
export const COVERAGE_SEEDS = { from: 1, count: 25 } as const;
export const COVERAGE_FILE = "docs/COVERAGE.md";

/**
 * The fleet counts what is reached; crash-state enumeration of every shipped scripted scenario
 * (seed 1) then fires every failpoint those universes reach, in both modes, and judges each.
 */
export async function runCoverageFleet(): Promise<CoverageLedger> {
  const scenarios = shippedScenarios();
  const jobs = planJobs(scenarios, allocateSeeds(COVERAGE_SEEDS.from, COVERAGE_SEEDS.count), []);
  const results: UniverseResult[] = [];
  const ctx = jobContext();
  for (const job of jobs) results.push(await runJob(job, false, ctx));
  const firings: Firing[] = [];
  const opts = {
    system: modelSystem(),
    oracles: allOracles(modelOracleDeps),
    findings: KNOWN_FINDINGS,
    defects: [],
    double: 0,
  };
  for (const scenario of scenarios.filter((s) => s.kind === "scripted")) {
    const e = await enumerate(scenario, 1, opts);
    for (const c of e.cases) {
      if (c.plan.failpoint && c.fired)
        firings.push({
          name: c.plan.failpoint.name,
          mode: c.plan.failpoint.mode,
          pass: c.verdict === "pass",
        });
    }
  }
  const last = COVERAGE_SEEDS.from + COVERAGE_SEEDS.count - 1;
  const fleet = `every shipped scenario, seeds ${COVERAGE_SEEDS.from}..${last}; firings from crash-state enumeration of every scripted scenario at seed 1`;
  return buildLedger(fleet, results, firings);
}
