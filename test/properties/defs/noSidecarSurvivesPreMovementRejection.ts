import { fc } from "@fast-check/vitest";
import type { Step } from "../../../sim/scenario/schema.ts";
import type { FailpointName } from "../../../src/catalog/failpoints.ts";
import { failpointAt, graphSet, worldSeed } from "../lib/arbitraries.ts";
import {
  type Case,
  diagCodes,
  explain,
  judge,
  type PropertyViolation,
  runCase,
} from "../lib/harness.ts";
import type { Property } from "../lib/property.ts";

const NAME = "noSidecarSurvivesPreMovementRejection";

/**
 * Every way the harness can make the engine reject a schema change before the graph moves
 * (spec §4.7, the rows whose "graph state after" is unchanged), each as the steps that set it
 * up and the crash point of the apply that gets rejected.
 */
export const REJECTIONS = [
  "non-main-branch",
  "backfill-required",
  "type-change",
  "lock-branch-present",
  "engine-sidecar-write-failure",
  "phase-b-failure",
  "staging-write-failure",
] as const;
export type Rejection = (typeof REJECTIONS)[number];

/** Rejections whose cause is still there at the next apply. */
const PERSISTENT: ReadonlySet<Rejection> = new Set<Rejection>([
  "non-main-branch",
  "backfill-required",
  "type-change",
  "lock-branch-present",
]);

/** Injected engine errors that land before the manifest moves (§4.7, §4.10). */
const PRE_MOVEMENT_ERRORS: Record<
  "engine-sidecar-write-failure" | "phase-b-failure" | "staging-write-failure",
  readonly FailpointName[]
> = {
  "engine-sidecar-write-failure": [
    "recovery.sidecar_write",
    "engine.schema_apply.sidecar_write.before",
  ],
  "phase-b-failure": [
    "schema_apply.before_staging_write",
    "engine.schema_apply.table_write.before",
    "engine.schema_apply.table_write.after",
  ],
  // Only points with no staging file or all three: a partial staging set is finding F1.
  "staging-write-failure": [
    "engine.schema_apply.staging_write_pg.before",
    "schema_apply.after_staging_write",
  ],
};

export interface RejectionCase extends Case {
  readonly rejection: Rejection;
  /** Index of the apply the engine must reject. */
  readonly rejected: number;
  readonly graph: string;
}

/** Harmless traffic before the rejection: nothing here leaves recovery work behind. */
const noise = (graph: string): fc.Arbitrary<Step> =>
  fc.oneof(
    fc.constant({ op: "boot" } as Step),
    fc.constant({ op: "plan" } as Step),
    fc.constant({ op: "status" } as Step),
    fc.constant({ op: "open-rw", graph } as Step),
    fc.integer({ min: 1, max: 3 }).map((rows) => ({ op: "insert", graph, rows }) as Step),
    fc.constant({ op: "edit-policy", change: "touch" } as Step),
    fc.constant({ op: "apply" } as Step),
  );

function setup(r: Rejection, graph: string): fc.Arbitrary<Step[]> {
  const supported: Step = { op: "edit-schema", graph, change: "add-optional" };
  switch (r) {
    case "non-main-branch":
      return fc
        .constantFrom("feature", "review")
        .map((branch) => [{ op: "branch-create", graph, branch }, supported, { op: "apply" }]);
    case "backfill-required":
      return fc.constant([{ op: "edit-schema", graph, change: "add-required" }, { op: "apply" }]);
    case "type-change":
      return fc.constant([{ op: "edit-schema", graph, change: "type-change" }, { op: "apply" }]);
    case "lock-branch-present":
      // A crashed earlier apply left the engine's schema-apply lock branch (§4.8, last row).
      return fc.constant([
        supported,
        {
          op: "apply",
          crash: {
            kind: "failpoint",
            name: "branch_create.after_manifest_branch_create",
            mode: "crash",
            skip: 0,
          },
        },
        { op: "force-unlock" },
        { op: "apply" },
      ]);
    default:
      return failpointAt(PRE_MOVEMENT_ERRORS[r], "error", { skips: false }).map((crash) => [
        supported,
        { op: "apply", crash },
      ]);
  }
}

