/**
 * Conformance: the storage backends upstream runs over (crates/omnigraph/src/storage.rs
 * @7fd23c54, `ObjectStorageAdapter`), as raw stores and as backend profiles.
 *
 * 1. Every raw store (the model's MemoryStore, the S3 and local twins, FsStore over memfs and
 *    over node:fs) passes the adapter's own contract (storage.rs `contract_suite`), and each
 *    states where its backend differs: what exists, what a token is.
 * 2. The local twin and FsStore over a real filesystem give the same answer to every call of
 *    any sequence (a property): the twin is what the simulator runs, FsStore what a disk does.
 * 3. The profiles split upstream's non-atomic calls into durable writes, each killable and
 *    failpoint-able: a death during an S3 rename leaves the copy and the source, a death during
 *    a prefix delete leaves part of the prefix, local swaps can both win.
 * 4. Through the cluster: an approved graph delete that dies midway, per profile, and what the
 *    next apply's sweep makes of the half-deleted root.
 */
import * as nodeFs from "node:fs/promises";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { Volume } from "memfs";
import { afterAll, describe, expect, it } from "vitest";
import type { StepLabel } from "../../src/catalog/failpoints.ts";
import { initGraph, openGraph } from "../../src/engine/index.ts";
import type { Process } from "../../src/world/process.ts";
import { LocalFsStore, S3Store, s3Etag, sha256Token } from "../../src/world/store/BackendStores.ts";
import { type FsPromisesLike, FsStore } from "../../src/world/store/FsStore.ts";
import { MemoryStore } from "../../src/world/store/MemoryStore.ts";
import type { ObjectStore } from "../../src/world/store/ObjectStore.ts";
import {
  BACKEND_PROFILES,
  type BackendProfile,
  backendStore,
  installBackendProfile,
  profiledStorage,
} from "../../src/world/store/profiles.ts";
import { World } from "../../src/world/world.ts";
import { type ClusterFixture, clusterFixture, codes } from "../cluster/fixture.ts";
import { readJson, seedApprovedDelete } from "./helpers.ts";

const tempDirs: string[] = [];
afterAll(async () => {
  for (const d of tempDirs) await rm(d, { recursive: true, force: true });
});

async function nodeFsStore(): Promise<FsStore> {
  const dir = await mkdtemp(join(tmpdir(), "omnigraph-sim-backend-"));
  tempDirs.push(dir);
  return new FsStore(nodeFs as unknown as FsPromisesLike, dir);
}

function memfsStore(): FsStore {
  const vol = new Volume();
  vol.mkdirSync("/root", { recursive: true });
  return new FsStore(vol.promises as unknown as FsPromisesLike, "/root");
}

type Backend = "object-store" | "s3" | "local-fs";
const RAW: Array<[string, Backend, () => Promise<ObjectStore>]> = [
  ["MemoryStore", "object-store", async () => new MemoryStore()],
  ["S3Store (s3 twin)", "s3", async () => new S3Store()],
  ["LocalFsStore (local twin)", "local-fs", async () => new LocalFsStore()],
  ["FsStore over memfs", "local-fs", async () => memfsStore()],
  ["FsStore over node:fs", "local-fs", nodeFsStore],
];

