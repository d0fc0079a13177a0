import { fc, test } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import { compileSchema, parseQueries } from "../../src/engine/index.ts";
import { World } from "../../src/world/world.ts";
import {
  dump,
  engineError,
  Harness,
  hasLockBranch,
  ROOT,
  storedMainVersion,
  V1,
  V2,
} from "./helpers.ts";

const TOKENS = [
  "node",
  "edge",
  "interface",
  "Person",
  "name",
  ":",
  "String",
  "I32",
  "?",
  "{",
  "}",
  "@key",
  "@index",
  "(",
  ")",
  "->",
  ",",
  "..",
  "//c\n",
  '"x"',
  " ",
  "\n",
  "enum",
  "[",
  "]",
  "$p",
  "query",
  "match",
  "return",
  ".",
];

describe("properties", () => {
  test.prop([fc.array(fc.constantFrom(...TOKENS), { maxLength: 40 }).map((xs) => xs.join(" "))])(
    "the parsers never throw, and every failure is positioned inside the text",
    (src) => {
      for (const r of [compileSchema(src), parseQueries(src)]) {
        if (r.ok) continue;
        expect(r.error.offset).toBeGreaterThanOrEqual(0);
        expect(r.error.offset).toBeLessThanOrEqual(src.length);
        expect(r.error.line).toBeGreaterThanOrEqual(1);
        expect(r.error.message.length).toBeGreaterThan(0);
      }
    },
  );

  const DECLS = [
    "node Person { name: String @key age: I32? }",
    "node Company { name: String @key }",
    "edge Knows: Person -> Person { since: Date? }",
    "edge WorksAt: Person -> Company",
    "interface Named { label: String? }",
  ];
  test.prop([
    fc.shuffledSubarray(DECLS, { minLength: DECLS.length }),
    fc.constantFrom("\n", "\n\n// x\n", " /* y */ "),
  ])("the compiled-schema hash does not depend on declaration order or layout", (order, sep) => {
    const a = compileSchema(DECLS.join("\n"));
    const b = compileSchema(order.join(sep));
    if (!a.ok || !b.ok) throw new Error("fixture must compile");
    expect(b.schema.irHash).toBe(a.schema.irHash);
  });
});

describe("more engine behaviour", () => {
  it.each(["read_only", "read_write"] as const)(
    "a %s open bootstraps a missing contract when only main exists (upstream load_or_bootstrap_schema_contract runs in both modes)",
    async (mode) => {
      const h = new Harness();
      await h.init(V1);
      const p = h.proc();
      const ir = await p.storage.read(`${ROOT}/_schema.ir.json`);
      await p.storage.delete("engine.init.cleanup_schema_files", `${ROOT}/_schema.ir.json`);
      await p.storage.delete("engine.init.cleanup_schema_files", `${ROOT}/__schema_state.json`);
      const g = await h.open(mode);
      expect(g.schemaSource()).toBe(V1);
      expect(await g.mainVersion()).toBe(1);
      const keys = dump(h.world).map(([k]) => k);
      expect(keys).toContain(`${ROOT}/__schema_state.json`);
      expect(await p.storage.read(`${ROOT}/_schema.ir.json`)).toBe(ir);
    },
  );

  it("a read-only open that finds the contract writes nothing", async () => {
    const h = new Harness();
    await h.init(V1);
    const before = dump(h.world);
    expect((await h.open("read_only")).schemaSource()).toBe(V1);
    expect(dump(h.world)).toEqual(before);
  });

  it("a same-handle retry after a Phase-B failure meets a stale table head until a reopen", async () => {
    const h = new Harness();
    await h.init(V1);
    const g = await h.open();
    h.world.failpoints.set("schema_apply.before_staging_write", "error");
    await engineError(g.applySchema(V2, { allowDataLoss: false }));
    h.world.failpoints.clearAll();
    const retry = await engineError(g.applySchema(V2, { allowDataLoss: false }));
    expect(retry.code).toBe("conflict");
    expect(retry.message).toMatch(/^stale view of 'node:Person'/);
    expect(hasLockBranch(h.world)).toBe(false);
    const g2 = await h.open();
    expect((await g2.applySchema(V2, { allowDataLoss: false })).applied).toBe(true);
    expect(g2.schemaSource()).toBe(V2);
  });

  it("two concurrent applies: one takes the lock, the other is refused", async () => {
    const h = new Harness();
    await h.init(V1);
    const a = await h.open();
    const b = await h.open();
    const pa = a.context.proc;
    let held = true;
    const waiters: Array<() => void> = [];
    // Hold `a` right after it created the lock branch, then let `b` run.
    h.world.failpoints.setCallback("branch_create.after_manifest_branch_create", async (ctx) => {
      if (ctx.process === pa.name && held) await new Promise<void>((r) => waiters.push(r));
      return "continue" as const;
    });
    const first = a.applySchema(V2, { allowDataLoss: false });
    await new Promise((r) => setImmediate(r));
    const err = await engineError(b.applySchema(V2, { allowDataLoss: false }));
    expect([err.code, err.message]).toEqual([
      "schema_apply_in_progress",
      "schema apply is already in progress",
    ]);
    held = false;
    for (const w of waiters) w();
    expect((await first).manifestVersion).toBe(2);
    expect(storedMainVersion(h.world)).toBe(2);
    expect(hasLockBranch(h.world)).toBe(false);
  });

  it("a crash is judged by the death, whatever catch blocks ran", async () => {
    const h = new Harness();
    await h.init(V1);
    const g = await h.open();
    h.world.failpoints.set("engine.schema_apply.table_write.before", "crash");
    const r = await World.run(g.context.proc, () => g.applySchema(V2, { allowDataLoss: false }));
    expect(r).toEqual({ kind: "died", cause: "crash at engine.schema_apply.table_write.before" });
    // The lock-release in the error path could not run on a dead process.
    expect(hasLockBranch(h.world)).toBe(true);
  });
});
