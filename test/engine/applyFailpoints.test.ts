import { describe, expect, it } from "vitest";
import type { FailpointName } from "../../src/catalog/failpoints.ts";
import { EngineError } from "../../src/engine/index.ts";
import { World } from "../../src/world/world.ts";
import {
  dump,
  Harness,
  hasCommitGraphLockBranch,
  hasLockBranch,
  liveSchema,
  sidecarKeys,
  stagingKeys,
  storedMainVersion,
  V1,
  V2,
} from "./helpers.ts";

/**
 * Every failpoint a V1 → V2 schema apply reaches (V2 adds `bio: String?`, so `node:Person`
 * is rewritten and an engine sidecar is written), injected as an error and as a crash; then
 * what a read-only open sees (it must write nothing) and what the next read-write open
 * leaves behind (spec §4.7, §4.8).
 *
 * The graph starts at main v2 (init + one insert). "v3" after a failure means the next
 * read-write open published something: a roll-back of an advanced table or the
 * roll-forward that completes the apply.
 */
type ApplyResult = "ok" | "error" | "died";
type OpenResult = "ok" | "schema_contract" | "corrupt_object";

interface Outcome {
  /** What the faulty apply call did. */
  readonly apply: ApplyResult;
  /** Main's version after the next read-write open. */
  readonly version: 2 | 3;
  /** The live `_schema.pg` after that open. */
  readonly schema: "V1" | "V2";
  /** Whether the schema-apply lock branch is still there (recovery never removes it). */
  readonly lock: boolean;
  /**
   * Whether the commit graph still holds the lock's branch: with the lock, its derived side;
   * without it, a zombie the next acquire drops before creating the branch afresh.
   */
  readonly cg: boolean;
  readonly open: OpenResult;
}

/** `cg` is `lock` unless said otherwise: the two sides of the lock branch agree. */
const o = (
  apply: ApplyResult,
  version: 2 | 3,
  schema: "V1" | "V2",
  lock: boolean,
  extra: { readonly open?: OpenResult; readonly cg?: boolean } = {},
): Outcome => ({
  apply,
  version,
  schema,
  lock,
  cg: extra.cg ?? lock,
  open: extra.open ?? "ok",
});
const SC = { open: "schema_contract" } as const;

