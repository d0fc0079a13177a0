import { describe, expect, it } from "vitest";
import { jobContext } from "../../sim/orchestrator/runJob.ts";
import { findScenario, shippedScenarios } from "../../sim/scenario/registry.ts";
import { GenerativeScenarioSchema, type Step } from "../../sim/scenario/schema.ts";
import { asScripted } from "../../sim/shrink/shrink.ts";
import { runUniverse } from "../../sim/universe/run.ts";
import { describeSwarm, resolveSwarm } from "../../sim/universe/swarm.ts";

const scenarios = shippedScenarios();
const swarm = findScenario("default", scenarios);
const ctx = jobContext();

describe("swarm universes", () => {
  it("resolve from the seed alone into ordinary generative scenarios that differ by seed", () => {
    if (swarm.kind !== "generative" || swarm.swarm === undefined)
      throw new Error("the default scenario is a swarm");
    const lives = Array.from({ length: 200 }, (_, i) => resolveSwarm(swarm, i + 1));
    for (const [i, s] of lives.entries()) {
      expect(resolveSwarm(swarm, i + 1)).toEqual(s);
      expect(s.swarm).toBeUndefined();
      expect(GenerativeScenarioSchema.parse(s)).toEqual(s);
      expect(s.weights.apply).toBeGreaterThan(0);
    }
    // each feature is on in some universes and off in others
    const share = (f: (s: (typeof lives)[number]) => boolean) =>
      lives.filter(f).length / lives.length;
    for (const on of [
      (s: (typeof lives)[number]) => !s.fixture.stateLock,
      (s: (typeof lives)[number]) => s.fixture.legacy.length > 0,
      (s: (typeof lives)[number]) => s.races > 0,
      (s: (typeof lives)[number]) => s.faults !== undefined,
      (s: (typeof lives)[number]) => s.crash.max === 0,
      (s: (typeof lives)[number]) => s.crash.only !== undefined,
      (s: (typeof lives)[number]) => s.crash.novelty > 0,
      (s: (typeof lives)[number]) => (s.weights.concurrently ?? 0) > 0,
      (s: (typeof lives)[number]) => s.respond > 0,
      (s: (typeof lives)[number]) => s.fixture.backend === "s3",
      (s: (typeof lives)[number]) => s.fixture.backend === "local-fs",
    ]) {
      expect(share(on)).toBeGreaterThan(0.05);
      expect(share(on)).toBeLessThan(0.95);
    }
    expect(new Set(lives.map(describeSwarm)).size).toBe(lives.length);
  });

  it("run over the backend they drew, birth and settling included", async () => {
    const { LocalFsStore, S3Store } = await import("../../src/world/store/BackendStores.ts");
    const seen = new Set<string>();
    for (let seed = 1; seed <= 60 && seen.size < 3; seed++) {
      const lived = resolveSwarm(swarm, seed);
      const backend = lived.fixture.backend;
      if (seen.has(backend)) continue;
      seen.add(backend);
      const o = await runUniverse({ scenario: swarm, seed, defects: [] }, ctx);
      const store = o.universe.world.store;
      expect(store instanceof S3Store, backend).toBe(backend === "s3");
      expect(store instanceof LocalFsStore, backend).toBe(backend === "local-fs");
      // Every process the universe spawned writes through the profile's storage.
      const profiled = { "object-store": null, s3: "S3Storage", "local-fs": "LocalFsStorage" }[
        backend
      ];
      expect(o.universe.world.processes.length).toBeGreaterThan(0);
      for (const p of o.universe.world.processes)
        if (profiled === null) expect(p.storage.constructor.name).not.toMatch(/S3|LocalFs/);
        else expect(p.storage.constructor.name).toBe(profiled);
    }
    expect([...seen].sort()).toEqual(["local-fs", "object-store", "s3"]);
  });

  it("leave a scenario without `swarm` as it is", () => {
    const trap = findScenario("trap", scenarios);
    const plain = findScenario("hostile-storage", scenarios);
    expect(resolveSwarm(trap, 3)).toBe(trap);
    expect(resolveSwarm(plain, 3)).toBe(plain);
  });

  it("replay exactly from their recorded steps, novelty crashes pinned where they fired", async () => {
    let pinnedNovelty = 0;
    for (let seed = 1; seed <= 40; seed++) {
      const drawn = await runUniverse(
        { scenario: swarm, seed, defects: [] },
        { ...ctx, keepTrace: true },
      );
      const steps: readonly Step[] = drawn.result.steps;
      const lived = resolveSwarm(swarm, seed);
      if (lived.kind === "generative" && lived.crash.novelty > 0)
        pinnedNovelty += steps.filter((s) => s.crash !== undefined).length;
      const replay = await runUniverse(
        { scenario: asScripted(lived, steps, [], "replay"), seed, defects: [] },
        { ...ctx, keepTrace: true },
      );
      // The same events, but for the drawn universe's notes of its swarm and fault plan, and
      // each step's opening line, which shows the crash as planned: a novelty crash there,
      // the failpoint it fired at in the replay.
      const opening = (l: string) => l.replace(/^(op\s+\S+ \S+) .*$/, "$1");
      const lines = (drawn.trace ?? [])
        .filter((l) => !l.startsWith("note    fault plan:") && !l.startsWith("note    swarm:"))
        .map(opening);
      expect(replay.trace?.map(opening)).toEqual(lines);
      expect(replay.result.steps).toEqual(steps);
      expect(replay.result.verdict).toBe(drawn.result.verdict);
    }
    expect(pinnedNovelty).toBeGreaterThan(5);
  });
});