describe.each(RAW)("raw store %s (%s backend)", (_name, backend, make) => {
  // storage.rs `contract_suite`, assertion for assertion, over store keys.
  it("passes upstream's adapter contract", async () => {
    const s = await make();
    const a = "root/contract/a.json";
    await s.put(a, "v1");
    expect((await s.get(a))?.text).toBe("v1");
    await s.put(a, "v2");
    expect((await s.get(a))?.text).toBe("v2");

    expect(await s.exists(a)).toBe(true);
    expect(await s.exists("root/contract/missing.json")).toBe(false);
    expect(await s.exists("root/contract")).toBe(true);

    const claim = "root/contract/claim.json";
    expect(await s.putIfAbsent(claim, "first")).toBe(true);
    expect(await s.putIfAbsent(claim, "second")).toBe(false);
    expect((await s.get(claim))?.text).toBe("first");

    const state = "root/contract/state.json";
    await s.put(state, "s1");
    const v1 = (await s.get(state))?.token ?? "";
    const v2 = await s.putIfMatch(state, "s2", v1);
    expect(v2).not.toBeNull();
    expect(v2).not.toBe(v1);
    expect(await s.putIfMatch(state, "s3", v1)).toBeNull();
    expect((await s.get(state))?.text).toBe("s2");
    expect(await s.putIfMatch("root/contract/absent.json", "x", v1)).toBeNull();

    await s.put("root/contract/src.json", "moved");
    await s.rename("root/contract/src.json", a);
    expect((await s.get(a))?.text).toBe("moved");
    expect(await s.exists("root/contract/src.json")).toBe(false);

    await s.put("root/contract/list/one.json", "1");
    await s.put("root/contract/list/two.json", "2");
    await s.put("root/contract/list/sub/three.json", "3");
    await s.put("root/contract/list_log/x.json", "x");
    // The model's list also names subdirectories (upstream's list_dir names only objects).
    expect(await s.list("root/contract/list")).toEqual(["one.json", "sub", "two.json"]);
    expect(await s.list("root/contract/nope")).toEqual([]);

    await s.delete(claim);
    await s.delete(claim);
    expect(await s.exists(claim)).toBe(false);

    await s.deletePrefix("root/contract");
    expect(await s.exists(a)).toBe(false);
    expect(await s.exists("root/contract")).toBe(false);
    await s.deletePrefix("root/contract");
  });

  it("a directory holding only deeper objects exists, except on S3 (graph_root_exists lists the root's own objects)", async () => {
    const s = await make();
    await s.put("graphs/g.omni/nodes/t/v1.json", "x");
    expect(await s.exists("graphs/g.omni")).toBe(backend !== "s3");
  });

  it("a directory whose last object was deleted exists only on a local filesystem (Path::exists)", async () => {
    const s = await make();
    await s.put("graphs/g.omni/_schema.pg", "x");
    await s.delete("graphs/g.omni/_schema.pg");
    expect(await s.exists("graphs/g.omni")).toBe(backend === "local-fs");
    expect(await s.list("graphs")).toEqual(backend === "local-fs" ? ["g.omni"] : []);
    await s.deletePrefix("graphs/g.omni");
    expect(await s.exists("graphs/g.omni")).toBe(false);
  });

  it("tokens: per-write etags on the memory store, content tokens on S3 and locally (a rewrite to the old text lets an old token swap again)", async () => {
    const s = await make();
    const t1 = await s.put("k.json", "same");
    await s.put("k.json", "other");
    const t3 = await s.put("k.json", "same");
    if (backend === "object-store") expect(t3).not.toBe(t1);
    else expect(t3).toBe(t1);
    if (backend === "s3") expect(t1).toBe(s3Etag("same"));
    if (backend === "local-fs") expect(t1).toBe(sha256Token("same"));
    const swapped = await s.putIfMatch("k.json", "next", t1);
    expect(swapped !== null).toBe(backend !== "object-store");
  });
});

