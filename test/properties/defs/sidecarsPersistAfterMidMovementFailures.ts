import { fc } from "@fast-check/vitest";
import type { Crash, Step } from "../../../sim/scenario/schema.ts";
import type { GraphView } from "../../../sim/universe/observe.ts";
import { reachableFailpoints } from "../../../sim/universe/reach.ts";
import type { FailpointName } from "../../../src/catalog/failpoints.ts";
import { failpointAt, killAtWrite, worldSeed } from "../lib/arbitraries.ts";
import { type Case, explain, judge, type PropertyViolation, runCase } from "../lib/harness.ts";
import type { Property } from "../lib/property.ts";

const NAME = "sidecarsPersistAfterMidMovementFailures";

export const OPERATIONS = ["create", "schema-apply", "delete"] as const;
export type Operation = (typeof OPERATIONS)[number];

/**
 * Crash points at or after each operation's first graph-moving write (the init's schema
 * claim, the manifest commit, the root's removal), where a generator that drew uniformly
 * would rarely land. The arbitrary mixes them with any point apply can reach.
 */
export const AFTER_MOVEMENT: Record<Operation, readonly FailpointName[]> = {
  create: [
    "init.after_schema_pg_written",
    "init.after_schema_contract_written",
    "init.after_coordinator_init",
    "engine.init.claim_schema_pg.after",
    "engine.init.create_manifest.after",
    "engine.init.append_commit.before",
    "cluster_apply.after_graph_create",
    "cluster_apply.before_state_write",
    "cluster.state.write.before",
  ],
  "schema-apply": [
    "schema_apply.after_manifest_commit",
    "graph_publish.after_manifest_commit",
    "graph_publish.before_commit_append",
    "engine.manifest.commit.after",
    "engine.commits.append.before",
    "engine.schema_apply.promote_staging.before",
    "engine.schema_apply.promote_staging.after",
    "cluster_apply.after_schema_apply",
    "cluster_apply.after_payload_phase",
    "cluster_apply.before_state_write",
    "cluster.state.write.before",
  ],
  delete: [
    "cluster.graph.delete_root.after",
    "cluster_apply.after_graph_delete",
    "cluster_apply.before_state_write",
    "cluster.state.write.before",
  ],
};

export interface MidMovementCase extends Case {
  readonly operation: Operation;
  readonly graph: string;
  /** Index of the apply that fails or dies. */
  readonly failing: number;
}

/** Steps that must leave a recovery sidecar alone: nothing here runs the sweep. */
const between = (graph: string): fc.Arbitrary<Step> =>
  fc.oneof(
    { weight: 3, arbitrary: fc.constant({ op: "boot" } as Step) },
    fc.constant({ op: "plan" } as Step),
    fc.constant({ op: "status" } as Step),
    fc.constant({ op: "open-rw", graph } as Step),
  );

const crashFor = (operation: Operation): fc.Arbitrary<Crash> =>
  fc.oneof(
    { weight: 6, arbitrary: failpointAt(AFTER_MOVEMENT[operation]) },
    { weight: 2, arbitrary: failpointAt(reachableFailpoints("apply")) },
    { weight: 1, arbitrary: killAtWrite(40) },
  );

function lead(operation: Operation, graph: string): Step[] {
  switch (operation) {
    case "create":
      return [{ op: "add-graph", graph }];
    case "schema-apply":
      return [{ op: "edit-schema", graph, change: "add-optional" }];
    case "delete":
      // The delete waits for an approval; the approved apply is the one that fails.
      return [
        { op: "remove-graph", graph },
        { op: "apply" },
        { op: "approve", resource: `graph.${graph}` },
      ];
  }
}

const arbitrary: fc.Arbitrary<MidMovementCase> = fc
  .record({
    seed: worldSeed(),
    operation: fc.constantFrom(...OPERATIONS),
    rows: fc.integer({ min: 0, max: 3 }),
    twoGraphs: fc.boolean(),
  })
  .chain(({ seed, operation, rows, twoGraphs }) => {
    // The fixture always keeps one graph the operation does not touch.
    const graphs = twoGraphs || operation === "delete" ? ["archive", "knowledge"] : ["knowledge"];
    const graph = operation === "create" ? "people" : "knowledge";
    return fc
      .record({ crash: crashFor(operation), window: fc.array(between(graph), { maxLength: 3 }) })
      .map(({ crash, window }): MidMovementCase => {
        const before = lead(operation, graph);
        return {
          seed,
          fixture: { graphs, rows },
          steps: [
            ...before,
            { op: "apply", crash },
            { op: "boot" },
            ...window,
            { op: "force-unlock" },
            { op: "apply" },
            { op: "boot" },
          ],
          liveness: false,
          operation,
          graph,
          failing: before.length,
        };
      });
  });

