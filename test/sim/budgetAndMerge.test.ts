import { describe, expect, it } from "vitest";
import { InputError } from "../../sim/cli/InputError.ts";
import { KNOWN_FINDINGS } from "../../sim/findings/index.ts";
import { allOracles } from "../../sim/oracles/index.ts";
import { buildReport, toRecord } from "../../sim/orchestrator/fleet.ts";
import { mergeReports } from "../../sim/report/merge.ts";
import { findScenario, shippedScenarios } from "../../sim/scenario/registry.ts";
import { modelOracleDeps, modelSystem } from "../../sim/universe/modelSystem.ts";
import { runUniverse } from "../../sim/universe/run.ts";

const opts = {
  system: modelSystem(),
  oracles: allOracles(modelOracleDeps),
  findings: KNOWN_FINDINGS,
};
const trap = findScenario("trap", shippedScenarios());

describe("the store-call budget", () => {
  it("cuts a universe that runs too long and reports it as a violation, with its replay", async () => {
    const { result } = await runUniverse(
      { scenario: trap, seed: 3, defects: [] },
      { ...opts, callBudget: 100 },
    );
    expect(result.verdict).toBe("fail");
    expect(result.violations).toEqual([
      expect.objectContaining({
        oracle: "budget",
        code: "step_budget_exceeded",
        observed: expect.stringContaining("100"),
      }),
    ]);
    expect(toRecord({ scenario: trap, seed: 3, defects: [] }, result).replay).toContain(
      "--scenario trap --seed 3",
    );
  });

  it("leaves an ordinary universe alone", async () => {
    const { result } = await runUniverse({ scenario: trap, seed: 3, defects: [] }, opts);
    expect(result.verdict).toBe("pass");
  });
});

describe("merging shard reports", () => {
  const report = async (seeds: number[]) => {
    const recs = [];
    for (const seed of seeds) {
      const job = { scenario: trap, seed, defects: [] };
      recs.push(toRecord(job, (await runUniverse(job, opts)).result));
    }
    return buildReport(
      recs,
      new Map([["cluster.lock.acquire.before", seeds.length]]),
      [],
      10,
      false,
    );
  };

  it("unions the universes, sums coverage and recomputes the summary", async () => {
    const a = await report([1, 3]);
    const b = await report([2, 4]);
    const m = mergeReports([a, b]);
    expect(m.universes.map((u) => u.seed)).toEqual([1, 2, 3, 4]);
    expect(m.summary.universes).toBe(4);
    expect(m.reached).toEqual([["cluster.lock.acquire.before", 4]]);
    expect(m).toEqual(mergeReports([b, a]));
  });

  it("refuses shards whose copies of one universe diverged", async () => {
    const a = await report([1]);
    const b = structuredClone(a);
    (b.universes[0] as { traceHash: string }).traceHash = "0000000000000000";
    expect(() => mergeReports([a, b])).toThrow(InputError);
    expect(() => mergeReports([a, b])).toThrow(/diverged/);
  });
});
