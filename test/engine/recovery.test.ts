import { describe, expect, it } from "vitest";
import { EngineError, type Graph } from "../../src/engine/index.ts";
import { GraphStorage } from "../../src/engine/store/graphStorage.ts";
import { commitManifest, readHead } from "../../src/engine/store/manifest.ts";
import { World } from "../../src/world/world.ts";
import {
  dump,
  engineError,
  Harness,
  keys,
  liveSchema,
  ROOT,
  sidecarKeys,
  stagingKeys,
  storedMainVersion,
  V1,
  V2,
} from "./helpers.ts";

async function seeded(seed: number | string = 1): Promise<{ h: Harness; g: Graph }> {
  const h = new Harness(seed);
  await h.init(V1);
  const g = await h.open();
  await g.insert("Person", [{ name: "ada", age: 36 }]);
  return { h, g };
}

function audits(h: Harness): Array<Record<string, unknown>> {
  return dump(h.world)
    .filter(([k]) => k.startsWith(`${ROOT}/_graph_commit_recoveries.lance/`))
    .map(([, v]) => JSON.parse(v));
}

async function put(h: Harness, rel: string, text: string): Promise<void> {
  await h.proc("tamper").storage.put("engine.init.claim_schema_pg", `${ROOT}/${rel}`, text);
}

async function failApply(g: Graph, h: Harness, fp: Parameters<typeof h.world.failpoints.set>[0]) {
  h.world.failpoints.set(fp, "crash");
  const r = await World.run(g.context.proc, () => g.applySchema(V2, { allowDataLoss: false }));
  expect(r.kind).toBe("died");
  h.world.failpoints.clearAll();
}