describe("the local twin is FsStore's twin", () => {
  const FILES = ["g/x.json", "g/s/y.json", "g/s/t/z.json", "g/s/t/u.json", "h/w.json"];
  const DIRS = ["g", "g/s", "g/s/t", "h"];
  const op = fc.oneof(
    fc.record({ k: fc.constant("put"), key: fc.constantFrom(...FILES), text: fc.string() }),
    fc.record({ k: fc.constant("putIfAbsent"), key: fc.constantFrom(...FILES), text: fc.string() }),
    fc.record({
      k: fc.constant("putIfMatch"),
      key: fc.constantFrom(...FILES),
      text: fc.string(),
      fresh: fc.boolean(),
    }),
    fc.record({ k: fc.constant("delete"), key: fc.constantFrom(...FILES) }),
    fc.record({ k: fc.constant("deletePrefix"), key: fc.constantFrom(...DIRS) }),
    fc.record({
      k: fc.constant("rename"),
      key: fc.constantFrom(...FILES),
      to: fc.constantFrom(...FILES),
    }),
  );

  type Op = typeof op extends fc.Arbitrary<infer T> ? T : never;

  async function step(s: ObjectStore, o: Op): Promise<unknown> {
    try {
      switch (o.k) {
        case "put":
          return await s.put(o.key, o.text);
        case "putIfAbsent":
          return await s.putIfAbsent(o.key, o.text);
        case "putIfMatch": {
          const cur = await s.get(o.key);
          return await s.putIfMatch(o.key, o.text, o.fresh ? (cur?.token ?? "none") : "stale");
        }
        case "delete":
          return await s.delete(o.key);
        case "deletePrefix":
          return await s.deletePrefix(o.key);
        case "rename":
          return await s.rename(o.key, o.to);
      }
    } catch (e) {
      return `error:${(e as { code?: string }).code}`;
    }
  }

  async function observe(s: ObjectStore): Promise<unknown> {
    const out: Record<string, unknown> = {};
    for (const f of FILES) out[f] = await s.get(f);
    for (const d of DIRS) out[`${d}/`] = [await s.exists(d), await s.list(d)];
    return out;
  }

  it("every call of any sequence answers the same, and leaves the same files and directories", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 25 }), async (ops) => {
        const twin = new LocalFsStore();
        const fs = memfsStore();
        for (const o of ops) expect(await step(twin, o)).toEqual(await step(fs, o));
        expect(await observe(twin)).toEqual(await observe(fs));
      }),
      { numRuns: 150, seed: 14 },
    );
  });

  it("and over node:fs", async () => {
    const twin = new LocalFsStore();
    const fs = await nodeFsStore();
    const ops: Array<Op> = [
      { k: "put", key: "g/s/t/z.json", text: "z" },
      { k: "put", key: "g/x.json", text: "x" },
      { k: "rename", key: "g/x.json", to: "h/w.json" },
      { k: "delete", key: "g/s/t/z.json" },
      { k: "putIfMatch", key: "h/w.json", text: "w", fresh: true },
      { k: "deletePrefix", key: "g/s" },
    ];
    for (const o of ops) expect(await step(twin, o)).toEqual(await step(fs, o));
    expect(await observe(twin)).toEqual(await observe(fs));
  });

  it("a snapshot keeps its directories; adopting an object-only history derives them", async () => {
    const twin = new LocalFsStore();
    await twin.put("g/s/y.json", "y");
    await twin.delete("g/s/y.json");
    expect(twin.clone().directories()).toEqual(["g", "g/s"]);
    const plain = new MemoryStore();
    await plain.put("a/b/c.json", "c");
    const adopted = new LocalFsStore();
    adopted.restore(plain);
    expect(adopted.directories()).toEqual(["a", "a/b"]);
  });
});

// ---- profiles: calls split into durable writes ----

const STEP: StepLabel = "cluster.graph.delete_root";
const RENAME_STEP: StepLabel = "engine.schema_apply.promote_staging";

function profiledWorld(profile: BackendProfile): { world: World; store: MemoryStore } {
  const store = backendStore(profile);
  const world = World.simulated(1, { store });
  installBackendProfile(world, profile);
  return { world, store };
}

async function seed(store: MemoryStore, keys: readonly string[]): Promise<void> {
  for (const k of keys) await store.put(k, `text of ${k}`);
}

/** Durable writes `body` makes in a fresh process (none killed). */
async function countWrites(world: World, body: (p: Process) => Promise<unknown>): Promise<number> {
  world.setWriteTrigger({ mode: "count" });
  const p = world.spawn("count");
  const r = await World.run(p, () => body(p));
  expect(r.kind).toBe("returned");
  const n = world.writes;
  world.setWriteTrigger({ mode: "off" });
  return n;
}

/** Runs `body` in a fresh process killed at its k-th durable write. */
async function killAt(
  world: World,
  k: number,
  body: (p: Process) => Promise<unknown>,
): Promise<string> {
  world.setWriteTrigger({ mode: "kill", k });
  const p = world.spawn("victim");
  const r = await World.run(p, () => body(p));
  world.setWriteTrigger({ mode: "off" });
  expect(r.kind).toBe("died");
  return r.kind === "died" ? r.cause : "";
}

const ROOT = "graphs/old.omni";
const TREE = [
  `${ROOT}/__manifest/versions/0000000001.json`,
  `${ROOT}/_schema.pg`,
  `${ROOT}/nodes/abc/v0000000001.json`,
  `${ROOT}/nodes/abc/v0000000002.json`,
];

