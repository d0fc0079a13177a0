import { describe, expect, it } from "vitest";
import { type ExplainContext, explain } from "../../sim/oracles/explain/catalogue.ts";
import { type Failure, failuresOf } from "../../sim/oracles/explain/failures.ts";
import { buildHistory } from "../../sim/oracles/explain/history.ts";
import { jobContext } from "../../sim/orchestrator/runJob.ts";
import { parseScenarioText } from "../../sim/scenario/load.ts";
import type { ScriptedScenario } from "../../sim/scenario/schema.ts";
import { modelOracleDeps } from "../../sim/universe/modelSystem.ts";
import { runUniverse } from "../../sim/universe/run.ts";
import { SCHEMA_TEXT } from "../../sim/universe/texts.ts";

const ctx = jobContext();

/**
 * Runs a scripted universe (no liveness) and returns the first failure with `code`, with the
 * context its explanation is judged in, and the universe's outcomes-are-explained violations.
 */
async function failureOf(code: string, steps: string, fixture = "") {
  const scenario = parseScenarioText(
    `kind: scripted
name: explain-rules
description: one explanation rule at work
fixture:
  graphs: [knowledge, archive]
${fixture}liveness: false
steps:
${steps}`,
    "explain-rules.yaml",
  ) as ScriptedScenario;
  const { universe: u, result } = await runUniverse({ scenario, seed: 1, defects: [] }, ctx);
  const history = buildHistory(u.records, u.world.trace.events);
  let found: { failure: Failure; context: ExplainContext } | undefined;
  for (const record of u.records)
    for (const failure of failuresOf(record))
      if (found === undefined && failure.code === code)
        found = {
          failure,
          context: { record, history, deps: modelOracleDeps, sourcesByDigest: u.sourcesByDigest },
        };
  if (found === undefined) throw new Error(`no ${code} failure in the universe`);
  const violations = result.violations.filter((v) => v.oracle === "outcomes-are-explained");
  return { ...found, violations };
}

describe("explanation rules", () => {
  it("unsupported-change: a rejection planned against the schema the step's own open-time recovery promoted", async () => {
    // The crash leaves add-optional committed in the manifest, its staging unpromoted:
    // _schema.pg still reads v1 before step 4, whose read-write open promotes the staging, so
    // the engine plans add-required against add-optional (bio, optional to required).
    const {
      failure: f,
      context,
      violations,
    } = await failureOf(
      "schema_apply_failed",
      `  - op: edit-schema
    graph: knowledge
    change: add-optional
  - op: apply
    crash: { kind: failpoint, name: schema_apply.after_manifest_commit, mode: crash }
  - op: force-unlock
  - op: edit-schema
    graph: knowledge
    change: add-required
  - op: apply
`,
    );
    const r = context.record;
    expect(r.index).toBe(4);
    expect(f.message).toMatch(/not supported on '[^']*': .*'Person\.bio'/);
    expect(r.pre.graphs.knowledge?.schemaText).toBe(SCHEMA_TEXT.v1);
    expect(r.post.graphs.knowledge?.schemaText).toBe(SCHEMA_TEXT["add-optional"]);
    expect(explain(f, context)).toEqual({
      kind: "rejection",
      rule: "unsupported-change",
      change: "knowledge to add-required",
    });
    expect(violations).toEqual([]);
    // The schema before the step does not explain it: without the promotion among the
    // step's events, nothing does.
    expect(explain(f, { ...context, record: { ...r, traceFrom: r.traceTo } })).toBeNull();
    // Only the change the config asks for explains a rejection, and only its own.
    expect(
      explain({ ...f, message: f.message.replace("Person.bio", "Person.age") }, context),
    ).toBeNull();
    const graphs = r.desired.graphs.map((g) =>
      g.id === "knowledge" ? { ...g, schema: "type-change" as const } : g,
    );
    const record = { ...r, desired: { ...r.desired, graphs } };
    expect(explain(f, { ...context, record })).toBeNull();
  });

  it("graph-created-concurrently: with the lock off, the apply whose init finds the graph made by the other", async () => {
    const {
      failure: f,
      context,
      violations,
    } = await failureOf(
      "graph_create_failed",
      `  - op: add-graph
    graph: people
  - op: concurrently
    actors:
      - { op: apply }
      - { op: apply }
`,
      "  stateLock: false\n",
    );
    expect(f).toMatchObject({ actor: 1, graph: "people" });
    expect(f.message).toMatch(/graph already initialized at/);
    expect(explain(f, context)).toEqual({
      kind: "contention",
      rule: "graph-created-concurrently",
      with: "apply#1.0",
    });
    expect(violations).toEqual([]);
    const r = context.record;
    // Only the other apply's claim of the schema file inside this step explains it: the
    // step's events up to that claim do not.
    const claim = context.history.events.findIndex(
      (e, i) =>
        i >= r.traceFrom &&
        e.t === "call" &&
        e.step === "engine.init.claim_schema_pg" &&
        e.key.endsWith("people.omni/_schema.pg"),
    );
    expect(claim).toBeGreaterThan(r.traceFrom);
    expect(claim).toBeLessThan(r.traceTo);
    expect(explain(f, { ...context, record: { ...r, traceTo: claim } })).toBeNull();
    // Only another actor of a concurrent step.
    expect(explain({ ...f, actor: -1 }, context)).toBeNull();
    // Only an init that found the graph made: another failed create is no contention.
    const other = "could not initialize graph at '/cluster/graphs/people.omni': disk on fire";
    expect(explain({ ...f, message: other }, context)).toBeNull();
  });
});
