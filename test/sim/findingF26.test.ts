import { describe, expect, it } from "vitest";
import {
  deleteTombstoneLost as F26,
  tombstoneLost,
} from "../../sim/findings/deleteTombstoneLost.ts";
import { KNOWN_FINDINGS } from "../../sim/findings/index.ts";
import { jobContext } from "../../sim/orchestrator/runJob.ts";
import { findScenario, shippedScenarios } from "../../sim/scenario/registry.ts";
import type { ScriptedScenario } from "../../sim/scenario/schema.ts";
import { runUniverse } from "../../sim/universe/run.ts";

const scenario = findScenario("delete-tombstone-lost", shippedScenarios()) as ScriptedScenario;
const others = KNOWN_FINDINGS.filter((f) => f !== F26);
const codes = (vs: readonly { oracle: string; code: string }[]) =>
  new Set(vs.map((v) => `${v.oracle}/${v.code}`));

describe("F26: a delete's tombstone lost to an interrupted re-create", () => {
  it("is reproduced by its scenario and reported as known, not failing", async () => {
    const { result } = await runUniverse({ scenario, seed: 1, defects: [] }, jobContext());
    expect(result.violations).toEqual([]);
    expect(codes(result.known.filter((k) => k.finding === F26.id))).toEqual(
      new Set([
        "ledger-converges-to-reality/recorded_graph_missing",
        "accepted-means-servable/applied_graph_not_served",
        "outcomes-are-explained/unexplained_failure",
        "serve-liveness/graph_never_ready",
      ]),
    );
  });

  it("is red without its signature: apply converges while archive has no root", async () => {
    const { result } = await runUniverse(
      { scenario, seed: 1, defects: [] },
      { ...jobContext(), findings: others },
    );
    expect(codes(result.violations)).toContain(
      "ledger-converges-to-reality/recorded_graph_missing",
    );
    expect(codes(result.violations)).toContain("serve-liveness/graph_never_ready");
  });

  it("needs the lost tombstone: without the crash in the re-create the sweep records it and archive comes back", async () => {
    const steps = scenario.steps.map((s, i) => {
      if (i !== 5) return s;
      const {
        crash: _c,
        expect: _e,
        ...rest
      } = s as typeof s & { crash?: unknown; expect?: unknown };
      return rest;
    });
    const { result, universe: u } = await runUniverse(
      { scenario: { ...scenario, steps }, seed: 1, defects: [] },
      { ...jobContext(), findings: others },
    );
    expect(result.violations).toEqual([]);
    const input = u.judgeInput();
    expect(tombstoneLost(input, "archive", Number.POSITIVE_INFINITY)).toBe(false);
  });

  it("needs the root gone: a delete that failed before removing anything is not this", async () => {
    const steps = scenario.steps.map((s, i) =>
      i === 3
        ? {
            ...s,
            crash: {
              kind: "failpoint" as const,
              name: "cluster.graph.delete_root.before" as const,
              mode: "error" as const,
              skip: 0,
            },
          }
        : s,
    );
    const { universe: u } = await runUniverse(
      { scenario: { ...scenario, steps }, seed: 1, defects: [] },
      jobContext(),
    );
    const input = u.judgeInput();
    expect(tombstoneLost(input, "archive", Number.POSITIVE_INFINITY)).toBe(false);
  });
});
