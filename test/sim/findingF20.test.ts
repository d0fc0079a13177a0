import { describe, expect, it } from "vitest";
import { KNOWN_FINDINGS } from "../../sim/findings/index.ts";
import {
  schemaSidecarOutlivesDelete as F20,
  schemaSidecarOutlivedDelete,
} from "../../sim/findings/schemaSidecarOutlivesDelete.ts";
import { jobContext } from "../../sim/orchestrator/runJob.ts";
import { findScenario, shippedScenarios } from "../../sim/scenario/registry.ts";
import type { ScriptedScenario } from "../../sim/scenario/schema.ts";
import { runUniverse } from "../../sim/universe/run.ts";

const scenario = findScenario(
  "schema-sidecar-outlives-delete",
  shippedScenarios(),
) as ScriptedScenario;

describe("F20: a schema-apply sidecar that outlives its graph's delete", () => {
  it("is reproduced by its scenario and reported as known, not failing", async () => {
    const { result } = await runUniverse({ scenario, seed: 1, defects: [] }, jobContext());
    expect(result.verdict).toBe("pass");
    expect(result.violations).toEqual([]);
    expect(result.known.map((k) => `${k.finding} ${k.oracle}/${k.code}`)).toEqual([
      "F20-schema-sidecar-outlives-delete serve-liveness/remedy_not_converged",
    ]);
  });

  it("is what keeps that universe green: without the signature apply never converges", async () => {
    const others = KNOWN_FINDINGS.filter((f) => f !== F20);
    const { result } = await runUniverse(
      { scenario, seed: 1, defects: [] },
      { ...jobContext(), findings: others },
    );
    expect(result.violations.map((v) => `${v.oracle}/${v.code}`)).toEqual([
      "serve-liveness/remedy_not_converged",
    ]);
  });

  it("needs the interrupted cleanup: when the deleting apply completes, archive comes back", async () => {
    const steps = scenario.steps.map((s, i) => {
      if (i !== 4) return s;
      const { crash: _crash, expect: _expect, ...bare } = s as typeof s & { crash?: unknown };
      return bare as typeof s;
    });
    const { result } = await runUniverse(
      { scenario: { ...scenario, steps }, seed: 1, defects: [] },
      jobContext(),
    );
    expect(result.known).toEqual([]);
    // Only the script's own expectations of the crashed run differ.
    expect(new Set(result.violations.map((v) => v.oracle))).toEqual(new Set(["expectations"]));
  });

  it("matches only a graph whose root a stopped step deleted while the sidecar survived", async () => {
    const run = await runUniverse({ scenario, seed: 1, defects: [] }, jobContext());
    const u = run.universe;
    const input = u.judgeInput();
    const end = Number.POSITIVE_INFINITY;
    expect(schemaSidecarOutlivedDelete(input, "archive", end)).toBe(true);
    expect(schemaSidecarOutlivedDelete(input, "knowledge", end)).toBe(false);
    // Before the operator put archive back in the config, there is nothing to re-create.
    expect(schemaSidecarOutlivedDelete(input, "archive", 6)).toBe(false);
    const v = {
      oracle: "serve-liveness",
      code: "remedy_not_converged",
      step: -1,
      expected: "apply converges",
      observed:
        "not converged: apply_dependency_blocked@graph.archive: blocked by an unapplied or missing dependency (cluster_recovery_pending); apply_dependency_blocked@policy.base: blocked by an unapplied or missing dependency (cluster_recovery_pending)",
    };
    expect(F20.matches(v, input)).toBe(true);
    // Something else blocking too: not this finding alone.
    const other = `${v.observed}; schema_apply_failed@schema.archive: boom`;
    expect(F20.matches({ ...v, observed: other }, input)).toBe(false);
    // No delete of the root on record: the same symptom is not this finding.
    const events = input.events.map((e) =>
      e.t === "call" && e.step === "cluster.graph.delete_root" ? { ...e, step: "other" } : e,
    );
    expect(F20.matches(v, { ...input, events })).toBe(false);
  });
});
