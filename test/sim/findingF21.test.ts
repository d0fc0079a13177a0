import { describe, expect, it } from "vitest";
import { KNOWN_FINDINGS } from "../../sim/findings/index.ts";
import {
  removedGraphStaysPending as F21,
  removedWhilePending,
} from "../../sim/findings/removedGraphStaysPending.ts";
import { jobContext } from "../../sim/orchestrator/runJob.ts";
import { findScenario, shippedScenarios } from "../../sim/scenario/registry.ts";
import type { ScriptedScenario, Step } from "../../sim/scenario/schema.ts";
import { runUniverse } from "../../sim/universe/run.ts";

const scenario = findScenario(
  "removed-graph-stays-pending",
  shippedScenarios(),
) as ScriptedScenario;

describe("F21: a graph taken out of the config while its schema apply is pending", () => {
  it("is reproduced by its scenario and reported as known, not failing", async () => {
    const { result } = await runUniverse({ scenario, seed: 1, defects: [] }, jobContext());
    expect(result.verdict).toBe("pass");
    expect(result.violations).toEqual([]);
    expect(result.known.map((k) => `${k.finding} ${k.oracle}/${k.code}`)).toEqual([
      "F21-removed-graph-stays-pending serve-liveness/graph_never_ready",
    ]);
  });

  it("is what keeps that universe green: without the signature archive is never ready", async () => {
    const others = KNOWN_FINDINGS.filter((f) => f !== F21);
    const { result } = await runUniverse(
      { scenario, seed: 1, defects: [] },
      { ...jobContext(), findings: others },
    );
    expect(result.violations.map((v) => `${v.oracle}/${v.code}`)).toEqual([
      "serve-liveness/graph_never_ready",
    ]);
  });

  it("needs the removal: with archive still declared, refresh records it and the remedy works", async () => {
    const steps = scenario.steps.filter((s) => s.op !== "remove-graph").slice(0, -1);
    const { result } = await runUniverse(
      { scenario: { ...scenario, steps }, seed: 1, defects: [] },
      jobContext(),
    );
    expect(result.violations).toEqual([]);
    expect(result.known).toEqual([]);
  });

  it("is also reached through a comment-only apply whose finished sidecar could not be deleted", async () => {
    // Explore's depth-3 history: the ledger records the edited digest while the engine keeps
    // the live schema (F5's divergence), so the sweep finds neither digest live (row 6).
    const steps: Step[] = [
      { op: "edit-schema", graph: "archive", change: "comment-only" },
      {
        op: "apply",
        crash: {
          kind: "failpoint",
          name: "cluster.sidecar.delete_completed.before",
          mode: "error",
          skip: 0,
        },
      },
      { op: "remove-graph", graph: "archive" },
    ];
    const { result } = await runUniverse(
      { scenario: { ...scenario, steps }, seed: 1, defects: [] },
      jobContext(),
    );
    expect(result.violations).toEqual([]);
    expect(result.known.map((k) => `${k.finding} ${k.oracle}/${k.code}`)).toEqual([
      "F21-removed-graph-stays-pending serve-liveness/graph_never_ready",
    ]);
  });

  it("when the graph was the last one, the server refuses to boot at all", async () => {
    const steps: Step[] = [
      ...scenario.steps,
      { op: "remove-graph", graph: "knowledge" },
      { op: "approve", resource: "graph.knowledge" },
    ];
    const { result } = await runUniverse(
      { scenario: { ...scenario, steps }, seed: 1, defects: [] },
      jobContext(),
    );
    expect(result.violations).toEqual([]);
    expect(result.known.map((k) => `${k.finding} ${k.oracle}/${k.code}`)).toEqual([
      "F21-removed-graph-stays-pending serve-liveness/boot_never_succeeds",
    ]);
  });

  it("matches only a graph out of the config that the sweep keeps pending", async () => {
    const run = await runUniverse({ scenario, seed: 1, defects: [] }, jobContext());
    const u = run.universe;
    const input = u.judgeInput();
    const end = Number.POSITIVE_INFINITY;
    expect(removedWhilePending(input, "archive", end)).toBe(true);
    expect(removedWhilePending(input, "knowledge", end)).toBe(false);
    // While archive was still declared, refresh could record it: not this finding yet.
    expect(removedWhilePending(input, "archive", 5)).toBe(false);
    const v = {
      oracle: "serve-liveness",
      code: "graph_never_ready",
      step: -1,
      expected: "every applied graph ready after 5 remedy rounds: archive, knowledge",
      observed: "still not ready: archive (round 1: not ready: archive)",
    };
    expect(F21.matches(v, input)).toBe(true);
    expect(F21.matches({ ...v, observed: "still not ready: archive, knowledge (…)" }, input)).toBe(
      false,
    );
    expect(F21.matches({ ...v, code: "remedy_not_converged" }, input)).toBe(false);
  });
});