describe("engine recovery at the next read-write open (spec §4.8)", () => {
  it("residue from Phase B: tables restored and re-published, schema unchanged, audit RolledBack", async () => {
    const { h, g } = await seeded();
    await failApply(g, h, "schema_apply.before_staging_write");
    expect(sidecarKeys(h.world)).toHaveLength(1);
    await h.open();
    expect(storedMainVersion(h.world)).toBe(3);
    expect(liveSchema(h.world)).toBe(V1);
    expect(sidecarKeys(h.world)).toEqual([]);
    expect(audits(h)).toMatchObject([
      {
        recovery_kind: "RolledBack",
        sidecar_writer_kind: "SchemaApply",
        per_table_outcomes: [{ table_key: "node:Person", from_version: 3, to_version: 2 }],
      },
    ]);
  });

  it("residue after staging, before the manifest: the apply completes (+1), audit RolledForward", async () => {
    const { h, g } = await seeded();
    await failApply(g, h, "engine.manifest.commit.before");
    const g2 = await h.open();
    expect([storedMainVersion(h.world), g2.schemaSource()]).toEqual([3, V2]);
    expect(audits(h)).toMatchObject([{ recovery_kind: "RolledForward" }]);
    expect(stagingKeys(h.world)).toEqual([]);
  });

  it("residue after the manifest moved: staging promoted, no further version, audit RolledForward", async () => {
    const { h, g } = await seeded();
    await failApply(g, h, "schema_apply.after_manifest_commit");
    expect(storedMainVersion(h.world)).toBe(3);
    const g2 = await h.open();
    expect([storedMainVersion(h.world), g2.schemaSource()]).toEqual([3, V2]);
    expect(audits(h)).toMatchObject([
      {
        recovery_kind: "RolledForward",
        per_table_outcomes: [{ table_key: "node:Person", from_version: 2, to_version: 3 }],
      },
    ]);
  });

  it("a partly promoted staging set is finished file by file", async () => {
    const { h, g } = await seeded();
    await failApply(g, h, "engine.schema_apply.promote_staging.after");
    expect(stagingKeys(h.world)).toHaveLength(2);
    const g2 = await h.open();
    expect(g2.schemaSource()).toBe(V2);
    expect(stagingKeys(h.world)).toEqual([]);
  });

  it("metadata-only residue that cannot be disambiguated: the open refuses (spec A.4)", async () => {
    const { h, g } = await seeded();
    const indexed = "\nnode Person {\n  name: String @key\n  age: I32? @index\n}\n";
    h.world.failpoints.set("schema_apply.after_staging_write", "crash");
    const r = await World.run(g.context.proc, () =>
      g.applySchema(indexed, { allowDataLoss: false }),
    );
    expect(r.kind).toBe("died");
    h.world.failpoints.clearAll();
    expect(sidecarKeys(h.world)).toEqual([]);
    const err = await engineError(h.open());
    expect(err.code).toBe("staging_ambiguous");
    expect(err.message).toMatch(
      /^schema evolution is locked down in phase 1: found schema staging files but cannot disambiguate pre- vs post-commit crash: .* Manifest version: v2; manual coordination is required$/,
    );
    // A read-only open still works and sees the old schema.
    expect((await h.open("read_only")).schemaSource()).toBe(V1);
  });

  it("staging whose compiled schema equals the live one is dropped", async () => {
    const { h } = await seeded();
    const files = Object.fromEntries(dump(h.world));
    await put(h, "_schema.pg.staging", `// same schema, new comment\n${V1}`);
    await put(h, "_schema.ir.json.staging", files[`${ROOT}/_schema.ir.json`] as string);
    await put(h, "__schema_state.json.staging", files[`${ROOT}/__schema_state.json`] as string);
    const g = await h.open();
    expect(g.schemaSource()).toBe(V1);
    expect(stagingKeys(h.world)).toEqual([]);
    expect(storedMainVersion(h.world)).toBe(2);
  });

  it("staging with a different table set is resolved by the manifest's tables", async () => {
    const withTag = `${V1}node Tag { label: String? }\n`;
    // Pre-commit crash: the manifest still has the live table set → staging dropped.
    {
      const { h } = await seeded("pre");
      await put(h, "_schema.pg.staging", withTag);
      const g = await h.open();
      expect(g.schemaSource()).toBe(V1);
      expect(stagingKeys(h.world)).toEqual([]);
    }
    // Post-commit crash: the manifest has the staging table set → staging promoted.
    {
      const { h } = await seeded("post");
      const s = new GraphStorage(h.proc("writer"), ROOT);
      await commitManifest(s, [{ kind: "register", tableKey: "node:Tag", path: "nodes/tag" }], {
        schemaIrHash: null,
        actor: null,
      });
      await put(h, "_schema.pg.staging", withTag);
      const compiled = (await import("../../src/engine/index.ts")).compileSchema(withTag);
      if (!compiled.ok) throw new Error("fixture schema must compile");
      const { schemaIrPrettyJson } = await import("../../src/engine/schema/ir.ts");
      const { schemaStateFor } = await import("../../src/engine/store/schemaFiles.ts");
      await put(h, "_schema.ir.json.staging", schemaIrPrettyJson(compiled.schema.ir));
      await put(
        h,
        "__schema_state.json.staging",
        JSON.stringify(schemaStateFor(compiled.schema.ir)),
      );
      const g = await h.open();
      expect(g.schemaSource()).toBe(withTag);
      expect(stagingKeys(h.world)).toEqual([]);
    }
  });

  it("a read-only open performs no recovery and no writes", async () => {
    const { h, g } = await seeded();
    await failApply(g, h, "schema_apply.after_staging_write");
    const before = dump(h.world);
    const ro = await h.open("read_only");
    expect(await ro.mainVersion()).toBe(2);
    expect(await ro.rows("Person")).toEqual([{ id: "ada", age: 36, name: "ada" }]);
    expect(await ro.branches()).toEqual(["main", "__schema_apply_lock__"]);
    expect(dump(h.world)).toEqual(before);
    const err = await engineError(ro.insert("Person", [{ name: "x" }]));
    expect(err.code).toBe("read_only");
  });

  it("an injected error inside recovery fails the open; the next open converges", async () => {
    for (const fp of [
      "recovery.sidecar_list",
      "recovery.record_audit",
      "recovery.sidecar_delete",
      "engine.recovery.table_restore.after",
      "engine.recovery.audit.before",
      "engine.recovery.sidecar_delete.before",
    ] as const) {
      const { h, g } = await seeded(fp);
      await failApply(g, h, "schema_apply.before_staging_write");
      h.world.failpoints.set(fp, "error");
      const err = await engineError(h.open());
      expect([err.code, err.message]).toEqual(["injected", `injected failpoint triggered: ${fp}`]);
      h.world.failpoints.clearAll();
      const g2 = await h.open();
      expect(g2.schemaSource()).toBe(V1);
      expect(sidecarKeys(h.world)).toEqual([]);
      expect(await g2.rows("Person")).toEqual([{ id: "ada", age: 36, name: "ada" }]);
    }
  });

  it("a sidecar listed and then deleted by a concurrent finisher fails the open (upstream reads each listed sidecar with no allowance for absence); the next open converges", async () => {
    const { h, g } = await seeded();
    await failApply(g, h, "schema_apply.before_staging_write");
    const [sidecar] = sidecarKeys(h.world);
    if (sidecar === undefined) throw new Error("the failed apply left no sidecar");
    // The finisher's delete lands between the opener's listing and its read of the sidecar.
    let raced = false;
    const store = h.world.store;
    const list = store.list.bind(store);
    store.list = async (dir: string) => {
      const names = await list(dir);
      if (!raced && dir === `${ROOT}/__recovery` && names.length > 0) {
        raced = true;
        await store.delete(sidecar);
      }
      return names;
    };
    const err = await engineError(h.open());
    store.list = list;
    expect(raced).toBe(true);
    expect(err.message).toContain(sidecar);
    // The next open (no race) finds no sidecar left to act on.
    const g2 = await h.open();
    expect(g2.schemaSource()).toBe(V1);
    expect(sidecarKeys(h.world)).toEqual([]);
  });

  it("a crash in the middle of a roll-back is rolled back again by the next open", async () => {
    const { h, g } = await seeded();
    await failApply(g, h, "schema_apply.before_staging_write");
    h.world.failpoints.set("engine.recovery.table_restore.after", "crash");
    const p = h.proc();
    const { openGraph } = await import("../../src/engine/index.ts");
    expect((await World.run(p, () => openGraph(p, ROOT, "read_write"))).kind).toBe("died");
    h.world.failpoints.clearAll();
    const g2 = await h.open();
    expect(await g2.rows("Person")).toEqual([{ id: "ada", age: 36, name: "ada" }]);
    expect(storedMainVersion(h.world)).toBe(3);
    expect(sidecarKeys(h.world)).toEqual([]);
  });

  it("a sidecar whose table is behind its manifest pin is an invariant violation: the open refuses", async () => {
    const { h, g } = await seeded();
    await failApply(g, h, "engine.schema_apply.sidecar_write.after");
    const tableFiles = keys(h.world).filter((k) => k.includes("/nodes/"));
    const p = h.proc("vandal");
    await p.storage.delete("engine.init.cleanup_schema_files", tableFiles[1] as string);
    const err = await engineError(h.open());
    expect(err.code).toBe("recovery_invariant");
    expect(err.message).toMatch(/has invariant violation; refusing to act/);
    expect((await h.open("read_only")).schemaSource()).toBe(V1);
  });
});

