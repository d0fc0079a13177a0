import { describe, expect, it } from "vitest";
import { jobContext } from "../../sim/orchestrator/runJob.ts";
import { parseScenarioText } from "../../sim/scenario/load.ts";
import type { ScriptedScenario } from "../../sim/scenario/schema.ts";
import { runUniverse } from "../../sim/universe/run.ts";

// A metadata-only schema apply on S3 with a life-phase crash plan (as crash-state enumeration
// arms it): the step itself says no `crash`, yet it dies, so the crash contract must judge it.
const scenario = parseScenarioText(
  `kind: scripted
name: life-plan-crash-contract
description: a step killed by a life-phase crash plan
fixture:
  graphs: [knowledge, archive]
  backend: s3
steps:
  - op: edit-schema
    graph: knowledge
    change: describe
  - op: apply
  - op: boot
`,
  "life-plan-crash-contract.yaml",
) as ScriptedScenario;

describe("crash-state enumeration's life-phase plans are judged by the crash contract", () => {
  it("a step a life-phase failpoint killed is settled and judged (here known F25)", async () => {
    const { result, universe: u } = await runUniverse(
      {
        scenario,
        seed: 1,
        defects: [],
        life: { failpoint: { name: "engine.schema_apply.promote_staging.after", mode: "crash" } },
      },
      jobContext(),
    );
    const apply = u.records[1];
    expect(apply?.outcome.kind).toBe("died");
    expect(apply?.settled).toBeDefined();
    expect(result.violations).toEqual([]);
    expect(
      result.known
        .filter((k) => k.oracle === "crash-contract")
        .map((k) => `${k.finding} ${k.code}`),
    ).toEqual(["F25-promotion-copy-cleaned-as-noop graph_unopenable"]);
  });
});