describe("backend profiles", () => {
  it("object-store is the model unchanged: its storage is the process's own", () => {
    const store = new MemoryStore();
    const world = World.simulated(1, { store });
    const p = world.spawn("p");
    expect(profiledStorage("object-store", p.storage, store)).toBe(p.storage);
    expect(() => installBackendProfile(world, "s3")).toThrow(/backendStore/);
  });

  it.each(BACKEND_PROFILES)("%s: a rename's durable writes", async (profile) => {
    const { world, store } = profiledWorld(profile);
    await seed(store, ["g/_schema.pg.staging", "g/_schema.pg"]);
    const n = await countWrites(world, (p) =>
      p.storage.rename(RENAME_STEP, "g/_schema.pg.staging", "g/_schema.pg"),
    );
    expect(n).toBe(profile === "s3" ? 2 : 1);
    expect(store.getSync("g/_schema.pg")?.text).toBe("text of g/_schema.pg.staging");
    expect(store.getSync("g/_schema.pg.staging")).toBeNull();
  });

  it("s3: a death between a rename's copy and its delete leaves the staging file equal to the live one", async () => {
    const { world, store } = profiledWorld("s3");
    await seed(store, ["g/_schema.pg.staging", "g/_schema.pg"]);
    const cause = await killAt(world, 2, (p) =>
      p.storage.rename(RENAME_STEP, "g/_schema.pg.staging", "g/_schema.pg"),
    );
    expect(cause).toContain("g/_schema.pg.staging");
    expect(store.getSync("g/_schema.pg")?.text).toBe("text of g/_schema.pg.staging");
    expect(store.getSync("g/_schema.pg.staging")?.text).toBe("text of g/_schema.pg.staging");
  });

  it.each(["object-store", "local-fs"] as const)(
    "%s: a death at a rename changes nothing (one atomic write)",
    async (profile) => {
      const { world, store } = profiledWorld(profile);
      await seed(store, ["g/_schema.pg.staging", "g/_schema.pg"]);
      await killAt(world, 1, (p) =>
        p.storage.rename(RENAME_STEP, "g/_schema.pg.staging", "g/_schema.pg"),
      );
      expect(store.getSync("g/_schema.pg")?.text).toBe("text of g/_schema.pg");
      expect(store.getSync("g/_schema.pg.staging")?.text).toBe("text of g/_schema.pg.staging");
    },
  );

  it.each(BACKEND_PROFILES)(
    "%s: a prefix delete's durable writes (one; one per object; one per file and directory)",
    async (profile) => {
      const { world, store } = profiledWorld(profile);
      await seed(store, TREE);
      const n = await countWrites(world, (p) => p.storage.deletePrefix(STEP, ROOT));
      // local-fs: 4 files + nodes/abc, nodes, __manifest/versions, __manifest, the root.
      expect(n).toBe({ "object-store": 1, s3: 4, "local-fs": 9 }[profile]);
      expect(store.keys()).toEqual([]);
      expect(await store.exists(ROOT)).toBe(false);
      // Nothing there: no write at all on S3 and locally (list, or remove_dir_all's NotFound).
      const again = await countWrites(world, (p) => p.storage.deletePrefix(STEP, ROOT));
      expect(again).toBe(profile === "object-store" ? 1 : 0);
    },
  );

  it("object-store: a death at a prefix delete leaves the whole prefix (atomic in the model)", async () => {
    const { world, store } = profiledWorld("object-store");
    await seed(store, TREE);
    await killAt(world, 1, (p) => p.storage.deletePrefix(STEP, ROOT));
    expect(store.keys()).toEqual(TREE);
  });

  it("s3: a death at the k-th delete of a prefix leaves the objects after the first k-1, in key order", async () => {
    for (let k = 1; k <= TREE.length; k++) {
      const { world, store } = profiledWorld("s3");
      await seed(store, TREE);
      await killAt(world, k, (p) => p.storage.deletePrefix(STEP, ROOT));
      expect(store.keys()).toEqual(TREE.slice(k - 1));
      // graph_root_exists on S3: an object directly under the root (here only _schema.pg).
      expect(await store.exists(ROOT)).toBe(k <= 2);
    }
  });

  it("local-fs: a death anywhere in remove_dir_all leaves the root directory, at the end an empty one", async () => {
    for (let k = 1; k <= 9; k++) {
      const { world, store } = profiledWorld("local-fs");
      await seed(store, TREE);
      await killAt(world, k, (p) => p.storage.deletePrefix(STEP, ROOT));
      expect(await store.exists(ROOT), `killed at write ${k}`).toBe(true);
      // Writes: the version file, its two directories, _schema.pg, the two table versions,
      // their two directories, the root.
      expect(store.keys().length, `killed at write ${k}`).toBe([4, 3, 3, 3, 2, 1, 0, 0, 0][k - 1]);
      if (k === 9) {
        expect(store.keys()).toEqual([]);
        expect(await store.list(ROOT)).toEqual([]);
      }
    }
  });

  it.each(["s3", "local-fs"] as const)(
    "%s: an injected error at the second write of a prefix delete fails the call with the first done",
    async (profile) => {
      const { world, store } = profiledWorld(profile);
      await seed(store, TREE);
      world.failpoints.set(`${STEP}.before`, "1*off->error(disk)");
      const p = world.spawn("p");
      const r = await World.run(p, () =>
        p.storage.deletePrefix(STEP, ROOT).then(
          () => "ok",
          (e) => `error:${(e as { code: string }).code}`,
        ),
      );
      expect(r).toEqual({ kind: "returned", value: "error:injected" });
      expect(store.keys()).toEqual(TREE.slice(1));
      expect(await store.exists(ROOT)).toBe(true);
    },
  );

  it.each(BACKEND_PROFILES)(
    "%s: two swaps from one token: one wins, except locally where both can (write_text_if_match is not a barrier)",
    async (profile) => {
      const { world, store } = profiledWorld(profile);
      await store.put("__cluster/state.json", "base");
      const token = store.getSync("__cluster/state.json")?.token ?? "";
      const a = world.spawn("a");
      const b = world.spawn("b");
      const swap = (p: Process, text: string) =>
        World.run(p, () =>
          p.storage.putIfMatch("cluster.state.write", "__cluster/state.json", text, token),
        );
      const [ra, rb] = await Promise.all([swap(a, "from a"), swap(b, "from b")]);
      const won = [ra, rb].filter((r) => r.kind === "returned" && r.value !== null).length;
      expect(won).toBe(profile === "local-fs" ? 2 : 1);
    },
  );
});

