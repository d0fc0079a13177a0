import { describe, expect, it } from "vitest";
import { jobContext } from "../../sim/orchestrator/runJob.ts";
import { parseScenarioText } from "../../sim/scenario/load.ts";
import type { ScriptedScenario } from "../../sim/scenario/schema.ts";
import { runUniverse } from "../../sim/universe/run.ts";
import { SCHEMA_TEXT } from "../../sim/universe/texts.ts";
import { sha256Hex } from "../../src/util/digest.ts";

// Shrunk from default seeds 18574 and 22871: the operator edits a schema file while apply runs
// (after the engine staged the schema it read), and apply then dies. The graph settles at the
// schema apply read, which the desired config before the edit names, not the one after it.
const scenario = parseScenarioText(
  `kind: scripted
name: raced-schema-apply-dies
description: a schema apply that dies after moving the graph, raced by an edit of the same schema
fixture:
  graphs: [knowledge]
steps:
  - op: edit-schema
    graph: knowledge
    change: add-optional
  - op: apply
    race:
      at: schema_apply.after_staging_write
      edit: { op: edit-schema, graph: knowledge, change: comment-only }
    crash: { kind: failpoint, name: cluster_apply.after_payload_phase, mode: crash }
`,
  "raced-schema-apply-dies.yaml",
) as ScriptedScenario;

describe("crash-contract: a step raced by a schema edit", () => {
  it("accepts the schema the command read (the desired config before the edit)", async () => {
    const { universe: u, result } = await runUniverse(
      { scenario, seed: 1, defects: [] },
      jobContext(),
    );
    const apply = u.records[1];
    expect(apply?.outcome.kind).toBe("died");
    const settled = apply?.settled?.post.knowledge;
    expect(settled?.kind === "open" && settled.schemaDigest).toBe(
      sha256Hex(SCHEMA_TEXT["add-optional"]),
    );
    // After the step the operator wants the edited file; the graph is at neither old nor that.
    expect(apply?.desired.graphs.find((g) => g.id === "knowledge")?.schema).toBe("comment-only");
    expect(result.violations).toEqual([]);
  });
});
