import { describe, expect, it } from "vitest";
import type { FailpointName } from "../../src/catalog/failpoints.ts";
import { EngineError, initGraph, schemaIrHash } from "../../src/engine/index.ts";
import { World } from "../../src/world/world.ts";
import { dump, engineError, Harness, keys, ROOT, storedMainVersion, V1 } from "./helpers.ts";

function rootKeys(h: Harness): string[] {
  return keys(h.world).filter((k) => k.startsWith(`${ROOT}/`));
}

describe("init (spec §4.2)", () => {
  it("lays out schema files, contract, per-type tables, manifest v1 and the first commit", async () => {
    const h = new Harness();
    await h.init(V1);
    const rel = rootKeys(h).map((k) => k.slice(ROOT.length + 1));
    expect(rel).toEqual([
      "__manifest/versions/0000000001.json",
      "__schema_state.json",
      expect.stringMatching(/^_graph_commits\.lance\/[0-9A-Z]{26}\.json$/),
      "_schema.ir.json",
      "_schema.pg",
      expect.stringMatching(/^nodes\/[0-9a-f]{16}\/v0000000001\.json$/),
    ]);
    const files = Object.fromEntries(dump(h.world));
    expect(files[`${ROOT}/_schema.pg`]).toBe(V1);
    const state = JSON.parse(files[`${ROOT}/__schema_state.json`] as string);
    const ir = JSON.parse(files[`${ROOT}/_schema.ir.json`] as string);
    expect(state).toEqual({
      format_version: 1,
      schema_ir_hash: schemaIrHash(ir),
      schema_identity_version: 1,
    });
    const manifest = JSON.parse(files[`${ROOT}/__manifest/versions/0000000001.json`] as string);
    expect(manifest).toMatchObject({
      version: 1,
      schema_ir_hash: state.schema_ir_hash,
      actor: null,
    });
    expect(Object.keys(manifest.tables)).toEqual(["node:Person"]);
    const g = await h.open();
    expect(await g.mainVersion()).toBe(1);
    expect(await g.branches()).toEqual(["main"]);
    expect(g.schemaSource()).toBe(V1);
  });

  for (const file of ["_schema.pg", "_schema.ir.json", "__schema_state.json"]) {
    it(`refuses a root already holding ${file}, writing nothing`, async () => {
      const h = new Harness();
      const p = h.proc();
      await p.storage.put("engine.init.claim_schema_pg", `${ROOT}/${file}`, "junk");
      const before = dump(h.world);
      const err = await engineError(initGraph(h.proc(), ROOT, V1));
      expect(err.code).toBe("already_initialized");
      expect(err.message).toBe(`graph already initialized at '${ROOT}'; pass --force to overwrite`);
      expect(dump(h.world)).toEqual(before);
    });
  }

  it("rejects a schema that does not parse before any write, with a position", async () => {
    const h = new Harness();
    const err = await engineError(initGraph(h.proc(), ROOT, "node Person {\n  Name: String\n}\n"));
    expect(err.code).toBe("schema_parse");
    expect(err.message).toMatch(/^parse error: --> 2:3: expected/);
    expect(dump(h.world)).toEqual([]);
  });

  it("rejects a schema that does not compile before any write", async () => {
    const h = new Harness();
    const err = await engineError(
      initGraph(h.proc(), ROOT, "node A { x: String }\nedge E: A -> Missing\n"),
    );
    expect(err.code).toBe("schema_catalog");
    expect(err.message).toBe("catalog error: edge E references unknown target type: Missing");
    expect(dump(h.world)).toEqual([]);
  });

  it("two racing inits: both pass the preflight, exactly one claims _schema.pg", async () => {
    const h = new Harness();
    const a = h.proc("a");
    const b = h.proc("b");
    // Hold b at its fourth store call (the claim), after its three preflight checks.
    let bCalls = 0;
    let release: () => void = () => undefined;
    const held = new Promise<void>((r) => {
      release = r;
    });
    h.world.gate = async (p) => {
      if (p === b && ++bCalls === 4) await held;
    };
    const second = initGraph(b, ROOT, V1).then(
      () => "ok",
      (e: EngineError) => e.code,
    );
    await new Promise((r) => setImmediate(r));
    expect(bCalls).toBe(4);
    await initGraph(a, ROOT, V1);
    release();
    expect(await second).toBe("already_initialized");
    h.world.gate = undefined;
    expect(storedMainVersion(h.world)).toBe(1);
    expect(await (await h.open()).mainVersion()).toBe(1);
  });
});

type OpenResult = "ok" | "not_a_graph" | "schema_missing";
type ReinitResult = "ok" | "already_initialized" | "storage";
interface Outcome {
  readonly rootExists: boolean;
  readonly open: OpenResult;
  readonly reinit: ReinitResult;
}
const o = (rootExists: boolean, open: OpenResult, reinit: ReinitResult): Outcome => ({
  rootExists,
  open,
  reinit,
});

const EMPTY = o(false, "not_a_graph", "ok");
/**
 * The init gap: tables (and maybe the manifest) stay, the schema files are gone. A new init
 * meets the table's dataset in Lance's create mode (a storage error, upstream's OmniError::Lance).
 */
const TABLES_ONLY = o(true, "not_a_graph", "storage");
const GAP = o(true, "schema_missing", "storage");
/** A crash leaves whatever was written; no cleanup runs. */
const CLAIMED = o(true, "not_a_graph", "already_initialized");
const COMPLETE = o(true, "ok", "already_initialized");

