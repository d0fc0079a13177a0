import { describe, expect, it } from "vitest";
import type { Graph } from "../../src/engine/index.ts";
import { GraphStorage } from "../../src/engine/store/graphStorage.ts";
import { commitManifest } from "../../src/engine/store/manifest.ts";
import { World } from "../../src/world/world.ts";
import {
  dump,
  engineError,
  Harness,
  hasLockBranch,
  keys,
  liveSchema,
  ROOT,
  sidecarKeys,
  stagingKeys,
  storedMainVersion,
  V_REQUIRED,
  V_TYPE_CHANGE,
  V1,
  V2,
} from "./helpers.ts";

/** A graph at main v2 (init + one row), opened read-write. */
async function seeded(seed = 1): Promise<{ h: Harness; g: Graph }> {
  const h = new Harness(seed);
  await h.init(V1);
  const g = await h.open();
  await g.insert("Person", [{ name: "ada", age: 36 }]);
  return { h, g };
}

/** Where anything moved (spec §4.7's last two columns). */
function where(h: Harness) {
  return {
    version: storedMainVersion(h.world),
    schema: liveSchema(h.world) === V1 ? "V1" : liveSchema(h.world) === V2 ? "V2" : "other",
    lock: hasLockBranch(h.world),
    sidecars: sidecarKeys(h.world).length,
    staging: stagingKeys(h.world).length,
  };
}

const UNMOVED = { version: 2, schema: "V1", lock: false, sidecars: 0, staging: 0 };

