import { describe, expect, it } from "vitest";
import { jobContext } from "../../sim/orchestrator/runJob.ts";
import { findScenario, shippedScenarios } from "../../sim/scenario/registry.ts";
import { BirthCache, fingerprint } from "../../sim/universe/birth.ts";
import { runUniverse } from "../../sim/universe/run.ts";
import { resolveSwarm } from "../../sim/universe/swarm.ts";
import { MemoryStore } from "../../src/world/store/MemoryStore.ts";
import { World } from "../../src/world/world.ts";

const scenarios = shippedScenarios();

describe("shared births", () => {
  it("a cached birth changes nothing a seed does: traces and verdicts equal a fresh birth's", async () => {
    const ctx = jobContext();
    const { births: _births, ...fresh } = ctx;
    for (const name of ["default", "trap", "legacy-ledger-backfill", "hostile-storage"]) {
      const scenario = findScenario(name, scenarios);
      for (const seed of [1, 2, 3]) {
        const job = { scenario, seed, defects: [] };
        const a = await runUniverse(job, { ...ctx, keepTrace: true });
        const b = await runUniverse(job, { ...fresh, keepTrace: true });
        expect(a.result.traceHash).toBe(b.result.traceHash);
        expect(a.trace).toEqual(b.trace);
        expect(a.result.verdict).toBe(b.result.verdict);
      }
    }
    // one birth per fixture: universes of one fixture shared one (a swarm draws its fixture)
    const fixtures = new Set(
      ["default", "trap", "legacy-ledger-backfill", "hostile-storage"].flatMap((name) =>
        [1, 2, 3].map((seed) =>
          JSON.stringify(resolveSwarm(findScenario(name, scenarios), seed).fixture),
        ),
      ),
    );
    expect(ctx.births?.made).toBe(fixtures.size);
  });

  it("universes adopting one birth never see each other's changes", async () => {
    const births = new BirthCache();
    const ctx = { ...jobContext(), births };
    const scenario = findScenario("hostile-storage", scenarios);
    const first = await runUniverse({ scenario, seed: 7, defects: [] }, ctx);
    const before = first.universe.store.dump();
    // another universe of the same fixture lives a different life on the same birth
    const second = await runUniverse({ scenario, seed: 8, defects: [] }, ctx);
    expect(first.universe.store.dump()).toEqual(before);
    expect(second.result.traceHash).not.toBe(first.result.traceHash);
    expect(births.made).toBe(1);
  });

  it("a birth that differs when made twice is refused, not shared", async () => {
    const births = new BirthCache();
    let n = 0;
    const make = async () => {
      const w = World.simulated(`birth-${n++}`);
      await w.store.put("k", `v${n}`);
      return { world: w.snapshot(), reachedByOp: [], obs: {} as never };
    };
    await expect(births.get("k", make)).rejects.toThrow(/birth is not deterministic/);
    expect(births.made).toBe(0);
  });

  it("a shared birth is frozen: no universe can change what the next one adopts", async () => {
    const births = new BirthCache();
    const make = async () => {
      const w = World.simulated("b");
      await w.store.put("k", "v");
      return { world: w.snapshot(), reachedByOp: [["apply", ["x"]]] as const, obs: {} as never };
    };
    const born = await births.get("k", make);
    expect(() => (born.world.events as unknown[]).push(1)).toThrow(TypeError);
    const [entry] = born.reachedByOp;
    if (entry === undefined) throw new Error("the birth lost its reach");
    const names = entry[1] as string[];
    expect(names).toEqual(["x"]);
    expect(() => names.push("y")).toThrow(TypeError);
    expect(fingerprint(born)).toBe(fingerprint(await make()));
  });
});

describe("world snapshots", () => {
  it("an adopting world continues time, pids, counters and trace, and owns its store", async () => {
    const a = World.simulated(1);
    const p = a.spawn("first");
    await World.run(p, async () => {
      await p.storage.put("cluster.lock.acquire", "x/y", "1");
    });
    const snap = a.snapshot();
    const b = World.simulated(2);
    b.adopt(snap);
    expect(b.clock.now()).toBeGreaterThanOrEqual(snap.clockMs);
    expect(b.spawn("second").pid).toBe(2);
    expect(b.calls).toBe(a.calls);
    expect(b.totalWrites).toBe(a.totalWrites);
    expect(b.trace.events.slice(0, snap.events.length)).toEqual(snap.events);
    await b.store.put("x/z", "2");
    expect(await a.store.get("x/z")).toBeNull();
    expect(await snap.store.get("x/z")).toBeNull();
  });

  it("refuses to adopt into a world that has already run", async () => {
    const a = World.simulated(1);
    const snap = a.snapshot();
    const b = World.simulated(2);
    b.spawn("early");
    expect(() => b.adopt(snap)).toThrow(/before it has run anything/);
  });

  it("needs a memory store and a simulated clock", () => {
    const fake = new World({
      store: new MemoryStore(),
      clock: { now: () => 0, nowIso: () => "", sleep: async () => {} },
      rng: World.simulated(1).rng,
    });
    expect(() => fake.snapshot()).toThrow(/only a simulated world/);
  });
});
