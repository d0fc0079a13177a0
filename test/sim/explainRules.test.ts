import { describe, expect, it } from "vitest";
import { type ExplainContext, explain } from "../../sim/oracles/explain/catalogue.ts";
import { type Failure, failuresOf } from "../../sim/oracles/explain/failures.ts";
import { buildHistory } from "../../sim/oracles/explain/history.ts";
import { jobContext } from "../../sim/orchestrator/runJob.ts";
import { parseScenarioText } from "../../sim/scenario/load.ts";
import { findScenario, shippedScenarios } from "../../sim/scenario/registry.ts";
import type { ScriptedScenario } from "../../sim/scenario/schema.ts";
import { modelOracleDeps } from "../../sim/universe/modelSystem.ts";
import { runUniverse } from "../../sim/universe/run.ts";
import { SCHEMA_TEXT } from "../../sim/universe/texts.ts";

const ctx = jobContext();

/**
 * Runs a scripted universe (no liveness) and returns the first failure with `code`, with the
 * context its explanation is judged in, and the universe's outcomes-are-explained violations.
 */
async function failureOf(code: string, steps: string, fixture = "", seed = 1) {
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
  const { universe: u, result } = await runUniverse({ scenario, seed, defects: [] }, ctx);
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

  it("branch-exists: a create of a branch the graph already has is refused; without the branch on record nothing explains it", async () => {
    const {
      failure: f,
      context,
      violations,
    } = await failureOf(
      "branch_exists",
      `  - op: branch-create
    graph: knowledge
    branch: feature
  - op: branch-create
    graph: knowledge
    branch: feature
    expect: { ok: false, codes: [branch_exists] }`,
    );
    expect(violations).toEqual([]);
    expect(explain(f, context)).toEqual({
      kind: "refusal",
      rule: "branch-exists",
      residue: "branch feature of knowledge",
    });
    const pre = context.record.pre;
    const knowledge = pre.graphs.knowledge;
    if (knowledge === undefined) throw new Error("knowledge was not observed");
    const without = {
      ...context,
      record: {
        ...context.record,
        pre: { ...pre, graphs: { ...pre.graphs, knowledge: { ...knowledge, branches: [] } } },
      },
    };
    expect(explain(f, without)).toBeNull();
  });

  it("branch-absent: a delete of a branch the graph does not have is refused; with the branch on record nothing explains it", async () => {
    const {
      failure: f,
      context,
      violations,
    } = await failureOf(
      "branch_not_found",
      `  - op: branch-delete
    graph: knowledge
    branch: review
    expect: { ok: false, codes: [branch_not_found] }`,
    );
    expect(violations).toEqual([]);
    expect(explain(f, context)).toEqual({
      kind: "refusal",
      rule: "branch-absent",
      residue: "no branch review on knowledge",
    });
    const pre = context.record.pre;
    const knowledge = pre.graphs.knowledge;
    if (knowledge === undefined) throw new Error("knowledge was not observed");
    const had = {
      ...context,
      record: {
        ...context.record,
        pre: {
          ...pre,
          graphs: { ...pre.graphs, knowledge: { ...knowledge, branches: ["review"] } },
        },
      },
    };
    expect(explain(f, had)).toBeNull();
  });

  it("provider-key-unset: a boot that read the ledger a concurrent apply had just written (default seed 20586, lock off)", async () => {
    const { universe: u } = await runUniverse(
      { scenario: findScenario("default", shippedScenarios()), seed: 20586, defects: [] },
      ctx,
    );
    const record = u.records[1];
    if (record === undefined) throw new Error("no step 1");
    const history = buildHistory(u.records, u.world.trace.events);
    const context: ExplainContext = {
      record,
      history,
      deps: modelOracleDeps,
      sourcesByDigest: u.sourcesByDigest,
    };
    const quarantines = failuresOf(record).filter(
      (f) => f.code === "embedding_provider_unresolved",
    );
    expect(quarantines.map((f) => f.graph).sort()).toEqual(["archive", "knowledge"]);
    for (const f of quarantines)
      expect(explain(f, context)).toMatchObject({
        kind: "refusal",
        rule: "provider-key-unset",
        residue: expect.stringMatching(
          /names unset \$\{OMNIGRAPH_SIM_UNSET_KEY\}, applied by apply#1\.0$/,
        ),
      });
    // Without the concurrent write (the ledger after the step as it was before it), nothing does.
    const alone = { ...context, record: { ...record, post: record.pre } };
    for (const f of quarantines) expect(explain(f, alone)).toBeNull();
  });

  it("contract-bootstrapped-concurrently: a refresh reads a legacy graph's contract between a concurrent apply's bootstrap writes (guided default seed 20020)", async () => {
    const {
      failure: f,
      context,
      violations,
    } = await failureOf(
      "graph_observation_error",
      `  - op: edit-schema
    graph: archive
    change: add-optional
  - op: edit-schema
    graph: knowledge
    change: add-optional
  - op: concurrently
    actors:
      - op: refresh
      - op: apply`,
      "  provider: true\n  stateLock: false\n  rows: 3\n  legacy: [embedding-profile, policy-bindings, schema-contract]\n",
      20020,
    );
    expect(violations).toEqual([]);
    expect(explain(f, context)).toEqual({
      kind: "contention",
      rule: "contract-bootstrapped-concurrently",
      with: "apply#2.1",
    });
    // The refresh's own reads, without the other's IR write before them, are not this race.
    const events = context.history.events.map((e) =>
      e.t === "call" && e.step === "engine.recovery.bootstrap_schema_ir"
        ? { ...e, step: "engine.recovery.bootstrap_schema_state" }
        : e,
    );
    expect(explain(f, { ...context, history: { ...context.history, events } })).toBeNull();
  });

  it("ledger-missing: serve refuses to boot without a ledger (an import that died first); with one on record nothing explains it", async () => {
    const {
      failure: f,
      context,
      violations,
    } = await failureOf(
      "cluster_state_missing",
      `  - op: import
    crash: { kind: kill-at-write, k: 1 }
  - op: boot`,
      "  converged: false\n",
    );
    expect(violations).toEqual([]);
    expect(explain(f, context)).toEqual({
      kind: "refusal",
      rule: "ledger-missing",
      residue: "no __cluster/state.json",
    });
    const withLedger = {
      ...context,
      record: {
        ...context.record,
        pre: { ...context.record.pre, ledger: { parsed: true, resources: {} } },
      },
    } as typeof context;
    expect(explain(f, withLedger)).toBeNull();
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
  it("graph-created-concurrently: with the lock off, a refresh observes a graph in the other's init gap", async () => {
    // Seed 3: the refresh lists people's manifest versions after the apply claimed
    // people.omni/_schema.pg and before it created manifest v1 (default seeds 4608, 12044, 15038).
    const {
      failure: f,
      context,
      violations,
    } = await failureOf(
      "graph_observation_error",
      `  - op: add-graph
    graph: notes
  - op: add-graph
    graph: people
  - op: concurrently
    actors:
      - { op: refresh }
      - { op: apply }
`,
      "  stateLock: false\n",
      3,
    );
    expect(f).toMatchObject({ op: "refresh", actor: 0, message: "1 graph observation(s) failed" });
    expect(explain(f, context)).toEqual({
      kind: "contention",
      rule: "graph-created-concurrently",
      with: "apply#2.1",
    });
    expect(violations).toEqual([]);
    const r = context.record;
    // Only a claim inside this step: the step's events before the apply's claim do not explain it.
    const claim = context.history.events.findIndex(
      (e, i) =>
        i >= r.traceFrom &&
        e.t === "call" &&
        e.step === "engine.init.claim_schema_pg" &&
        e.result === "true",
    );
    expect(claim).toBeGreaterThan(r.traceFrom);
    expect(explain(f, { ...context, record: { ...r, traceFrom: claim + 1 } })).toBeNull();
    // Only an actor of a concurrent step, and only as many failed observations as gaps met.
    expect(explain({ ...f, actor: -1 }, context)).toBeNull();
    expect(explain({ ...f, message: "2 graph observation(s) failed" }, context)).toBeNull();
  });
  it("graph-created-concurrently: with the lock off, a refresh reads a root while the other's failed init cleans it up", async () => {
    // On S3 people's first init commits manifest v1 and fails; its cleanup removes the schema
    // files, the root probe no longer sees the rest (F16), and every later create finds the
    // table made ("Dataset already exists"). The concurrent apply's init claims the root, so the
    // refresh sees it and reads the leftover manifest; then that init fails and its cleanup
    // deletes _schema.pg before the refresh reads it (default seed 17181).
    const {
      failure: f,
      context,
      violations,
    } = await failureOf(
      "graph_observation_error",
      `  - op: add-graph
    graph: people
  - op: apply
    crash: { kind: failpoint, name: init.after_coordinator_init, mode: error }
  - op: apply
  - op: concurrently
    actors:
      - { op: refresh }
      - { op: apply }
`,
      "  stateLock: false\n  backend: s3\n",
      21,
    );
    expect(f).toMatchObject({ op: "refresh", actor: 0, message: "1 graph observation(s) failed" });
    expect(explain(f, context)).toEqual({
      kind: "contention",
      rule: "graph-created-concurrently",
      with: "apply#3.1",
    });
    expect(violations).toEqual([]);
    const r = context.record;
    const events = context.history.events;
    // The manifest was there (a leftover): not the no-manifest gap.
    expect(
      events.some(
        (e, i) =>
          i >= r.traceFrom &&
          i < r.traceTo &&
          e.t === "call" &&
          e.key === "graphs/people.omni/__manifest/versions" &&
          e.op === "list" &&
          e.result !== "0",
      ),
    ).toBe(true);
    // Only a read after the cleanup's delete: without the delete there is no contention.
    const cleanup = events.findIndex(
      (e, i) =>
        i >= r.traceFrom &&
        e.t === "call" &&
        e.step === "engine.init.cleanup_schema_files" &&
        e.key === "graphs/people.omni/_schema.pg",
    );
    expect(cleanup).toBeGreaterThan(r.traceFrom);
    const noCleanup = events.map((e, i) =>
      i === cleanup && e.t === "call" ? { ...e, step: "engine.init.write_schema_ir" as const } : e,
    );
    expect(
      explain(f, { ...context, history: { ...context.history, events: noCleanup } }),
    ).toBeNull();
    expect(explain({ ...f, actor: -1 }, context)).toBeNull();
    expect(explain({ ...f, message: "2 graph observation(s) failed" }, context)).toBeNull();
  });
  it("graph-damaged: on S3, a root whose failed init left only nested objects reads as absent, but its open found the manifest without _schema.pg", async () => {
    // The init commits manifest v1, then fails; its cleanup removes the three schema files
    // (F6), leaving the manifest and tables, which the S3 root probe (list_dir, direct children
    // only) does not see. The open of step 2 reads manifest v1, then finds no _schema.pg
    // (default seeds 7181 and 14685: the boot's quarantine of such a root).
    const {
      failure: f,
      context,
      violations,
    } = await failureOf(
      "schema_missing",
      `  - op: add-graph
    graph: notes
  - op: apply
    crash: { kind: failpoint, name: engine.init.append_commit.before, mode: error }
  - op: open-rw
    graph: notes
`,
      "  backend: s3\n",
    );
    const r = context.record;
    expect(r.index).toBe(2);
    expect(f).toMatchObject({ graph: "notes", actor: -1 });
    expect(f.message).toMatch(/graph schema source '[^']*' does not exist/);
    expect(r.pre.graphs.notes?.exists).toBe(false);
    expect(explain(f, context)).toEqual({
      kind: "refusal",
      rule: "graph-damaged",
      residue: expect.stringMatching(
        /^graphs\/notes\.omni's manifest without _schema\.pg, a root the S3 root probe reads as absent, left by step 1 /,
      ),
    });
    expect(violations).toEqual([]);
    // Only what the failing open itself read: without its manifest read, nothing explains it.
    const events = context.history.events.map((e, i) =>
      i >= r.traceFrom && i < r.traceTo && e.t === "call" && e.key.includes("/__manifest/versions/")
        ? { ...e, result: "absent" }
        : e,
    );
    expect(explain(f, { ...context, history: { ...context.history, events } })).toBeNull();
  });
  // An approved delete of archive (config edit, apply, approval), then an apply that carries
  // it out while an agent creates a branch of archive: the seeded scheduler decides where the
  // prefix delete lands among the branch create's calls.
  const deleteRacesBranchCreate = `  - op: remove-graph
    graph: archive
  - op: apply
  - op: approve
    resource: graph.archive
  - op: concurrently
    actors:
      - { op: apply }
      - { op: branch-create, graph: archive, branch: review }
  - op: branch-delete
    graph: archive
    branch: review
`;

  it("graph-deleted-concurrently: an open that began before the delete finds the schema contract gone", async () => {
    // Seed 1: the branch create read _schema.pg, then the delete ran, then its contract check
    // read the contract files (upstream validate_schema_contract: MissingAll).
    const {
      failure: f,
      context,
      violations,
    } = await failureOf("schema_contract", deleteRacesBranchCreate, "", 1);
    expect(f).toMatchObject({ actor: 1, graph: "archive", op: "branch-create" });
    expect(f.message).toMatch(/graph is missing persisted schema state;/);
    expect(explain(f, context)).toEqual({
      kind: "contention",
      rule: "graph-deleted-concurrently",
      with: "the delete of graphs/archive.omni",
    });
    expect(violations).toEqual([]);
    const r = context.record;
    const del = context.history.events.findIndex(
      (e, i) => i >= r.traceFrom && e.t === "call" && e.op === "deletePrefix",
    );
    expect(del).toBeGreaterThan(r.traceFrom);
    // Only a read of the failing actor after the delete: the step's events up to the delete
    // (the delete included) do not explain it.
    expect(explain(f, { ...context, record: { ...r, traceTo: del + 1 } })).toBeNull();
    // Only another actor of a concurrent step.
    expect(explain({ ...f, actor: -1 }, context)).toBeNull();
    // Only what a vanished file says: a contract that disagrees is damage, not a delete.
    const drift =
      "schema evolution is locked down in phase 1: current _schema.pg no longer matches the accepted compiled schema; manual coordination is required";
    expect(explain({ ...f, message: drift }, context)).toBeNull();
  });

  it("graph-deleted-concurrently: the schema source or a listed manifest version gone under the open", async () => {
    // Seed 5: the delete lands after the open bootstrapped the contract; the contract check
    // then reads _schema.pg. Seed 34: the manifest version the branch create listed is gone.
    const source = await failureOf("schema_missing", deleteRacesBranchCreate, "", 5);
    expect(source.failure.message).toMatch(/graph schema source '[^']*' does not exist/);
    expect(explain(source.failure, source.context)).toEqual({
      kind: "contention",
      rule: "graph-deleted-concurrently",
      with: "the delete of graphs/archive.omni",
    });
    expect(source.violations).toEqual([]);
    const version = await failureOf("storage", deleteRacesBranchCreate, "", 34);
    expect(version.failure.message).toMatch(/manifest version \d+ does not exist/);
    expect(explain(version.failure, version.context)).toMatchObject({
      rule: "graph-deleted-concurrently",
    });
    expect(version.violations).toEqual([]);
  });

  it("graph-absent: a deleted root that holds only what a writer racing the delete wrote after it", async () => {
    // Seed 16: the delete lands between the branch create's read of main's head and its write
    // of the branch ref, which recreates the root with that ref and its commit-graph branch
    // (no manifest).
    const {
      failure: f,
      context,
      violations,
    } = await failureOf("not_a_graph", deleteRacesBranchCreate, "", 16);
    const r = context.record;
    expect(r.index).toBe(4);
    expect(r.pre.graphs.archive).toMatchObject({ exists: true, mainVersion: null });
    expect(explain(f, context)).toEqual({
      kind: "refusal",
      rule: "graph-absent",
      residue:
        "graphs/archive.omni/__manifest/branches/review.json, graphs/archive.omni/_graph_commits.lance/_refs/branches/review.json, written by branch-create#3.1 after apply#3.0 deleted graphs/archive.omni in step 3",
    });
    expect(violations).toEqual([]);
    // Not a root with a manifest.
    const archive = r.pre.graphs.archive;
    if (archive === undefined) throw new Error("archive unobserved");
    const graphs = { ...r.pre.graphs, archive: { ...archive, mainVersion: 1 } };
    expect(explain(f, { ...context, record: { ...r, pre: { ...r.pre, graphs } } })).toBeNull();
    // Not when the delete's step was not concurrent (its own process wrote after it).
    const h = context.history;
    const records = h.records.map((x) =>
      x.index === 3 ? { ...x, step: { op: "apply" as const } } : x,
    );
    expect(explain(f, { ...context, history: { ...h, records } })).toBeNull();
    // Not when a later step wrote under the root: shift the delete step's end before the write.
    const write = h.events.findIndex((e) => e.t === "call" && e.step === "engine.branch.create");
    const cut = h.records.map((x) =>
      x.index === 3 ? { ...x, traceTo: write } : x.index === 4 ? { ...x, traceFrom: write } : x,
    );
    expect(explain(f, { ...context, history: { ...h, records: cut } })).toBeNull();
  });

  it("graph-absent: the contract a racing open bootstrapped into the deleted root", async () => {
    // Seed 5: the open read _schema.pg before the delete and found no contract after it, so it
    // wrote one (upstream load_or_bootstrap_schema_contract, MissingAll without branches).
    const { failure: f, context } = await failureOf("not_a_graph", deleteRacesBranchCreate, "", 5);
    expect(explain(f, context)).toEqual({
      kind: "refusal",
      rule: "graph-absent",
      residue:
        "graphs/archive.omni/_schema.ir.json, graphs/archive.omni/__schema_state.json, written by branch-create#3.1 after apply#3.0 deleted graphs/archive.omni in step 3",
    });
  });
  it("graph-deleted-concurrently: on S3 the delete is object by object, each call labelled as the root's delete", async () => {
    // Seed 19: the branch create lists main's manifest versions after the delete began.
    const {
      failure: f,
      context,
      violations,
    } = await failureOf("not_a_graph", deleteRacesBranchCreate, "  backend: s3\n", 19);
    const r = context.record;
    expect(r.index).toBe(3);
    const calls = context.history.events.slice(r.traceFrom, r.traceTo);
    expect(calls.some((e) => e.t === "call" && e.op === "deletePrefix")).toBe(false);
    expect(
      calls.some(
        (e) => e.t === "call" && e.op === "delete" && e.step === "cluster.graph.delete_root",
      ),
    ).toBe(true);
    expect(explain(f, context)).toEqual({
      kind: "contention",
      rule: "graph-deleted-concurrently",
      with: "the delete of graphs/archive.omni",
    });
    expect(violations).toEqual([]);
  });
});