/** [error outcome, crash outcome], in the order init reaches them. */
const MATRIX: ReadonlyArray<readonly [FailpointName, Outcome, Outcome]> = [
  ["engine.init.claim_schema_pg.before", EMPTY, EMPTY],
  // An ack-lost claim is not a claim: no cleanup, `_schema.pg` stays.
  ["engine.init.claim_schema_pg.after", CLAIMED, CLAIMED],
  ["init.after_schema_pg_written", EMPTY, CLAIMED],
  ["engine.init.write_schema_ir.before", EMPTY, CLAIMED],
  ["engine.init.write_schema_ir.after", EMPTY, CLAIMED],
  ["engine.init.write_schema_state.before", EMPTY, CLAIMED],
  ["engine.init.write_schema_state.after", EMPTY, CLAIMED],
  ["init.after_schema_contract_written", EMPTY, CLAIMED],
  ["engine.init.create_table.before", EMPTY, CLAIMED],
  ["engine.init.create_table.after", TABLES_ONLY, CLAIMED],
  ["engine.init.create_manifest.before", TABLES_ONLY, CLAIMED],
  ["engine.init.create_manifest.after", GAP, COMPLETE],
  ["engine.init.append_commit.before", GAP, COMPLETE],
  ["engine.init.append_commit.after", GAP, COMPLETE],
  ["init.after_coordinator_init", GAP, COMPLETE],
];

async function observe(h: Harness): Promise<Outcome> {
  const rootExists = rootKeys(h).length > 0;
  const before = dump(h.world);
  const ro = await h.tryOpen("read_only");
  expect(dump(h.world)).toEqual(before);
  const rw = await h.tryOpen("read_write");
  const open = (rw instanceof EngineError ? rw.code : "ok") as OpenResult;
  expect(ro instanceof EngineError ? ro.code : "ok").toBe(open);
  const reinit = (await initGraph(h.proc("reinit"), ROOT, V1).then(
    () => "ok",
    (e: EngineError) => e.code,
  )) as ReinitResult;
  return { rootExists, open, reinit };
}

describe("init over the dataset a failed init left", () => {
  it("is refused as Lance's create mode refuses it, naming the dataset", async () => {
    const h = new Harness();
    h.world.failpoints.set("engine.init.create_manifest.before", "error");
    await engineError(initGraph(h.proc(), ROOT, V1));
    h.world.failpoints.clearAll();
    const err = await engineError(initGraph(h.proc("reinit"), ROOT, V1));
    expect(err.code).toBe("storage");
    expect(err.message).toMatch(
      /^Dataset already exists: graphs\/knowledge\.omni\/nodes\/[0-9a-f]+$/,
    );
  });
});

describe("init × every reachable failpoint", () => {
  it("the matrix covers exactly the failpoints a clean init reaches", async () => {
    const h = new Harness();
    await h.init(V1);
    expect([...h.world.failpoints.reached.keys()]).toEqual(MATRIX.map(([n]) => n));
  });

  for (const [name, onError, onCrash] of MATRIX) {
    it(`${name} (error)`, async () => {
      const h = new Harness();
      h.world.failpoints.set(name, "error");
      const err = await engineError(initGraph(h.proc(), ROOT, V1));
      expect(err.code).toBe("injected");
      expect(err.message).toBe(`injected failpoint triggered: ${name}`);
      h.world.failpoints.clearAll();
      expect(await observe(h)).toEqual(onError);
    });

    it(`${name} (crash)`, async () => {
      const h = new Harness();
      h.world.failpoints.set(name, "crash");
      const p = h.proc();
      const r = await World.run(p, () => initGraph(p, ROOT, V1));
      expect(r).toEqual({ kind: "died", cause: `crash at ${name}` });
      h.world.failpoints.clearAll();
      expect(await observe(h)).toEqual(onCrash);
    });
  }

  it("the cleanup is best effort: when it fails too, the schema files survive", async () => {
    const h = new Harness();
    h.world.failpoints.set("init.after_coordinator_init", "error");
    h.world.failpoints.set("engine.init.cleanup_schema_files.before", "error");
    const err = await engineError(initGraph(h.proc(), ROOT, V1));
    expect(err.message).toBe("injected failpoint triggered: init.after_coordinator_init");
    expect(h.world.failpoints.reached.get("engine.init.cleanup_schema_files.before")).toBe(3);
    h.world.failpoints.clearAll();
    // Every delete failed, so the root is whole: the failed init left an openable graph.
    expect(await observe(h)).toEqual(COMPLETE);
  });

  it("a crash inside the cleanup leaves a partially cleaned root", async () => {
    const h = new Harness();
    h.world.failpoints.set("init.after_coordinator_init", "error");
    h.world.failpoints.set("engine.init.cleanup_schema_files.after", "crash");
    const p = h.proc();
    const r = await World.run(p, () => initGraph(p, ROOT, V1));
    expect(r.kind).toBe("died");
    h.world.failpoints.clearAll();
    expect(keys(h.world)).not.toContain(`${ROOT}/_schema.pg`);
    expect(keys(h.world)).toContain(`${ROOT}/_schema.ir.json`);
    expect(await observe(h)).toEqual(o(true, "schema_missing", "already_initialized"));
  });
});
