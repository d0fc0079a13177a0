import * as nodeFs from "node:fs/promises";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Volume } from "memfs";
import { afterAll, describe, expect, it } from "vitest";
import { type FsPromisesLike, FsStore } from "../../src/world/store/FsStore.ts";
import { MemoryStore } from "../../src/world/store/MemoryStore.ts";
import type { ObjectStore } from "../../src/world/store/ObjectStore.ts";

/** One suite, every backend: the primitives of spec §0.1 must mean the same thing on all. */
const tempDirs: string[] = [];
afterAll(async () => {
  for (const d of tempDirs) await rm(d, { recursive: true, force: true });
});

const backends: Array<[string, () => Promise<ObjectStore>]> = [
  ["memory", async () => new MemoryStore()],
  [
    "fs over memfs",
    async () => {
      const vol = new Volume();
      vol.mkdirSync("/root", { recursive: true });
      return new FsStore(vol.promises as unknown as FsPromisesLike, "/root");
    },
  ],
  [
    "fs over node:fs",
    async () => {
      const dir = await mkdtemp(join(tmpdir(), "omnigraph-sim-store-"));
      tempDirs.push(dir);
      return new FsStore(nodeFs as unknown as FsPromisesLike, dir);
    },
  ],
];

describe.each(backends)("ObjectStore conformance: %s", (_name, make) => {
  it("get returns null for a missing key and the text with a token for a present one", async () => {
    const s = await make();
    expect(await s.get("a/b.json")).toBeNull();
    const token = await s.put("a/b.json", "hello");
    const v = await s.get("a/b.json");
    expect(v?.text).toBe("hello");
    expect(v?.token).toBe(token);
  });

  it("put replaces and changes the token when the content changes", async () => {
    const s = await make();
    const t1 = await s.put("k", "one");
    const t2 = await s.put("k", "two");
    expect(t2).not.toBe(t1);
    expect((await s.get("k"))?.text).toBe("two");
  });

  it("putIfAbsent creates once and refuses afterwards", async () => {
    const s = await make();
    expect(await s.putIfAbsent("lock.json", "a")).toBe(true);
    expect(await s.putIfAbsent("lock.json", "b")).toBe(false);
    expect((await s.get("lock.json"))?.text).toBe("a");
  });

  it("exactly one of N concurrent putIfAbsent racers wins", async () => {
    const s = await make();
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => s.putIfAbsent("__cluster/lock.json", `racer-${i}`)),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    const winner = results.indexOf(true);
    expect((await s.get("__cluster/lock.json"))?.text).toBe(`racer-${winner}`);
  });

  it("putIfMatch replaces on a matching token and returns the new token", async () => {
    const s = await make();
    const t1 = await s.put("state.json", "v1");
    const t2 = await s.putIfMatch("state.json", "v2", t1);
    expect(t2).not.toBeNull();
    expect((await s.get("state.json"))?.token).toBe(t2);
    expect((await s.get("state.json"))?.text).toBe("v2");
  });

  it("putIfMatch returns null on a stale token and leaves the object alone", async () => {
    const s = await make();
    const t1 = await s.put("state.json", "v1");
    await s.put("state.json", "v1b");
    expect(await s.putIfMatch("state.json", "v2", t1)).toBeNull();
    expect((await s.get("state.json"))?.text).toBe("v1b");
  });

  it("putIfMatch returns null when the key is missing", async () => {
    const s = await make();
    expect(await s.putIfMatch("nope.json", "v2", "whatever")).toBeNull();
    expect(await s.get("nope.json")).toBeNull();
  });

  it("concurrent CAS writers from the same token: at most one wins on a memory store", async () => {
    const s = await make();
    const t = await s.put("c.json", "base");
    const results = await Promise.all([
      s.putIfMatch("c.json", "x", t),
      s.putIfMatch("c.json", "y", t),
    ]);
    const winners = results.filter((r) => r !== null);
    expect(winners.length).toBeGreaterThanOrEqual(1);
    const final = (await s.get("c.json"))?.text;
    expect(["x", "y"]).toContain(final);
  });

  it("delete is idempotent", async () => {
    const s = await make();
    await s.put("d/x", "1");
    await s.delete("d/x");
    await s.delete("d/x");
    await s.delete("never/was");
    expect(await s.get("d/x")).toBeNull();
  });

  it("list is one level, sorted, and empty for a missing dir", async () => {
    const s = await make();
    await s.put("r/b.json", "1");
    await s.put("r/a.json", "1");
    await s.put("r/sub/c.json", "1");
    await s.put("other/z.json", "1");
    expect(await s.list("r")).toEqual(["a.json", "b.json", "sub"]);
    expect(await s.list("r/")).toEqual(["a.json", "b.json", "sub"]);
    expect(await s.list("missing")).toEqual([]);
  });

  it("exists is true for a key or any key under it", async () => {
    const s = await make();
    await s.put("graphs/g.omni/_schema.pg", "x");
    expect(await s.exists("graphs/g.omni/_schema.pg")).toBe(true);
    expect(await s.exists("graphs/g.omni")).toBe(true);
    expect(await s.exists("graphs")).toBe(true);
    expect(await s.exists("graphs/h.omni")).toBe(false);
  });

  it("deletePrefix removes the subtree, is idempotent and leaves siblings", async () => {
    const s = await make();
    await s.put("graphs/g.omni/a", "1");
    await s.put("graphs/g.omni/b/c", "1");
    await s.put("graphs/g.omnix/keep", "1");
    await s.deletePrefix("graphs/g.omni");
    await s.deletePrefix("graphs/g.omni");
    expect(await s.get("graphs/g.omni/a")).toBeNull();
    expect(await s.get("graphs/g.omni/b/c")).toBeNull();
    expect((await s.get("graphs/g.omnix/keep"))?.text).toBe("1");
  });

  it("rename moves an object and fails for a missing source", async () => {
    const s = await make();
    await s.put("g/_schema.pg.staging", "new");
    await s.put("g/_schema.pg", "old");
    await s.rename("g/_schema.pg.staging", "g/_schema.pg");
    expect((await s.get("g/_schema.pg"))?.text).toBe("new");
    expect(await s.get("g/_schema.pg.staging")).toBeNull();
    await expect(s.rename("g/missing", "g/x")).rejects.toMatchObject({ code: "not_found" });
  });

  it("rejects invalid keys with a coded error", async () => {
    const s = await make();
    await expect(s.put("../escape", "x")).rejects.toMatchObject({ code: "invalid_key" });
    await expect(s.put("a//b", "x")).rejects.toMatchObject({ code: "invalid_key" });
  });

  it("round-trips unicode text exactly", async () => {
    const s = await make();
    const text = "naïve — 名前 🚀\n";
    await s.put("u.txt", text);
    expect((await s.get("u.txt"))?.text).toBe(text);
  });
});

describe("tokens", () => {
  it("the filesystem token is the sha256 of the content, like upstream's local backend", async () => {
    const vol = new Volume();
    vol.mkdirSync("/r", { recursive: true });
    const s = new FsStore(vol.promises as unknown as FsPromisesLike, "/r");
    const t = await s.put("x", "abc");
    expect(t).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });
});
