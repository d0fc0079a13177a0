import { describe, expect, it } from "vitest";
import { droppedTypeCannotReturn as F12 } from "../../sim/findings/droppedTypeCannotReturn.ts";
import { KNOWN_FINDINGS } from "../../sim/findings/index.ts";
import { jobContext } from "../../sim/orchestrator/runJob.ts";
import { parseScenarioText } from "../../sim/scenario/load.ts";
import type { ScriptedScenario } from "../../sim/scenario/schema.ts";
import { runUniverse } from "../../sim/universe/run.ts";

/**
 * F12's other way in (default seed 1606, shrunk): the graph is created with the type already
 * in its schema, so its init (not a schema apply) makes the type's dataset; a later apply
 * drops the type and the next one adds it back.
 */
const scenario = parseScenarioText(
  `kind: scripted
name: created-type-readded
description: a type the graph was created with, dropped and added back
fixture:
  graphs: [knowledge, archive]
steps:
  - op: add-graph
    graph: people
  - op: edit-schema
    graph: people
    change: add-type
  - op: apply
  - op: edit-schema
    graph: people
    change: comment-only
  - op: apply
  - op: edit-schema
    graph: people
    change: add-type
  - op: apply
`,
  "created-type-readded.yaml",
) as ScriptedScenario;

describe("F12: a dropped node type can never return, also when the graph was created with it", () => {
  it("is reported as known, not failing", async () => {
    const { result } = await runUniverse({ scenario, seed: 1, defects: [] }, jobContext());
    expect(result.verdict).toBe("pass");
    expect(new Set(result.known.map((k) => `${k.finding} ${k.oracle}/${k.code}`))).toEqual(
      new Set([
        "F12-dropped-type-cannot-return outcomes-are-explained/unexplained_failure",
        "F12-dropped-type-cannot-return serve-liveness/remedy_not_converged",
      ]),
    );
  });

  it("matches only with the init that made the dataset and the drop on record", async () => {
    const others = KNOWN_FINDINGS.filter((f) => f !== F12);
    const run = await runUniverse(
      { scenario, seed: 1, defects: [] },
      { ...jobContext(), findings: others },
    );
    expect(run.result.verdict).toBe("fail");
    const u = run.universe;
    const input = u.judgeInput();
    const v = run.result.violations.find((x) => x.oracle === "outcomes-are-explained");
    expect(v?.observed).toMatch(/Dataset already exists: graphs\/people\.omni\/nodes\//);
    if (v === undefined) return;
    expect(F12.matches(v, input)).toBe(true);
    // Without the init's create of that dataset on record, the same symptom is not F12.
    const noInit = input.events.map((e) =>
      e.t === "call" && e.step === "engine.init.create_table" ? { ...e, step: "elsewhere" } : e,
    );
    expect(F12.matches(v, { ...input, events: noInit })).toBe(false);
    // Nor without the drop: the records that removed the type are gone.
    expect(F12.matches(v, { ...input, records: input.records.slice(0, 3) })).toBe(false);
  });
});