// ---- through the cluster: an approved delete that dies midway ----

describe("an approved graph delete that dies midway", () => {
  const OLD = "graphs/old.omni";
  const ledgerResources = (f: ClusterFixture): string[] =>
    Object.keys(readJson(f, "__cluster/state.json").applied_revision.resources);

  async function deleteDyingAt(profile: BackendProfile, deepObject: boolean, k: number) {
    const f = clusterFixture({ variant: "failpoints", backend: profile });
    await seedApprovedDelete(f);
    if (deepObject) await f.put(`${OLD}/nodes/abc/v0000000001.json`, "stale table");
    // The k-th write of the delete step dies.
    f.world.failpoints.set(
      "cluster.graph.delete_root.before",
      k === 1 ? "crash" : `${k - 1}*off->crash`,
    );
    const run = await f.runApply();
    f.world.failpoints.clearAll();
    expect(run.kind).toBe("died");
    const lock = JSON.parse(f.lockText() ?? "null");
    const unlocked = await f.forceUnlock(lock.lock_id);
    expect(unlocked.ok).toBe(true);
    return f;
  }

  it("local-fs: dying after the last file, before the root's rmdir, leaves an empty root the sweep takes for an incomplete delete; the retry removes it", async () => {
    const f = await deleteDyingAt("local-fs", false, 2);
    expect(f.store.keys().filter((k) => k.startsWith(`${OLD}/`))).toEqual([]);
    expect(await f.store.exists(OLD)).toBe(true);
    const out = await f.apply();
    expect(codes(out)).toContain("graph_delete_incomplete");
    const retried = await f.apply();
    expect(retried.ok, JSON.stringify(retried.diagnostics)).toBe(true);
    expect(await f.store.exists(OLD)).toBe(false);
    expect(ledgerResources(f)).not.toContain("graph.old");
  });

  it("object-store: the same death (the delete's only write) leaves the root whole; the sweep takes the same row", async () => {
    const f = await deleteDyingAt("object-store", false, 1);
    expect(f.text(`${OLD}/_schema.pg`)).toBe("stale");
    const out = await f.apply();
    expect(codes(out)).toContain("graph_delete_incomplete");
  });

  it("s3: dying after the root's own objects, with deeper ones left, the sweep takes the root for gone and rolls the delete forward; the deeper objects stay behind", async () => {
    const f = await deleteDyingAt("s3", true, 2);
    expect(f.store.keys().filter((k) => k.startsWith(`${OLD}/`))).toEqual([
      `${OLD}/nodes/abc/v0000000001.json`,
    ]);
    const out = await f.apply();
    expect(codes(out)).not.toContain("graph_delete_incomplete");
    expect(ledgerResources(f)).not.toContain("graph.old");
    expect(Object.values(readJson(f, "__cluster/state.json").recovery_records)).toEqual([
      expect.objectContaining({ kind: "graph_delete", graph_id: "old", outcome: "rolled_forward" }),
    ]);
    // Nothing will remove them: graph.old is no longer in the ledger.
    const again = await f.apply();
    expect(again.ok, JSON.stringify(again.diagnostics)).toBe(true);
    expect(f.text(`${OLD}/nodes/abc/v0000000001.json`)).toBe("stale table");
  });
});