describe("schema apply: the happy path", () => {
  it("moves main by one, promotes the schema, keeps the data, leaves no residue", async () => {
    const { h, g } = await seeded();
    const r = await g.applySchema(V2, { allowDataLoss: false });
    expect(r).toEqual({
      supported: true,
      applied: true,
      manifestVersion: 3,
      steps: [
        {
          kind: "add_property",
          type_kind: "node",
          type_name: "Person",
          property_name: "bio",
          property_type: { scalar: "String", nullable: true, list: false, enum_values: null },
        },
      ],
    });
    expect(where(h)).toEqual({ ...UNMOVED, version: 3, schema: "V2" });
    expect(g.schemaSource()).toBe(V2);
    expect(await g.rows("Person")).toEqual([{ id: "ada", age: 36, bio: null, name: "ada" }]);
    const fresh = await h.open("read_only");
    expect(fresh.schemaSource()).toBe(V2);
    expect(fresh.schemaDigest()).toMatch(/^[0-9a-f]{64}$/);
  });

  it("runs upstream's steps in order: lock, sidecar, Phase B, staging, publish, promote, cleanup, release", async () => {
    const h = new Harness();
    const world = World.simulated(1);
    Object.assign(h, { world });
    await h.init(V1);
    const g = await h.open();
    await g.insert("Person", [{ name: "ada" }]);
    const from = world.trace.events.length;
    await g.applySchema(V2, { allowDataLoss: false });
    const steps = world.trace.events
      .slice(from)
      .flatMap((e) => (e.t === "call" && e.step !== undefined ? [e.step] : []));
    expect(steps).toEqual([
      "engine.branch.create",
      "engine.commits.create_branch",
      "engine.schema_apply.sidecar_write",
      "engine.schema_apply.table_write",
      "engine.schema_apply.staging_write_pg",
      "engine.schema_apply.staging_write_ir",
      "engine.schema_apply.staging_write_state",
      "engine.manifest.commit",
      "engine.commits.append",
      "engine.schema_apply.promote_staging",
      "engine.schema_apply.promote_staging",
      "engine.schema_apply.promote_staging",
      "engine.schema_apply.sidecar_delete",
      "engine.branch.delete",
      "engine.commits.reclaim_branch",
    ]);
  });

  it("an empty plan (comment-only edit) returns applied:false and rewrites nothing (spec A.2)", async () => {
    const { h, g } = await seeded();
    const edited = `// a comment\n${V1}   \n`;
    const r = await g.applySchema(edited, { allowDataLoss: false });
    expect(r).toEqual({ supported: true, applied: false, manifestVersion: 2, steps: [] });
    expect(where(h)).toEqual(UNMOVED);
    expect(liveSchema(h.world)).toBe(V1);
  });

  it("a metadata-only plan writes no sidecar but still publishes and promotes", async () => {
    const { h, g } = await seeded();
    const indexed = "\nnode Person {\n  name: String @key\n  age: I32? @index\n}\n";
    const from = h.world.failpoints.reached.get("recovery.sidecar_write") ?? 0;
    const r = await g.applySchema(indexed, { allowDataLoss: false });
    expect(r.applied).toBe(true);
    expect(r.steps.map((s) => s.kind)).toEqual(["add_constraint"]);
    expect(h.world.failpoints.reached.get("recovery.sidecar_write") ?? 0).toBe(from);
    expect(storedMainVersion(h.world)).toBe(3);
    expect(liveSchema(h.world)).toBe(indexed);
  });

  it("renames, adds and soft-drops types, carrying the data", async () => {
    const h = new Harness();
    await h.init("node User { name: String @key age: I32? }\nnode Tag { label: String }\n");
    const g = await h.open();
    await g.insert("User", [{ name: "ada", age: 36 }]);
    const desired =
      'node Account @rename_from("User") {\n  full_name: String @key @rename_from("name")\n  age: I32?\n}\nnode Topic { title: String? }\n';
    const r = await g.applySchema(desired, { allowDataLoss: false });
    expect(r.steps.map((s) => s.kind)).toEqual([
      "rename_type",
      "rename_property",
      "add_type",
      "drop_type",
    ]);
    expect(await g.rows("Account")).toEqual([{ id: "ada", age: 36, full_name: "ada" }]);
    expect(await g.rows("Topic")).toEqual([]);
    const reopened = await h.open("read_only");
    expect(await reopened.rows("Account")).toEqual([{ id: "ada", age: 36, full_name: "ada" }]);
    expect(await reopened.mainVersion()).toBe(3);
  });

  it("a hard drop (allowDataLoss) reclaims the table's older versions", async () => {
    const { h, g } = await seeded();
    await g.applySchema(V2, { allowDataLoss: false });
    const tableVersions = () => keys(h.world).filter((k) => k.includes("/nodes/")).length;
    expect(tableVersions()).toBe(3);
    const r = await g.applySchema(V1, { allowDataLoss: true });
    expect(r.steps).toEqual([
      {
        kind: "drop_property",
        type_kind: "node",
        type_name: "Person",
        property_name: "bio",
        mode: "hard",
      },
    ]);
    expect(tableVersions()).toBe(1);
    expect(await g.rows("Person")).toEqual([{ id: "ada", age: 36, name: "ada" }]);
  });

  it("applySchema on a read-only handle is refused", async () => {
    const { h } = await seeded();
    const ro = await h.open("read_only");
    const err = await engineError(ro.applySchema(V2, { allowDataLoss: false }));
    expect(err.code).toBe("read_only");
  });
});

