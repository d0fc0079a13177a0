import { describe, expect, it } from "vitest";
import { KNOWN_FINDINGS } from "../../sim/findings/index.ts";
import { initCleanupDestroysCommittedGraph as F6 } from "../../sim/findings/initCleanupDestroysCommittedGraph.ts";
import { jobContext } from "../../sim/orchestrator/runJob.ts";
import { parseScenarioText } from "../../sim/scenario/load.ts";
import type { ScriptedScenario } from "../../sim/scenario/schema.ts";
import { runUniverse } from "../../sim/universe/run.ts";

// people's init fails after its manifest committed; its best-effort cleanup is refused on
// _schema.pg, deletes _schema.ir.json and dies before __schema_state.json (default seed 39535
// got there through a read error on the commit graph).
const scenario = (cleanupAfter: "crash" | "error") =>
  parseScenarioText(
    `kind: scripted
name: init-cleanup-torn
description: an init cleanup stopped between its deletes
fixture:
  graphs: [knowledge]
liveness: false
steps:
  - op: add-graph
    graph: people
  - op: apply
    crash:
      - { kind: failpoint, name: init.after_coordinator_init, mode: error }
      - { kind: failpoint, name: engine.init.cleanup_schema_files.before, mode: error }
      - { kind: failpoint, name: engine.init.cleanup_schema_files.after, mode: ${cleanupAfter} }
`,
    "init-cleanup-torn.yaml",
  ) as ScriptedScenario;
const TORN = /graph schema state is incomplete/;

describe("F6: an init cleanup that stops between its deletes tears the contract", () => {
  it("is known F6, and red without it", async () => {
    const { result } = await runUniverse(
      { scenario: scenario("crash"), seed: 1, defects: [] },
      jobContext(),
    );
    expect(result.violations).toEqual([]);
    const hit = result.known.find((k) => k.finding === F6.id);
    expect(hit?.code).toBe("committed_create_destroyed");
    expect(hit?.observed).toMatch(TORN);
    const bare = await runUniverse(
      { scenario: scenario("crash"), seed: 1, defects: [] },
      { ...jobContext(), findings: KNOWN_FINDINGS.filter((f) => f !== F6) },
    );
    expect(bare.result.violations.map((v) => v.observed)).toContainEqual(
      expect.stringMatching(TORN),
    );
  });

  it("a torn contract the cleanup did not tear is not F6", async () => {
    const run = await runUniverse(
      { scenario: scenario("crash"), seed: 1, defects: [] },
      { ...jobContext(), findings: [] },
    );
    const v = run.result.violations.find((x) => x.code === "committed_create_destroyed");
    if (v === undefined) throw new Error("no committed_create_destroyed");
    const input = run.universe.judgeInput();
    expect(F6.matches(v, input)).toBe(true);
    // Without a landed delete of a contract file by the cleanup, the same text is not this.
    const events = input.events.map((e) =>
      e.t === "call" && e.step === "engine.init.cleanup_schema_files" && e.op === "delete"
        ? { ...e, result: "error:io" }
        : e,
    );
    expect(F6.matches(v, { ...input, events })).toBe(false);
  });
});