// ---- through the cluster: a failed init's empty root ----

describe("a graph create whose init failed after claiming _schema.pg", () => {
  it.each(BACKEND_PROFILES)(
    "%s: the cleanup removes the schema files; locally their directory stays, and the sweep takes it for a partial root",
    async (profile) => {
      const f = clusterFixture({ backend: profile });
      await f.seedStateResources([]);
      f.world.failpoints.set("init.after_schema_pg_written", "return");
      const failed = await f.apply();
      f.world.failpoints.clearAll();
      expect(codes(failed)).toContain("graph_create_failed");
      const root = f.graphKey("knowledge");
      expect(f.store.keys().filter((k) => k.startsWith(`${root}/`))).toEqual([]);
      expect(await f.store.exists(root)).toBe(profile === "local-fs");

      const next = await f.apply();
      if (profile === "local-fs") {
        // Row 5: exists but does not open; removing data is the operator's call.
        expect(codes(next)).toContain("graph_create_incomplete");
        expect(next.converged).toBe(false);
      } else {
        // Row 1: nothing there; the sidecar is retired and the create re-proposed.
        expect(next.ok, JSON.stringify(next.diagnostics)).toBe(true);
        expect(next.converged).toBe(true);
      }
    },
  );
});

// ---- through the engine: a metadata-only schema apply dying inside its promotion ----

describe("a metadata-only schema apply (no SchemaApply sidecar) dying inside the promotion of _schema.pg", () => {
  const V1 = "node Person { name: String @key }\n";
  const V2 = 'node Person @description("people") { name: String @key }\n';

  /** Init, then an apply killed at the k-th promotion write, then a read-write open. */
  async function dieInPromotion(profile: BackendProfile, k: number) {
    const store = backendStore(profile);
    const world = World.simulated(1, { store });
    installBackendProfile(world, profile);
    const h = world.spawn("init");
    expect((await World.run(h, () => initGraph(h, "g", V1))).kind).toBe("returned");
    const p = world.spawn("apply");
    const g = await openGraph(p, "g", "read_write");
    world.failpoints.set(
      "engine.schema_apply.promote_staging.before",
      k === 1 ? "crash" : `${k - 1}*off->crash`,
    );
    expect((await World.run(p, () => g.applySchema(V2, { allowDataLoss: false }))).kind).toBe(
      "died",
    );
    world.failpoints.clearAll();
    const before = store.keys().filter((x) => x.endsWith(".staging"));
    const stagingPg = store.getSync("g/_schema.pg.staging")?.text ?? null;
    const q = world.spawn("open");
    const opened = await World.run(q, async () => {
      try {
        return (await openGraph(q, "g", "read_write")).schemaSource();
      } catch (e) {
        return `refused: ${String(e)}`;
      }
    });
    const after = store.keys().filter((x) => x.endsWith(".staging"));
    return {
      store,
      before,
      stagingPg,
      after,
      opened: opened.kind === "returned" ? opened.value : "died",
    };
  }

  it.each(BACKEND_PROFILES)(
    "%s: dying before the first promotion lands is F4's ambiguity (staging kept for the operator)",
    async (profile) => {
      const r = await dieInPromotion(profile, 1);
      expect(r.opened).toContain("cannot disambiguate pre- vs post-commit crash");
      expect(r.after).toHaveLength(3);
    },
  );

  it("s3: dying between the copy and the delete leaves _schema.pg.staging equal to the new _schema.pg; the open takes it for a no-op apply, deletes every staging file, and the graph no longer opens", async () => {
    const r = await dieInPromotion("s3", 2);
    expect(r.stagingPg).toBe(V2);
    expect(r.store.getSync("g/_schema.pg")?.text).toBe(V2);
    expect(r.before).toHaveLength(3);
    // The new contract's only copies (ir and state staging) are gone; the live ones are old.
    expect(r.after).toEqual([]);
    expect(r.opened).toContain("no longer matches the accepted compiled schema");
  });

  it.each(["object-store", "local-fs"] as const)(
    "%s: the same point does not exist (a rename is one write); the next write's death completes on open",
    async (profile) => {
      const r = await dieInPromotion(profile, 2);
      expect(r.store.getSync("g/_schema.pg")?.text).toBe(V2);
      expect(r.opened).toBe(V2);
      expect(r.after).toEqual([]);
    },
  );
});
