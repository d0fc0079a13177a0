import { describe, expect, it } from "vitest";
import { Rng } from "../../src/world/rng.ts";
import type { MemoryStore } from "../../src/world/store/MemoryStore.ts";
import { World } from "../../src/world/world.ts";

describe("seed tree", () => {
  it("the same (root, label) always gives the same stream", () => {
    const a = Rng.root(42).child("workload");
    const b = Rng.root(42).child("workload");
    expect(Array.from({ length: 10 }, () => a.next())).toEqual(
      Array.from({ length: 10 }, () => b.next()),
    );
  });

  it("drawing from one child never shifts another", () => {
    const r1 = Rng.root(42);
    const r2 = Rng.root(42);
    const busy = r1.child("faults");
    for (let i = 0; i < 100; i++) busy.next();
    expect(r1.child("crash").next()).toBe(r2.child("crash").next());
  });

  it("different labels and different roots give different streams", () => {
    expect(Rng.root(1).child("a").next()).not.toBe(Rng.root(1).child("b").next());
    expect(Rng.root(1).child("a").next()).not.toBe(Rng.root(2).child("a").next());
    expect(Rng.root(1).child("a").child("b").path).toBe("1/a/b");
  });

  it("helpers stay in range", () => {
    const r = Rng.root(9);
    for (let i = 0; i < 1000; i++) {
      const x = r.range(3, 5);
      expect(x).toBeGreaterThanOrEqual(3);
      expect(x).toBeLessThanOrEqual(5);
    }
    expect(() => r.int(0)).toThrow(RangeError);
    expect(
      r.weighted([
        ["never", 0],
        ["always", 1],
      ] as const),
    ).toBe("always");
  });
});

describe("world determinism", () => {
  const build = async (seed: number) => {
    const w = World.simulated(seed);
    const p = w.spawn("builder");
    const ids: string[] = [];
    const times: string[] = [];
    for (let i = 0; i < 5; i++) {
      const id = w.ids.ulid();
      ids.push(id);
      times.push(w.clock.nowIso());
      await p.storage.put(
        "cluster.sidecar.write",
        `__cluster/recoveries/${id}.json`,
        JSON.stringify({ id, n: w.rng.child("x").int(1000) }),
      );
    }
    return { ids, times, dump: (w.store as MemoryStore).dump(), hash: w.trace.hash() };
  };

  it("the same seed builds byte-identical stores and identical id and clock streams", async () => {
    expect(await build(5)).toEqual(await build(5));
  });

  it("a different seed gives different ids", async () => {
    expect((await build(5)).ids).not.toEqual((await build(6)).ids);
  });

  it("ids are ULIDs, strictly increasing", async () => {
    const { ids } = await build(5);
    for (const id of ids) expect(id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