/** [error outcome, crash outcome] per failpoint, in the order the apply reaches them. */
const MATRIX: ReadonlyArray<readonly [FailpointName, Outcome, Outcome]> = [
  // Step 2: the roll-forward heal lists sidecars before anything else.
  ["recovery.sidecar_list", o("error", 2, "V1", false), o("died", 2, "V1", false)],
  // Step 3: the lock branch. An ack-lost create leaves the lock behind: acquisition failed,
  // so nothing releases it.
  ["engine.branch.create.before", o("error", 2, "V1", false), o("died", 2, "V1", false)],
  [
    "engine.branch.create.after",
    o("error", 2, "V1", true, { cg: false }),
    o("died", 2, "V1", true, { cg: false }),
  ],
  // The branch create rolls its manifest ref back when the derived side fails; a death
  // between the two sides leaves a lock branch without its commit-graph branch.
  [
    "branch_create.after_manifest_branch_create",
    o("error", 2, "V1", false),
    o("died", 2, "V1", true, { cg: false }),
  ],
  [
    "engine.commits.create_branch.before",
    o("error", 2, "V1", false),
    o("died", 2, "V1", true, { cg: false }),
  ],
  // An ack-lost create: the rollback removes the manifest ref only, the commit-graph branch
  // is a zombie (the re-apply below drops it).
  [
    "engine.commits.create_branch.after",
    o("error", 2, "V1", false, { cg: true }),
    o("died", 2, "V1", true),
  ],
  // Step 6: the engine sidecar.
  ["recovery.sidecar_write", o("error", 2, "V1", false), o("died", 2, "V1", true)],
  [
    "engine.schema_apply.sidecar_write.before",
    o("error", 2, "V1", false),
    o("died", 2, "V1", true),
  ],
  // A sidecar with no table movement: rolled back without a publish.
  ["engine.schema_apply.sidecar_write.after", o("error", 2, "V1", false), o("died", 2, "V1", true)],
  // Step 7, Phase B.
  ["engine.schema_apply.table_write.before", o("error", 2, "V1", false), o("died", 2, "V1", true)],
  // The table head advanced, staging never written: restored and re-published (+1).
  ["engine.schema_apply.table_write.after", o("error", 3, "V1", false), o("died", 3, "V1", true)],
  ["schema_apply.before_staging_write", o("error", 3, "V1", false), o("died", 3, "V1", true)],
  [
    "engine.schema_apply.staging_write_pg.before",
    o("error", 3, "V1", false),
    o("died", 3, "V1", true),
  ],
  // Torn staging: with a SchemaApply sidecar present, recovery promotes whichever staging
  // files exist and rolls the tables forward, so `_schema.pg` and the contract disagree
  // and the graph no longer opens (upstream's `complete_staging_rename` does the same).
  [
    "engine.schema_apply.staging_write_pg.after",
    o("error", 3, "V2", false, SC),
    o("died", 3, "V2", true, SC),
  ],
  [
    "engine.schema_apply.staging_write_ir.before",
    o("error", 3, "V2", false, SC),
    o("died", 3, "V2", true, SC),
  ],
  [
    "engine.schema_apply.staging_write_ir.after",
    o("error", 3, "V2", false, SC),
    o("died", 3, "V2", true, SC),
  ],
  [
    "engine.schema_apply.staging_write_state.before",
    o("error", 3, "V2", false, SC),
    o("died", 3, "V2", true, SC),
  ],
  // Staging complete, manifest unmoved: the next open completes the apply (spec A.3).
  [
    "engine.schema_apply.staging_write_state.after",
    o("error", 3, "V2", false),
    o("died", 3, "V2", true),
  ],
  ["schema_apply.after_staging_write", o("error", 3, "V2", false), o("died", 3, "V2", true)],
  ["engine.manifest.commit.before", o("error", 3, "V2", false), o("died", 3, "V2", true)],
  // Step 12 onwards: the manifest moved; the open promotes staging and retires the sidecar.
  ["engine.manifest.commit.after", o("error", 3, "V2", false), o("died", 3, "V2", true)],
  ["graph_publish.after_manifest_commit", o("error", 3, "V2", false), o("died", 3, "V2", true)],
  ["graph_publish.before_commit_append", o("error", 3, "V2", false), o("died", 3, "V2", true)],
  ["engine.commits.append.before", o("error", 3, "V2", false), o("died", 3, "V2", true)],
  ["engine.commits.append.after", o("error", 3, "V2", false), o("died", 3, "V2", true)],
  ["schema_apply.after_manifest_commit", o("error", 3, "V2", false), o("died", 3, "V2", true)],
  [
    "engine.schema_apply.promote_staging.before",
    o("error", 3, "V2", false),
    o("died", 3, "V2", true),
  ],
  [
    "engine.schema_apply.promote_staging.after",
    o("error", 3, "V2", false),
    o("died", 3, "V2", true),
  ],
  // Step 15 is best effort: a failed sidecar delete does not fail the apply.
  ["recovery.sidecar_delete", o("ok", 3, "V2", false), o("died", 3, "V2", true)],
  ["engine.schema_apply.sidecar_delete.before", o("ok", 3, "V2", false), o("died", 3, "V2", true)],
  ["engine.schema_apply.sidecar_delete.after", o("ok", 3, "V2", false), o("died", 3, "V2", true)],
  // Step 16: a failed release fails the (completed) apply and leaves the lock.
  ["engine.branch.delete.before", o("error", 3, "V2", true), o("died", 3, "V2", true)],
  // The manifest ref's delete is the authority: once it is gone, a failure leaves the
  // commit-graph branch as a zombie; the reclaim after it is best effort.
  [
    "engine.branch.delete.after",
    o("error", 3, "V2", false, { cg: true }),
    o("died", 3, "V2", false, { cg: true }),
  ],
  [
    "branch_delete.before_commit_graph_reclaim",
    o("ok", 3, "V2", false, { cg: true }),
    o("died", 3, "V2", false, { cg: true }),
  ],
  [
    "engine.commits.reclaim_branch.before",
    o("ok", 3, "V2", false, { cg: true }),
    o("died", 3, "V2", false, { cg: true }),
  ],
  ["engine.commits.reclaim_branch.after", o("ok", 3, "V2", false), o("died", 3, "V2", false)],
];

