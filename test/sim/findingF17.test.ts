import { describe, expect, it } from "vitest";
import { KNOWN_FINDINGS } from "../../sim/findings/index.ts";
import {
  deleteStoppedThenTakenBack,
  partialDeleteTakenBack as F17,
} from "../../sim/findings/partialDeleteTakenBack.ts";
import { jobContext } from "../../sim/orchestrator/runJob.ts";
import { findScenario, shippedScenarios } from "../../sim/scenario/registry.ts";
import type { ScriptedScenario } from "../../sim/scenario/schema.ts";
import { runUniverse } from "../../sim/universe/run.ts";

const scenario = findScenario("partial-delete-taken-back", shippedScenarios()) as ScriptedScenario;

describe("F17: a partly deleted graph put back in the config", () => {
  it("is reproduced by its scenario and reported as known, not failing", async () => {
    const { result } = await runUniverse({ scenario, seed: 1, defects: [] }, jobContext());
    expect(result.verdict).toBe("pass");
    expect(result.violations).toEqual([]);
    expect(new Set(result.known.map((k) => `${k.finding} ${k.oracle}/${k.code}`))).toEqual(
      new Set([
        "F17-partial-delete-taken-back serve-liveness/graph_never_ready",
        "F17-partial-delete-taken-back accepted-means-servable/applied_graph_not_served",
      ]),
    );
  });

  it("is what keeps that universe green: without the signature archive is never served", async () => {
    const others = KNOWN_FINDINGS.filter((f) => f !== F17);
    const { result } = await runUniverse(
      { scenario, seed: 1, defects: [] },
      { ...jobContext(), findings: others },
    );
    expect(new Set(result.violations.map((v) => `${v.oracle}/${v.code}`))).toEqual(
      new Set([
        "serve-liveness/graph_never_ready",
        "accepted-means-servable/applied_graph_not_served",
      ]),
    );
  });

  it("needs a non-atomic prefix delete: on object-store the delete is one write and archive returns whole", async () => {
    const s = { ...scenario, fixture: { ...scenario.fixture, backend: "object-store" as const } };
    const { result } = await runUniverse({ scenario: s, seed: 1, defects: [] }, jobContext());
    expect(result.known).toEqual([]);
    // Only the script's local-fs expectations differ (the delete succeeds, archive is served).
    expect(new Set(result.violations.map((v) => v.oracle))).toEqual(new Set(["expectations"]));
  });

  it("matches only a graph whose delete stopped partway and was then taken back", async () => {
    const run = await runUniverse({ scenario, seed: 1, defects: [] }, jobContext());
    const u = run.universe;
    const input = u.judgeInput();
    expect(deleteStoppedThenTakenBack(input, "archive", Number.POSITIVE_INFINITY)).toBe(true);
    expect(deleteStoppedThenTakenBack(input, "knowledge", Number.POSITIVE_INFINITY)).toBe(false);
    // Before the operator put archive back, there is nothing taken back yet.
    expect(deleteStoppedThenTakenBack(input, "archive", 4)).toBe(false);
    // No delete of the root on record: the same symptom is not this finding.
    const events = input.events.map((e) =>
      e.t === "call" && e.step === "cluster.graph.delete_root" ? { ...e, step: "other" } : e,
    );
    const v = {
      oracle: "accepted-means-servable",
      code: "applied_graph_not_served",
      step: 6,
      expected: "every graph apply at step 5 recorded ready: archive, knowledge",
      observed:
        "archive: graph_open_failed: open graph 'archive' at /cluster/graphs/archive.omni: no graph manifest found at 'graphs/archive.omni'",
    };
    expect(F17.matches(v, input)).toBe(true);
    expect(F17.matches(v, { ...input, events })).toBe(false);
    expect(F17.matches({ ...v, observed: "archive: graph_open_failed: other" }, input)).toBe(false);
  });
});