describe("staged writes (insert) and their recovery", () => {
  it("a crash after the table write but before the publish is rolled forward by the next open", async () => {
    const { h, g } = await seeded();
    h.world.failpoints.set("engine.insert.table_write.after", "crash");
    const r = await World.run(g.context.proc, () => g.insert("Person", [{ name: "bob" }]));
    expect(r.kind).toBe("died");
    h.world.failpoints.clearAll();
    const g2 = await h.open();
    expect(storedMainVersion(h.world)).toBe(3);
    expect((await g2.rows("Person")).map((x) => x.name)).toEqual(["ada", "bob"]);
    expect(audits(h)).toMatchObject([
      { recovery_kind: "RolledForward", sidecar_writer_kind: "Mutation" },
    ]);
  });

  it("a crash before the table write is rolled back without a publish", async () => {
    const { h, g } = await seeded();
    h.world.failpoints.set("engine.insert.table_write.before", "crash");
    await World.run(g.context.proc, () => g.insert("Person", [{ name: "bob" }]));
    h.world.failpoints.clearAll();
    const g2 = await h.open();
    expect(storedMainVersion(h.world)).toBe(2);
    expect((await g2.rows("Person")).map((x) => x.name)).toEqual(["ada"]);
  });

  it("a failed publish is healed in-process (roll-forward only) by the next write", async () => {
    const { h, g } = await seeded();
    h.world.failpoints.set("engine.manifest.commit.before", "error");
    const err = await engineError(g.insert("Person", [{ name: "bob" }]));
    expect(err.code).toBe("injected");
    h.world.failpoints.clearAll();
    expect(sidecarKeys(h.world)).toHaveLength(1);
    const v = await g.insert("Person", [{ name: "cy" }]);
    expect(v).toBe(4);
    expect((await g.rows("Person")).map((x) => x.name)).toEqual(["ada", "bob", "cy"]);
    expect(sidecarKeys(h.world)).toEqual([]);
  });

  it("validates rows: unknown types and properties, types, nulls, @key uniqueness, edge endpoints", async () => {
    const h = new Harness();
    await h.init(
      "node Person { name: String @key age: I32? }\nnode Co { name: String @key }\nedge WorksAt: Person -> Co { since: Date? }\n",
    );
    const g = await h.open();
    await g.insert("Person", [{ name: "ada" }]);
    await g.insert("Co", [{ name: "acme" }]);
    const cases: Array<[string, Array<Record<string, unknown>>, string, string]> = [
      ["Ghost", [{}], "invalid_argument", "unknown node/edge type `Ghost`"],
      [
        "Person",
        [{ name: "x", height: 1 }],
        "invalid_argument",
        "type `Person` has no property `height`",
      ],
      [
        "Person",
        [{ name: "x", age: "old" }],
        "invalid_argument",
        'Person[0].age: expected I32?, got "old"',
      ],
      [
        "Person",
        [{ age: 3 }],
        "invalid_argument",
        "Person[0].name: non-nullable property got null",
      ],
      [
        "Person",
        [{ name: "ada" }],
        "constraint_violation",
        "@key constraint violation on Person.name: duplicate value 'ada' at rows 0 and 1",
      ],
      ["WorksAt", [{ from: "ada", to: "nope" }], "invalid_argument", "WorksAt[0]: no Co 'nope'"],
    ];
    for (const [type, rows, code, message] of cases) {
      const err = await engineError(g.insert(type, rows));
      expect([err.code, err.message]).toEqual([code, message]);
    }
    expect(storedMainVersion(h.world)).toBe(3);
    await g.insert("WorksAt", [{ from: "ada", to: "acme", since: "2020-01-01" }]);
    expect((await g.rows("WorksAt")).map((r) => [r.src, r.dst, r.since])).toEqual([
      ["ada", "acme", "2020-01-01"],
    ]);
  });

  it("branches: create, list, delete, and their refusals", async () => {
    const { h, g } = await seeded();
    await g.createBranch("feature");
    expect(await g.branches()).toEqual(["main", "feature"]);
    expect(storedMainVersion(h.world)).toBe(2);
    const dup = await engineError(g.createBranch("feature"));
    expect([dup.code, dup.message]).toEqual(["branch_exists", "branch 'feature' already exists"]);
    const internal = await engineError(g.createBranch("__schema_apply_lock__"));
    expect(internal.message).toBe(
      "branch_create does not allow internal system ref '__schema_apply_lock__'",
    );
    expect((await engineError(g.createBranch("main"))).message).toBe("cannot create branch 'main'");
    expect((await engineError(g.deleteBranch("nope"))).message).toBe("branch 'nope' not found");
    await g.deleteBranch("feature");
    expect(await g.branches()).toEqual(["main"]);
  });
});