describe("the rejection catalogue (spec §4.7)", () => {
  it("non-main branches: preview and apply both refuse; nothing moves, the lock is released", async () => {
    const { h, g } = await seeded();
    await g.createBranch("feature");
    await g.createBranch("experiment");
    const message =
      "schema apply requires a graph with only main; found non-main branches: experiment, feature";
    const p = await engineError(g.previewSchemaApply(V2, { allowDataLoss: false }));
    expect([p.code, p.message]).toEqual(["non_main_branches", message]);
    const a = await engineError(g.applySchema(V2, { allowDataLoss: false }));
    expect([a.code, a.message]).toEqual(["non_main_branches", message]);
    expect(where(h)).toEqual(UNMOVED);
    // The lock was created (step 3), then released by the re-check.
    expect(h.world.failpoints.reached.get("engine.branch.delete.before")).toBe(1);
  });

  it.each([
    [
      "changing a property's type",
      V_TYPE_CHANGE,
      "[OG-MF-106] changing property type for 'Person.age' is not supported in schema migration v1",
    ],
    [
      "adding a required property",
      V_REQUIRED,
      "[OG-MF-103] adding required property 'Person.bio' requires a backfill and is not supported in schema migration v1",
    ],
  ])(
    "unsupported plan (%s): preview and apply refuse with the first reason",
    async (_, src, msg) => {
      const { h, g } = await seeded();
      const p = await engineError(g.previewSchemaApply(src, { allowDataLoss: false }));
      expect([p.code, p.message]).toEqual(["unsupported_migration", msg]);
      const a = await engineError(g.applySchema(src, { allowDataLoss: false }));
      expect([a.code, a.message]).toEqual(["unsupported_migration", msg]);
      expect(where(h)).toEqual(UNMOVED);
    },
  );

  it("a desired schema that does not parse or compile: refused with the compiler's text", async () => {
    const { h, g } = await seeded();
    const bad = "node Person {\n  name: String @key\n  age I32?\n}\n";
    const p = await engineError(g.previewSchemaApply(bad, { allowDataLoss: false }));
    expect(p.code).toBe("schema_parse");
    expect(p.message).toMatch(/^parse error: --> 3:7: expected ':'/);
    const a = await engineError(g.applySchema(bad, { allowDataLoss: false }));
    expect(a.code).toBe("schema_parse");
    const uncompilable = "node Person { name: String @key }\nedge Knows: Person -> Ghost\n";
    const c = await engineError(g.applySchema(uncompilable, { allowDataLoss: false }));
    expect([c.code, c.message]).toEqual([
      "schema_catalog",
      "catalog error: edge Knows references unknown target type: Ghost",
    ]);
    expect(where(h)).toEqual(UNMOVED);
  });

  it("a schema contract that no longer matches: refused, nothing moves", async () => {
    const { h, g } = await seeded();
    await h.proc().storage.put("engine.init.claim_schema_pg", `${ROOT}/_schema.pg`, V2);
    const locked =
      "schema evolution is locked down in phase 1: current _schema.pg no longer matches the accepted compiled schema; manual coordination is required";
    const p = await engineError(g.previewSchemaApply(V2, { allowDataLoss: false }));
    expect([p.code, p.message]).toEqual(["schema_contract", locked]);
    const a = await engineError(g.applySchema(V2, { allowDataLoss: false }));
    expect([a.code, a.message]).toEqual(["schema_contract", locked]);
    expect({ ...where(h), schema: "V1" }).toEqual(UNMOVED);
    const v = await engineError(g.mainVersion());
    expect(v.code).toBe("schema_contract");
  });

  it("a missing schema contract: refused with upstream's text", async () => {
    const { h, g } = await seeded();
    const p = h.proc();
    await p.storage.delete("engine.init.cleanup_schema_files", `${ROOT}/_schema.ir.json`);
    await p.storage.delete("engine.init.cleanup_schema_files", `${ROOT}/__schema_state.json`);
    const a = await engineError(g.applySchema(V2, { allowDataLoss: false }));
    expect(a.code).toBe("schema_contract");
    expect(a.message).toBe(
      "schema evolution is locked down in phase 1: graph is missing persisted schema state; manual coordination is required before schema changes are allowed; manual coordination is required",
    );
    expect(storedMainVersion(h.world)).toBe(2);
    expect(hasLockBranch(h.world)).toBe(false);
  });

  it("policy: preview has no policy check; apply refuses without an actor and on denial", async () => {
    const h = new Harness();
    await h.init(V1);
    const policy = (_action: string, actor: string) =>
      actor === "admin" ? null : `${actor} may not`;
    const g = await h.open("read_write", ROOT, { policy });
    expect((await g.previewSchemaApply(V2, { allowDataLoss: false })).plan.supported).toBe(true);
    const noActor = await engineError(g.applySchema(V2, { allowDataLoss: false }));
    expect(noActor.code).toBe("policy_denied");
    expect(noActor.message).toMatch(/^policy: no actor for engine-layer policy check/);
    const denied = await engineError(g.applySchema(V2, { allowDataLoss: false, actor: "eve" }));
    expect([denied.code, denied.message]).toEqual(["policy_denied", "policy: eve may not"]);
    expect({ ...where(h), version: 2 }).toEqual(UNMOVED);
    expect(h.world.failpoints.reached.get("engine.branch.create.before")).toBeUndefined();
    const ok = await g.applySchema(V2, { allowDataLoss: false, actor: "admin" });
    expect(ok.applied).toBe(true);
  });

  it("a lock branch left by a crashed apply: preview passes, apply refuses, nothing else moves", async () => {
    const { h, g } = await seeded();
    h.world.failpoints.set("schema_apply.before_staging_write", "crash");
    const dead = await World.run(g.context.proc, () => g.applySchema(V2, { allowDataLoss: false }));
    expect(dead.kind).toBe("died");
    h.world.failpoints.clearAll();
    const g2 = await h.open();
    expect(await g2.branches()).toEqual(["main", "__schema_apply_lock__"]);
    expect((await g2.previewSchemaApply(V2, { allowDataLoss: false })).plan.supported).toBe(true);
    const before = storedMainVersion(h.world);
    const a = await engineError(g2.applySchema(V2, { allowDataLoss: false }));
    expect([a.code, a.message]).toEqual([
      "schema_apply_in_progress",
      "schema apply is already in progress",
    ]);
    expect(storedMainVersion(h.world)).toBe(before);
    expect(hasLockBranch(h.world)).toBe(true);
    expect(sidecarKeys(h.world)).toEqual([]);
    // Ordinary writes refuse too while the lock exists.
    const w = await engineError(g2.insert("Person", [{ name: "bob" }]));
    expect([w.code, w.message]).toEqual([
      "unavailable_during_schema_apply",
      "write is unavailable while schema apply is in progress",
    ]);
    const b = await engineError(g2.createBranch("x"));
    expect(b.message).toBe("branch_create is unavailable while schema apply is in progress");
  });

  it("a branch created between preview and apply: the apply refuses and releases the lock", async () => {
    const { h, g } = await seeded();
    await g.previewSchemaApply(V2, { allowDataLoss: false });
    await (await h.open()).createBranch("late");
    const a = await engineError(g.applySchema(V2, { allowDataLoss: false }));
    expect(a.message).toBe(
      "schema apply requires a graph with only main; found non-main branches: late",
    );
    expect({ ...where(h) }).toEqual(UNMOVED);
  });

  it("a branch that lands while the lock is being taken is caught by the re-check (step 3)", async () => {
    const { h, g } = await seeded();
    const other = h.proc("racer");
    h.world.failpoints.setCallback("branch_create.after_manifest_branch_create", async () => {
      // A writer that passed its idle check before the lock existed.
      await other.storage.putIfAbsent(
        "engine.branch.create",
        `${ROOT}/__manifest/branches/racer.json`,
        JSON.stringify({ name: "racer", parent_branch: "main", base_version: 2, created_at: "x" }),
      );
      return "continue" as const;
    });
    const a = await engineError(g.applySchema(V2, { allowDataLoss: false }));
    expect([a.code, a.message]).toEqual([
      "non_main_branches",
      "schema apply requires a graph with only main; found non-main branches: racer",
    ]);
    expect(hasLockBranch(h.world)).toBe(false);
    expect(storedMainVersion(h.world)).toBe(2);
  });

  it("an engine sidecar write failure: refused before any table moves", async () => {
    const { h, g } = await seeded();
    h.world.failpoints.set("recovery.sidecar_write", "error");
    const a = await engineError(g.applySchema(V2, { allowDataLoss: false }));
    expect(a.message).toBe("injected failpoint triggered: recovery.sidecar_write");
    expect(where(h)).toEqual(UNMOVED);
  });

  it("a Phase-B failure: heads advanced, manifest unchanged, sidecar left; the next open rolls back (+1)", async () => {
    const { h, g } = await seeded();
    h.world.failpoints.set("schema_apply.before_staging_write", "error");
    await engineError(g.applySchema(V2, { allowDataLoss: false }));
    h.world.failpoints.clearAll();
    expect(where(h)).toEqual({ ...UNMOVED, sidecars: 1 });
    expect(keys(h.world).filter((k) => k.includes("/nodes/"))).toHaveLength(3);
    const g2 = await h.open();
    expect(where(h)).toEqual({ ...UNMOVED, version: 3 });
    expect(await g2.rows("Person")).toEqual([{ id: "ada", age: 36, name: "ada" }]);
    // Which lets the re-run apply cleanly (the cluster test's second apply).
    expect((await g2.applySchema(V2, { allowDataLoss: false })).manifestVersion).toBe(4);
  });

  it("lease lost: another writer moved main mid-apply; refused, sidecar kept, lock released", async () => {
    const { h, g } = await seeded();
    const other = new GraphStorage(h.proc("other-writer"), ROOT);
    h.world.failpoints.setCallback("engine.schema_apply.table_write.after", async () => {
      await commitManifest(other, [], { schemaIrHash: null, actor: "other" });
      return "continue" as const;
    });
    const a = await engineError(g.applySchema(V2, { allowDataLoss: false }));
    h.world.failpoints.clearAll();
    expect([a.code, a.message]).toEqual([
      "lease_lost",
      "schema apply lost its write lease: main advanced from v2 to v3 while schema apply was in progress",
    ]);
    expect(where(h)).toEqual({ ...UNMOVED, version: 3, sidecars: 1 });
    const g2 = await h.open();
    expect(where(h)).toEqual({ ...UNMOVED, version: 4 });
    expect(g2.schemaSource()).toBe(V1);
  });

  it("after staging, before the manifest: staging present, manifest unchanged; the next open completes it (A.3)", async () => {
    const { h, g } = await seeded();
    h.world.failpoints.set("schema_apply.after_staging_write", "error");
    await engineError(g.applySchema(V2, { allowDataLoss: false }));
    h.world.failpoints.clearAll();
    expect(where(h)).toEqual({ ...UNMOVED, sidecars: 1, staging: 3 });
    const ro = await h.open("read_only");
    expect([ro.schemaSource(), await ro.mainVersion()]).toEqual([V1, 2]);
    const g2 = await h.open();
    expect(where(h)).toEqual({ ...UNMOVED, version: 3, schema: "V2" });
    expect(await g2.rows("Person")).toEqual([{ id: "ada", age: 36, bio: null, name: "ada" }]);
  });

  it.each([
    "graph_publish.after_manifest_commit",
    "graph_publish.before_commit_append",
    "schema_apply.after_manifest_commit",
    "engine.schema_apply.promote_staging.before",
  ] as const)(
    "after the manifest moved (%s): refused, sidecar kept; a read-only open sees the old schema at the new version",
    async (fp) => {
      const { h, g } = await seeded();
      h.world.failpoints.set(fp, "error");
      await engineError(g.applySchema(V2, { allowDataLoss: false }));
      h.world.failpoints.clearAll();
      expect(where(h)).toEqual({ ...UNMOVED, version: 3, sidecars: 1, staging: 3 });
      const before = dump(h.world);
      const ro = await h.open("read_only");
      expect([ro.schemaSource(), await ro.mainVersion()]).toEqual([V1, 3]);
      expect(dump(h.world)).toEqual(before);
      const g2 = await h.open();
      expect([g2.schemaSource(), await g2.mainVersion()]).toEqual([V2, 3]);
      expect(where(h)).toEqual({ ...UNMOVED, version: 3, schema: "V2" });
    },
  );
});