function moved(a: GraphView | undefined, b: GraphView | undefined): boolean {
  return (
    (a?.exists ?? false) !== (b?.exists ?? false) ||
    a?.mainVersion !== b?.mainVersion ||
    a?.schemaDigest !== b?.schemaDigest
  );
}

/**
 * Property 2. For every failure or death at or after the first graph-moving write of a
 * create, a schema apply or an approved delete (the apply failed or died, and the graph it
 * was moving observably moved), while the ledger does not yet account for the graph as it now
 * is: a recovery sidecar naming that graph exists; it stays, byte for byte the same key,
 * through every step that does not run the sweep (serve boots, plan, status, a read-write
 * open); and each of those boots quarantines exactly the graphs named by sidecars, serving
 * every other applied graph. The oracles sidecar-lost-after-movement and quarantine-locality
 * hold throughout.
 */
export const sidecarsPersistAfterMidMovementFailures: Property<MidMovementCase> = {
  name: NAME,
  statement:
    "after a failure or death at or after a create's, schema apply's or delete's first graph-moving write, the sidecar stays until a sweep reconciles it and serve quarantines exactly that graph",
  excludes:
    "nothing: partial staging sets (finding F1) cannot arise here, every chosen point is past the staging writes or outside the schema apply",
  arbitrary,
  numRuns: 150,
  async check(c, defects) {
    const run = await runCase(NAME, c, defects);
    const out: PropertyViolation[] = [
      ...judge(run, "sidecar-lost-after-movement"),
      ...judge(run, "quarantine-locality"),
    ];
    const f = run.records[c.failing];
    if (f === undefined || f.step.op !== "apply") return out;
    const failed = f.outcome.kind === "died" || (f.outcome.kind === "apply" && !f.outcome.view.ok);
    const g = c.graph;
    if (!failed || !moved(f.pre.graphs[g], f.post.graphs[g])) return out;
    const keys = f.post.sidecars.filter((s) => s.graphId === g).map((s) => s.key);
    if (keys.length === 0) return out; // accounted for by the ledger: the oracle judged it
    for (const r of run.records.slice(c.failing + 1)) {
      if (r.step.op === "apply" || r.step.op === "refresh" || r.step.op === "import") break;
      const now = new Set(r.post.sidecars.map((s) => s.key));
      const gone = keys.filter((k) => !now.has(k));
      if (gone.length > 0) {
        out.push({
          code: "sidecar_vanished",
          step: r.index,
          detail: `the recovery sidecar of '${g}' kept until a sweep; ${r.step.op} removed ${gone.join(", ")}`,
        });
      }
      if (r.outcome.kind !== "boot") continue;
      const v = r.outcome.view;
      const pending = new Set(r.pre.sidecars.map((s) => s.graphId));
      const applied = Object.keys(r.pre.ledger?.resources ?? {})
        .filter((a) => a.startsWith("graph."))
        .map((a) => a.slice(6));
      const healthy = applied.filter((x) => !pending.has(x) && r.pre.graphs[x]?.exists);
      if (!v.ok) {
        if (healthy.length > 0) {
          out.push({
            code: "boot_failed",
            step: r.index,
            detail: `serve to quarantine '${g}' and serve [${healthy.join(", ")}]; boot failed: ${v.failureCode}`,
          });
        }
        continue;
      }
      const wrong = v.ready.filter((x) => pending.has(x));
      const missing = healthy.filter((x) => !v.ready.includes(x));
      if (wrong.length > 0 || missing.length > 0) {
        out.push({
          code: "quarantine_not_exact",
          step: r.index,
          detail: `ready exactly [${healthy.join(", ")}]; got ready [${v.ready.join(", ")}]`,
        });
      }
    }
    return out;
  },
  explain: (c, v) => explain(NAME, c, v),
};