const arbitrary: fc.Arbitrary<RejectionCase> = fc
  .record({
    seed: worldSeed(),
    graphs: graphSet(1, 2),
    rejection: fc.constantFrom(...REJECTIONS),
    rerun: fc.boolean(),
  })
  .chain(({ seed, graphs, rejection, rerun }) =>
    fc
      .record({
        graph: fc.constantFrom(...graphs),
        rows: fc.integer({ min: 0, max: 3 }),
      })
      .chain(({ graph, rows }) =>
        fc
          .record({
            before: fc.array(noise(graph), { maxLength: 3 }),
            steps: setup(rejection, graph),
          })
          .map(({ before, steps }): RejectionCase => {
            const all: Step[] = [...before, ...steps, { op: "boot" }];
            // Re-running apply must fail just as loudly without arming a new sidecar (for the
            // rejections that persist; an injected error does not fire twice).
            if (rerun && PERSISTENT.has(rejection)) all.push({ op: "apply" }, { op: "boot" });
            return {
              seed,
              fixture: { graphs, rows },
              steps: all,
              liveness: false,
              rejection,
              graph,
              rejected: before.length + steps.length - 1,
            };
          }),
      ),
  );

/**
 * Property 1. For every schema change the engine rejects before moving the graph (non-main
 * branches, a required property needing a backfill, a type change, a leftover schema-apply
 * lock branch, an engine sidecar write failure, a Phase-B failure, a staging write failure),
 * after apply returns: the apply reported `schema_apply_failed` for the graph, the graph's
 * main version and live schema are unchanged, no recovery sidecar for that graph remains, and
 * the next serve boots it as ready. A re-run of apply behaves the same. The oracles
 * sidecar-orphaned-by-rejection and quarantine-locality hold throughout.
 */
export const noSidecarSurvivesPreMovementRejection: Property<RejectionCase> = {
  name: NAME,
  statement:
    "no recovery sidecar survives a schema change the engine rejects before moving, and serve boots the graph as ready",
  excludes:
    "a staging write that fails between the second and third staging file (known finding F1, partial staging promotion; property 3 covers it); a lost write lease, which is not pre-movement: another writer moved main, so the proof is false and the sidecar is kept on purpose (spec 4.7)",
  arbitrary,
  numRuns: 150,
  async check(c, defects) {
    const run = await runCase(NAME, c, defects);
    const out: PropertyViolation[] = [
      ...judge(run, "sidecar-orphaned-by-rejection"),
      ...judge(run, "quarantine-locality"),
    ];
    const g = c.graph;
    for (const r of run.records) {
      if (r.outcome.kind !== "apply" || r.index < c.rejected) continue;
      const rejected = r.outcome.view.diagnostics.some(
        (d) => d.code === "schema_apply_failed" && d.path === `schema.${g}`,
      );
      if (!rejected) {
        out.push({
          code: "not_rejected",
          step: r.index,
          detail: `apply to report schema_apply_failed for schema.${g}; got [${diagCodes(r).join(", ")}]`,
        });
        continue;
      }
      const a = r.pre.graphs[g];
      const b = r.post.graphs[g];
      if (a?.mainVersion !== b?.mainVersion || a?.schemaDigest !== b?.schemaDigest) {
        out.push({
          code: "graph_moved",
          step: r.index,
          detail: `'${g}' unmoved by a pre-movement rejection; version ${a?.mainVersion} -> ${b?.mainVersion}, schema ${a?.schemaDigest?.slice(0, 8)} -> ${b?.schemaDigest?.slice(0, 8)}`,
        });
      }
      const left = r.post.sidecars.filter((s) => s.graphId === g);
      if (left.length > 0) {
        out.push({
          code: "sidecar_survived",
          step: r.index,
          detail: `no recovery sidecar for '${g}' after the rejected apply; found ${left.map((s) => `${s.key} (${s.kind})`).join(", ")}`,
        });
      }
      const boot = run.records[r.index + 1];
      if (boot?.outcome.kind !== "boot") continue;
      const v = boot.outcome.view;
      if (!v.ok || !v.ready.includes(g)) {
        out.push({
          code: "not_served",
          step: boot.index,
          detail: `serve boots '${g}' as ready; ${v.ok ? `ready [${v.ready.join(", ")}], quarantined [${v.quarantined.map((q) => `${q.graphId}: ${q.code}`).join(", ")}]` : `boot failed: ${v.failureCode}`}`,
        });
      }
    }
    return out;
  },
  explain: (c, v) => explain(NAME, c, v),
};
