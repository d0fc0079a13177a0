import { describe, expect, it } from "vitest";
import type { MemoryStore } from "../../src/world/store/MemoryStore.ts";
import { formatEvent } from "../../src/world/trace.ts";
import { World } from "../../src/world/world.ts";

const dump = (w: World) => (w.store as MemoryStore).dump();
const floats = (w: World) => w.trace.events.filter((e) => e.t === "float").map(formatEvent);

describe("store calls a process's step let go of", () => {
  it("none when every call is awaited, returned or chained", async () => {
    const w = World.simulated(1);
    const p = w.spawn("apply");
    const r = await World.run(p, async () => {
      await p.storage.put("cluster.state.write", "a", "1");
      await p.storage.putIfAbsent("cluster.lock.acquire", "lock", "me").catch(() => false);
      await Promise.all([p.storage.tryRead("a"), p.storage.delete("cluster.lock.release", "lock")]);
      return p.storage.rename("cluster.state.write", "a", "b");
    });
    expect(r.kind).toBe("returned");
    expect(floats(w)).toEqual([]);
  });

  it("a durable write nobody awaited is traced, and still lands", async () => {
    const w = World.simulated(1);
    const p = w.spawn("apply");
    await World.run(p, async () => {
      await p.storage.put("cluster.state.write", "a", "1");
      void p.storage.put("cluster.payload.write", "blob", "x");
      await p.storage.tryRead("a");
      return "ok";
    });
    expect(floats(w)).toEqual([`float   p${p.pid} put blob [cluster.payload.write] never awaited`]);
    expect(dump(w)).toEqual([
      ["a", "1"],
      ["blob", "x"],
    ]);
  });

  it("a call still in flight when the step ends is traced", async () => {
    const w = World.simulated(1);
    const p = w.spawn("apply");
    // A scheduler that never gives this call its turn: it is still waiting when the body returns.
    w.gate = () => new Promise<void>(() => {});
    await World.run(p, async () => {
      void p.storage.tryRead("k");
      return "ok";
    });
    expect(floats(w)).toEqual([`float   p${p.pid} get k in flight when its step ended`]);
  });

  it("a call begun after the step ended is traced, and carried out", async () => {
    const w = World.simulated(1);
    const p = w.spawn("apply");
    await World.run(p, async () => "ok");
    await p.storage.put("cluster.state.write", "late", "1");
    expect(floats(w)).toEqual([
      `float   p${p.pid} put late [cluster.state.write] begun after its step ended`,
    ]);
    expect(dump(w)).toEqual([["late", "1"]]);
  });

  it("a dead process's refused calls are not its step's: nothing is traced", async () => {
    const w = World.simulated(1);
    w.failpoints.set("cluster.sidecar.write.before", "crash");
    const p = w.spawn("apply");
    const r = await World.run(p, async () => {
      try {
        await p.storage.put("cluster.sidecar.write", "s.json", "{}");
      } finally {
        await p.storage.delete("cluster.lock.release", "lock").catch(() => undefined);
      }
    });
    expect(r.kind).toBe("died");
    expect(floats(w)).toEqual([]);
    expect(dump(w)).toEqual([]);
  });
});
