import { describe, expect, it } from "vitest";
import { jobContext } from "../../sim/orchestrator/runJob.ts";
import { parseScenarioText } from "../../sim/scenario/load.ts";
import type { ScriptedScenario } from "../../sim/scenario/schema.ts";
import { runUniverse } from "../../sim/universe/run.ts";

const ctx = jobContext();

/**
 * Adds a graph, then applies it with the schema edit racing the apply at the sidecar write
 * (and a crash line of its own, if given), and runs that universe with its trace.
 */
function raceTheCreate(crash = "") {
  const scenario = parseScenarioText(
    `kind: scripted
name: race
description: an operator edit racing a command
fixture:
  graphs: [knowledge]
liveness: false
steps:
  - op: add-graph
    graph: people
  - op: apply
${crash}    race:
      at: cluster.sidecar.write.after
      edit: { op: edit-schema, graph: people, change: add-optional }
`,
    "race.yaml",
  ) as ScriptedScenario;
  return runUniverse({ scenario, seed: 1, defects: [] }, { ...ctx, keepTrace: true });
}

describe("operator edits racing a command", () => {
  it("lands once, in the middle of the command, at the failpoint it names", async () => {
    const out = await raceTheCreate();
    const trace = out.trace ?? [];
    const from = trace.findIndex((l) => l.startsWith("op      apply#1"));
    const to = trace.findIndex((l) => l.startsWith("result  apply#1"));
    const during = trace.slice(from, to);
    const edits = during.filter((l) => l.startsWith("op      operator edit-schema"));
    expect(edits).toHaveLength(1);
    // After the sidecar write landed and before the command finished.
    const write = during.findIndex((l) => l.includes("[cluster.sidecar.write]"));
    const edit = during.indexOf(edits[0] as string);
    expect(write).toBeGreaterThan(0);
    expect(edit).toBeGreaterThan(write);
    const apply = out.universe.records[1];
    expect(
      apply?.outcome.kind === "apply" && apply.outcome.view.diagnostics.map((d) => d.code),
    ).toContain("resource_content_changed");
    // The record keeps the race, so the step replays with it; the desired config moved on.
    expect(apply?.step.race?.at).toBe("cluster.sidecar.write.after");
    expect(apply?.desired.graphs.find((g) => g.id === "people")?.schema).toBe("add-optional");
  });

  it("yields to a crash planned at the same failpoint", async () => {
    const out = await raceTheCreate(
      "    crash: { kind: failpoint, name: cluster.sidecar.write.after, mode: crash }\n",
    );
    const trace = out.trace ?? [];
    expect(trace.some((l) => l.includes("yields to the crash there"))).toBe(true);
    expect(trace.some((l) => l.startsWith("op      operator edit-schema"))).toBe(false);
    expect(out.universe.records[1]?.outcome.kind).toBe("died");
  });
});