describe("corrupt objects are errors with code corrupt_object naming the key", () => {
  it.each([
    ["the manifest head (bad JSON)", "__manifest/versions/0000000002.json", "{not json"],
    [
      "the manifest head (unknown field)",
      "__manifest/versions/0000000002.json",
      '{"version":2,"tables":{},"schema_ir_hash":null,"committed_at":"x","actor":null,"extra":1}',
    ],
    ["the accepted IR", "_schema.ir.json", "[1,2"],
    ["the schema state", "__schema_state.json", '{"format_version":1}'],
  ])("%s: both opens refuse", async (_, rel, text) => {
    const { h } = await seeded();
    await put(h, rel, text);
    for (const mode of ["read_only", "read_write"] as const) {
      const err = await engineError(h.open(mode));
      expect(err.code).toBe("corrupt_object");
      expect(err.key).toBe(`${ROOT}/${rel}`);
      expect(err.message).toContain(rel);
    }
  });

  it("an engine sidecar: the read-write open refuses, the read-only open does not read it", async () => {
    const { h } = await seeded();
    const rel = "__recovery/01JUNKJUNKJUNKJUNKJUNKJUNK.json";
    await put(h, rel, '{"schema_version":2,"operation_id":"x"');
    const err = await engineError(h.open("read_write"));
    expect([err.code, err.key]).toEqual(["corrupt_object", `${ROOT}/${rel}`]);
    expect((await h.open("read_only")).schemaSource()).toBe(V1);
  });

  it("an engine sidecar from a newer binary is refused with upstream's text", async () => {
    const { h } = await seeded();
    const rel = "__recovery/01NEWER.json";
    await put(
      h,
      rel,
      JSON.stringify({
        schema_version: 3,
        operation_id: "01NEWER",
        started_at: "x",
        branch: null,
        actor_id: null,
        writer_kind: "SchemaApply",
        tables: [],
      }),
    );
    const err = await engineError(h.open("read_write"));
    expect(err.code).toBe("corrupt_object");
    expect(err.message).toMatch(
      /declares schema_version=3, newer than the maximum this binary supports/,
    );
  });

  it("a table version: reads refuse", async () => {
    const { h, g } = await seeded();
    const tableFile = keys(h.world).filter((k) => k.includes("/nodes/"))[1] as string;
    await h
      .proc()
      .storage.put("engine.insert.table_write", tableFile, '{"table_key":"node:Person"}');
    const err = await engineError(g.rows("Person"));
    expect([err.code, err.key]).toEqual(["corrupt_object", tableFile]);
  });

  it("a root that is not a graph, and a graph without _schema.pg", async () => {
    const h = new Harness();
    expect((await engineError(h.open())).code).toBe("not_a_graph");
    await h.init(V1);
    await h.proc().storage.delete("engine.init.cleanup_schema_files", `${ROOT}/_schema.pg`);
    expect((await engineError(h.open())).code).toBe("schema_missing");
    expect(await readHead(new GraphStorage(h.proc(), ROOT))).toMatchObject({ version: 1 });
  });
});

describe("open-time failures are data, never exceptions of other kinds", () => {
  it("every error thrown by the engine is an EngineError", async () => {
    const { h } = await seeded();
    await put(h, "_schema.pg", "node {");
    const err = await h.open().catch((e) => e);
    expect(err).toBeInstanceOf(EngineError);
    expect(err.code).toBe("schema_parse");
  });
});
