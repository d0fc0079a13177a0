import { describe, expect, it } from "vitest";
import { ProcessDeath } from "../../src/world/process.ts";
import type { MemoryStore } from "../../src/world/store/MemoryStore.ts";
import { StoreError } from "../../src/world/store/ObjectStore.ts";
import { World } from "../../src/world/world.ts";

const dump = (w: World) => (w.store as MemoryStore).dump();

describe("process death", () => {
  it("a crash failpoint kills the process and the write does not land", async () => {
    const w = World.simulated(3);
    w.failpoints.set("cluster.sidecar.write.before", "crash");
    const p = w.spawn("apply");
    const r = await World.run(p, async () => {
      await p.storage.put("cluster.sidecar.write", "__cluster/recoveries/x.json", "{}");
      return "finished";
    });
    expect(r).toEqual({ kind: "died", cause: "crash at cluster.sidecar.write.before" });
    expect(p.alive).toBe(false);
    expect(dump(w)).toEqual([]);
  });

  it("a crash at <step>.after lets the write land, then kills", async () => {
    const w = World.simulated(3);
    w.failpoints.set("cluster.sidecar.write.after", "crash");
    const p = w.spawn("apply");
    const r = await World.run(p, () => p.storage.put("cluster.sidecar.write", "s.json", "{}"));
    expect(r.kind).toBe("died");
    expect(dump(w)).toEqual([["s.json", "{}"]]);
  });

  it("a finally block that writes after a crash writes nothing", async () => {
    const w = World.simulated(3);
    w.failpoints.set("cluster_apply.before_schema_apply", "crash");
    const p = w.spawn("apply");
    await p.storage.putIfAbsent("cluster.lock.acquire", "__cluster/lock.json", "lock");
    const r = await World.run(p, async () => {
      try {
        await p.failpoint("cluster_apply.before_schema_apply");
        await p.storage.put("cluster.state.write", "__cluster/state.json", "should never land");
      } finally {
        // The lock release a real crash never performs.
        await p.storage
          .delete("cluster.lock.release", "__cluster/lock.json")
          .catch(() => undefined);
        await p.storage
          .put("cluster.state.write", "__cluster/state.json", "nor this")
          .catch(() => undefined);
      }
    });
    expect(r.kind).toBe("died");
    expect(dump(w)).toEqual([["__cluster/lock.json", "lock"]]);
  });

  it("a catch block that swallows the death still cannot write, and the run is judged dead", async () => {
    const w = World.simulated(3);
    w.failpoints.set("cluster.payload.write.before", "crash");
    const p = w.spawn("apply");
    const r = await World.run(p, async () => {
      try {
        await p.storage.put("cluster.payload.write", "blob", "x");
      } catch {
        // swallowed on purpose
      }
      let refused = false;
      try {
        await p.storage.put("cluster.state.write", "state", "y");
      } catch (e) {
        refused = e instanceof ProcessDeath;
      }
      return refused;
    });
    expect(r.kind).toBe("died");
    expect(dump(w)).toEqual([]);
  });

  it("reads are refused after death too", async () => {
    const w = World.simulated(3);
    const p = w.spawn("x");
    p.kill("test");
    await expect(p.storage.tryRead("a")).rejects.toBeInstanceOf(ProcessDeath);
  });

  it("an error failpoint is returned through the normal error path, and the process lives", async () => {
    const w = World.simulated(3);
    w.failpoints.set("cluster.state.write.before", "error");
    const p = w.spawn("apply");
    await expect(p.storage.put("cluster.state.write", "s", "x")).rejects.toBeInstanceOf(StoreError);
    expect(p.alive).toBe(true);
    expect(dump(w)).toEqual([]);
  });

  it("an error at <step>.after is an ack loss: durable, but reported failed", async () => {
    const w = World.simulated(3);
    w.failpoints.set("cluster.state.write.after", "error");
    const p = w.spawn("apply");
    await expect(p.storage.put("cluster.state.write", "s", "x")).rejects.toMatchObject({
      code: "injected",
    });
    expect(dump(w)).toEqual([["s", "x"]]);
  });

  it("a restart is a fresh process over the same store", async () => {
    const w = World.simulated(3);
    w.failpoints.set("cluster.state.write.after", "crash");
    const p1 = w.spawn("apply#1");
    await World.run(p1, () => p1.storage.put("cluster.state.write", "s", "x"));
    w.failpoints.clearAll();
    const p2 = w.spawn("apply#2");
    expect(await p2.storage.read("s")).toBe("x");
    expect(p2.pid).not.toBe(p1.pid);
  });
});

describe("kill at the k-th durable write", () => {
  const workload = async (w: World) => {
    const p = w.spawn("writer");
    return World.run(p, async () => {
      for (let i = 1; i <= 5; i++) await p.storage.put("cluster.payload.write", `k${i}`, String(i));
      await p.storage.delete("cluster.lock.release", "k1");
    });
  };

  it("count mode learns W without killing", async () => {
    const w = World.simulated(1);
    w.setWriteTrigger({ mode: "count" });
    expect((await workload(w)).kind).toBe("returned");
    expect(w.writes).toBe(6);
  });

  it("kill mode kills before write k lands", async () => {
    for (let k = 1; k <= 6; k++) {
      const w = World.simulated(1);
      w.setWriteTrigger({ mode: "kill", k });
      const r = await workload(w);
      expect(r.kind).toBe("died");
      const keys = (w.store as MemoryStore).keys();
      expect(keys).toEqual(Array.from({ length: Math.min(k - 1, 5) }, (_, i) => `k${i + 1}`));
    }
  });
});
