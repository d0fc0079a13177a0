import { describe, expect, it } from "vitest";
import { KNOWN_FINDINGS } from "../../sim/findings/index.ts";
import { metadataOnlyStagingAmbiguity as F4 } from "../../sim/findings/metadataOnlyStagingAmbiguity.ts";
import { jobContext } from "../../sim/orchestrator/runJob.ts";
import { findScenario, shippedScenarios } from "../../sim/scenario/registry.ts";
import { runUniverse } from "../../sim/universe/run.ts";

const scenario = findScenario("metadata-only-staging", shippedScenarios());

describe("F4: an interrupted metadata-only schema apply (spec appendix A.4)", () => {
  it("is reproduced by its scenario and reported as known, not failing", async () => {
    const { result } = await runUniverse({ scenario, seed: 1, defects: [] }, jobContext());
    expect(result.verdict).toBe("pass");
    expect(result.known.map((k) => `${k.finding} ${k.oracle}/${k.code}`)).toEqual([
      "F4-metadata-only-staging-ambiguity crash-contract/graph_unopenable",
    ]);
  });

  it("is what keeps that universe green: without the signature the crash contract fails", async () => {
    const others = KNOWN_FINDINGS.filter((f) => f !== F4);
    const { result } = await runUniverse(
      { scenario, seed: 1, defects: [] },
      { ...jobContext(), findings: others },
    );
    expect(result.verdict).toBe("fail");
    expect(result.violations.map((v) => `${v.oracle}/${v.code}@${v.step}`)).toEqual([
      "crash-contract/graph_unopenable@1",
    ]);
  });

  it("matches only the ambiguity, with an interrupted schema apply behind it", async () => {
    const run = await runUniverse({ scenario, seed: 1, defects: [] }, jobContext());
    const u = run.universe;
    const input = {
      records: u.records,
      liveness: u.liveness,
      events: u.world.trace.events,
      sourcesByDigest: u.sourcesByDigest,
    };
    const v = {
      oracle: "crash-contract",
      code: "graph_unopenable",
      step: 1,
      expected: "'knowledge' opens",
      observed:
        "it no longer opens: found schema staging files but cannot disambiguate pre- vs post-commit crash",
    };
    expect(F4.matches(v, input)).toBe(true);
    expect(F4.matches({ ...v, observed: "it no longer opens: some other reason" }, input)).toBe(
      false,
    );
    expect(F4.matches({ ...v, oracle: "ledger-never-rolls-back" }, input)).toBe(false);
    // No interruption on record: the same symptom is not this finding.
    expect(F4.matches(v, { ...input, events: [] })).toBe(false);
  });
});