async function scenario(name: FailpointName, mode: "error" | "crash") {
  const h = new Harness(`apply-${name}-${mode}`);
  await h.init(V1);
  const g = await h.open();
  await g.insert("Person", [{ name: "ada", age: 36 }]);
  expect(await g.mainVersion()).toBe(2);

  h.world.failpoints.set(name, mode);
  const run = await World.run(g.context.proc, async () => {
    try {
      await g.applySchema(V2, { allowDataLoss: false });
      return null;
    } catch (e) {
      if (e instanceof EngineError) return e;
      throw e;
    }
  });
  h.world.failpoints.clearAll();
  if (run.kind === "died") {
    expect(run.cause).toBe(`crash at ${name}`);
    return { h, apply: "died" as ApplyResult };
  }
  if (run.value === null) return { h, apply: "ok" as ApplyResult };
  // An injected failure flows through the ordinary error path with upstream's text.
  expect(run.value.code).toBe("injected");
  expect(run.value.message).toBe(`injected failpoint triggered: ${name}`);
  return { h, apply: "error" as ApplyResult };
}

async function observe(h: Harness) {
  // A read-only open never writes, whatever residue it finds.
  const before = dump(h.world);
  await h.tryOpen("read_only");
  expect(dump(h.world)).toEqual(before);

  const opened = await h.tryOpen("read_write");
  const open: OpenResult = opened instanceof EngineError ? (opened.code as OpenResult) : "ok";
  const live = liveSchema(h.world);
  return {
    opened,
    outcome: {
      version: storedMainVersion(h.world),
      schema: live === V1 ? "V1" : live === V2 ? "V2" : "?",
      lock: hasLockBranch(h.world),
      cg: hasCommitGraphLockBranch(h.world),
      open,
    },
  };
}

describe("schema apply × every reachable failpoint", () => {
  it("the matrix covers exactly the failpoints a clean apply reaches", async () => {
    const h = new Harness("reach");
    await h.init(V1);
    const g = await h.open();
    await g.insert("Person", [{ name: "ada", age: 36 }]);
    h.world.failpoints.reached.clear();
    await g.applySchema(V2, { allowDataLoss: false });
    expect([...h.world.failpoints.reached.keys()]).toEqual(MATRIX.map(([n]) => n));
  });

  for (const [name, onError, onCrash] of MATRIX) {
    for (const [mode, expected] of [
      ["error", onError],
      ["crash", onCrash],
    ] as const) {
      it(`${name} (${mode})`, async () => {
        const { h, apply } = await scenario(name, mode);
        expect(apply).toBe(expected.apply);

        const { opened, outcome } = await observe(h);
        expect(outcome).toEqual({
          version: expected.version,
          schema: expected.schema,
          lock: expected.lock,
          cg: expected.cg,
          open: expected.open,
        });
        // Recovery leaves no engine residue, even when the graph then fails to open.
        expect(sidecarKeys(h.world)).toEqual([]);
        expect(stagingKeys(h.world)).toEqual([]);
        if (opened instanceof EngineError) return;
        expect(opened.schemaSource()).toBe(expected.schema === "V1" ? V1 : V2);
        expect(await opened.mainVersion()).toBe(expected.version);
        // Data survives every path: the row inserted before the apply is still there.
        expect((await opened.rows("Person")).map((r) => r.name)).toEqual(["ada"]);
        // And the graph converges: a re-apply finishes the job unless the lock is stuck.
        if (expected.lock) {
          const err = await opened.applySchema(V2, { allowDataLoss: false }).catch((e) => e);
          expect(err).toBeInstanceOf(EngineError);
          expect(err.code).toBe("schema_apply_in_progress");
        } else {
          const again = await opened.applySchema(V2, { allowDataLoss: false });
          expect(again.applied).toBe(expected.schema === "V1");
          expect(opened.schemaSource()).toBe(V2);
          // The re-apply's release reclaimed the commit-graph branch, a zombie included.
          expect(hasCommitGraphLockBranch(h.world)).toBe(false);
        }
      });
    }
  }
});
