import { describe, expect, it } from "vitest";
import { KNOWN_FINDINGS } from "../../sim/findings/index.ts";
import {
  twoBundlesOneScope as F14,
  scopeBoundTwice,
} from "../../sim/findings/twoBundlesOneScope.ts";
import { jobContext } from "../../sim/orchestrator/runJob.ts";
import { parseScenarioText } from "../../sim/scenario/load.ts";
import type { ScriptedScenario } from "../../sim/scenario/schema.ts";
import { runUniverse } from "../../sim/universe/run.ts";

// Shrunk from default seeds 20740 and 22919: apply accepts a second bundle bound to a scope the
// first holds, and the operator then edits the policy file again (a revert, or another edit
// apply refuses) before the server boots. The boot serves the applied revision, which still
// binds both bundles, so it refuses; the working tree no longer says second-bundle.
const scenario = parseScenarioText(
  `kind: scripted
name: two-bundles-then-edited
description: two bundles on one scope accepted, then the policy file edited before a boot
fixture:
  graphs: [knowledge, archive]
steps:
  - op: edit-policy
    change: second-bundle
  - op: apply
    expect: { ok: true, converged: true }
  - op: edit-policy
    change: revert
  - op: boot
    expect: { bootFailed: true }
`,
  "two-bundles-then-edited.yaml",
) as ScriptedScenario;

describe("F14: the applied revision binds two bundles to one scope", () => {
  it("is known when the working tree moved on before the boot: the ledger the boot read is the evidence", async () => {
    const { result } = await runUniverse({ scenario, seed: 1, defects: [] }, jobContext());
    expect(result.violations).toEqual([]);
    expect(result.known.map((k) => `${k.finding} ${k.oracle}/${k.code}`)).toContain(
      "F14-two-bundles-one-scope accepted-means-servable/accepted_config_refused",
    );
  });

  it("is what keeps that universe green", async () => {
    const others = KNOWN_FINDINGS.filter((f) => f !== F14);
    const { result } = await runUniverse(
      { scenario, seed: 1, defects: [] },
      { ...jobContext(), findings: others },
    );
    expect(result.violations.map((v) => `${v.oracle}/${v.code}`)).toContain(
      "accepted-means-servable/accepted_config_refused",
    );
  });

  it("needs a scope bound twice in the ledger the boot read (or the second-bundle config)", async () => {
    const { universe: u } = await runUniverse({ scenario, seed: 1, defects: [] }, jobContext());
    const input = u.judgeInput();
    const boot = input.records[3];
    expect(boot?.desired.policy.hostile).toBe(null);
    expect(scopeBoundTwice(boot?.pre.ledger?.resources ?? {})).toBe(true);
    const v = {
      oracle: "accepted-means-servable",
      code: "accepted_config_refused",
      step: 3,
      expected: "a booting server for what apply at step 1 accepted and converged on",
      observed: "boot failed with policy_binding_conflict: ",
    };
    expect(F14.matches(v, input)).toBe(true);
    // The same refusal over a ledger with one bundle per scope is not this finding.
    const resources = Object.fromEntries(
      Object.entries(boot?.pre.ledger?.resources ?? {}).filter(
        ([a]) => !a.startsWith("policy.") || a === "policy.base",
      ),
    );
    expect(scopeBoundTwice(resources)).toBe(false);
    const records = input.records.map((r, i) =>
      i === 3 && r.pre.ledger !== null
        ? { ...r, pre: { ...r.pre, ledger: { ...r.pre.ledger, resources } } }
        : r,
    );
    expect(F14.matches(v, { ...input, records })).toBe(false);
    expect(F14.matches({ ...v, observed: "boot failed with no_graphs_opened: " }, input)).toBe(
      false,
    );
  });
});
