import { describe, expect, it } from "vitest";
import { acceptedPolicyUnservable as F7 } from "../../sim/findings/acceptedPolicyUnservable.ts";
import { KNOWN_FINDINGS } from "../../sim/findings/index.ts";
import { legacyBindingsDemoted as F2 } from "../../sim/findings/legacyBindingsDemoted.ts";
import type { JudgeInput } from "../../sim/oracles/Oracle.ts";
import { jobContext } from "../../sim/orchestrator/runJob.ts";
import { findScenario, shippedScenarios } from "../../sim/scenario/registry.ts";
import type { Scenario, Step } from "../../sim/scenario/schema.ts";
import { policyText } from "../../sim/universe/desired.ts";
import type { StepRecord } from "../../sim/universe/records.ts";
import { runUniverse } from "../../sim/universe/run.ts";
import { sha256Hex } from "../../src/util/digest.ts";

const scenario = findScenario("policy-revert-held-back", shippedScenarios());

function run(s: Scenario = scenario, findings = KNOWN_FINDINGS) {
  return runUniverse({ scenario: s, seed: 1, defects: [] }, { ...jobContext(), findings });
}

function withSteps(steps: Step[]): Scenario {
  if (scenario.kind !== "scripted") throw new Error("scripted scenario expected");
  return { ...scenario, name: "policy-revert-held-back-variant", steps };
}

function inputOf(u: Awaited<ReturnType<typeof run>>["universe"]): JudgeInput {
  return u.judgeInput();
}

const known = (r: Awaited<ReturnType<typeof run>>["result"]) =>
  r.known.map((k) => `${k.finding} ${k.oracle}/${k.code}`);

describe("F7's liveness consequence: the bundle's revert is demoted behind a rejected schema change", () => {
  it("is reproduced by its scenario and reported as known, not failing", async () => {
    const { result } = await run();
    expect(result.verdict).toBe("pass");
    expect(known(result)).toEqual([
      "F7-accepted-policy-unservable serve-liveness/graph_never_ready",
    ]);
  });

  it("is what keeps that universe green: without F7 serve-liveness fails", async () => {
    const { result } = await run(
      scenario,
      KNOWN_FINDINGS.filter((f) => f !== F7),
    );
    expect(result.verdict).toBe("fail");
    expect(result.violations.map((v) => `${v.oracle}/${v.code}@${v.step}`)).toEqual([
      "serve-liveness/graph_never_ready@-1",
    ]);
  });

  it("matches only a quarantine over the held-back unloadable bundle", async () => {
    const { universe, result } = await run(scenario, []);
    const v = result.violations[0];
    if (v === undefined) throw new Error("expected the liveness violation");
    const input = inputOf(universe);
    expect(F7.matches(v, input)).toBe(true);
    // Not a legacy-ledger backfill: F2 no longer claims it.
    expect(F2.matches(v, input)).toBe(false);

    // The bundle the ledger binds loads after all: the model quarantined a good bundle.
    const unloadable = policyText(0, false, "scope-on-query");
    const loads = new Map(input.sourcesByDigest);
    loads.set(sha256Hex(unloadable), policyText(0));
    expect(F7.matches(v, { ...input, sourcesByDigest: loads })).toBe(false);

    // The last apply applied the revert (no demotion): the remedy was not refused.
    const records = input.records.map((r): StepRecord => {
      if (r.outcome.kind !== "apply") return r;
      const changes = r.outcome.view.changes.map((c) => {
        if (!c.resource.startsWith("policy.")) return c;
        const { reason: _reason, ...rest } = c;
        return { ...rest, disposition: "applied" };
      });
      return { ...r, outcome: { ...r.outcome, view: { ...r.outcome.view, changes } } };
    });
    expect(F7.matches(v, { ...input, records })).toBe(false);

    // Another oracle, or a liveness code this is not about.
    expect(F7.matches({ ...v, oracle: "accepted-means-servable" }, input)).toBe(false);
    expect(F7.matches({ ...v, code: "remedy_not_converged" }, input)).toBe(false);
  });

  it("bound to every graph, the held-back bundle refuses boot (no graph opens)", async () => {
    const steps: Step[] = [
      { op: "edit-policy", change: "scope-on-query" },
      { op: "apply" },
      { op: "edit-schema", graph: "knowledge", change: "type-change" },
      { op: "edit-policy", change: "revert" },
      { op: "apply" },
    ];
    const { result } = await run(withSteps(steps));
    expect(result.verdict).toBe("pass");
    expect(known(result)).toEqual([
      "F7-accepted-policy-unservable serve-liveness/boot_never_succeeds",
    ]);
  });

  it("bound to the cluster too, the held-back bundle fails as the server policy", async () => {
    const steps: Step[] = [
      { op: "edit-policy", change: "cluster-and-graph" },
      { op: "apply" },
      { op: "edit-schema", graph: "knowledge", change: "type-change" },
      { op: "edit-policy", change: "revert" },
      { op: "apply" },
    ];
    const { result, universe } = await run(withSteps(steps));
    expect(result.verdict).toBe("pass");
    expect(known(result)).toEqual([
      "F7-accepted-policy-unservable serve-liveness/boot_never_succeeds",
    ]);
    expect(universe.liveness.note).toContain("server_policy_invalid");
  });

  it("withdrawing the rejected schema change lets the revert apply, and archive serves", async () => {
    if (scenario.kind !== "scripted") throw new Error("scripted scenario expected");
    const steps: Step[] = [
      ...scenario.steps,
      { op: "edit-schema", graph: "archive", change: "revert" },
      { op: "apply", expect: { codes: [], absent: ["schema_apply_failed"] } },
      { op: "boot", expect: { ready: ["archive", "knowledge"] } },
    ];
    const { result } = await run(withSteps(steps));
    expect(result.verdict).toBe("pass");
    expect(known(result)).toEqual([]);
  });
});
