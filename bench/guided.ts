/**
 * Detection measurements for `pnpm bench` (issue 13, step 5): how often the default scenario
 * alone detects each planted defect, how soon `pnpm sim --guided` finds it, and how many
 * universes each takes to fire every reachable failpoint pair.
 */
import { emptyCorpus } from "../sim/guided/corpus.ts";
import { featuresOf } from "../sim/guided/features.ts";
import { type GuidedUniverse, REACHABLE_PAIRS, runGuided } from "../sim/guided/guided.ts";
import { jobContext } from "../sim/orchestrator/runJob.ts";
import { findScenario, shippedScenarios } from "../sim/scenario/registry.ts";
import { runUniverse } from "../sim/universe/run.ts";
import type { DefectName } from "../src/world/defects.ts";
import { now } from "./lib.ts";

export interface GuidedFind {
  readonly defect: string;
  readonly from: number;
  readonly found: boolean;
  /** Universes run up to and including the first detection (or all of them). */
  readonly universes: number;
  readonly ms: number;
  readonly oracle?: string;
  readonly code?: string;
  readonly origin?: string;
}

const keys = (vs: ReadonlyArray<{ oracle: string; code: string }>) =>
  new Set(vs.map((v) => `${v.oracle}/${v.code}`));

/**
 * A guided run of the default scenario with `defect` planted, fresh seeds from `from`, until
 * the first universe that detects it: one with a violation that the same universe without the
 * defect does not have (so the baseline's own failures, and a derived universe's harness
 * noise, never count as a detection). At most `max` universes.
 */
export async function guidedFind(
  defect: DefectName,
  from: number,
  max: number,
  workers = 1,
): Promise<GuidedFind> {
  const scenario = findScenario("default", shippedScenarios());
  const ctx = jobContext();
  const t0 = now();
  let hit: { u: GuidedUniverse; oracle: string; code: string } | null = null;
  let universes = 0;
  await runGuided({
    scenario,
    defects: [defect],
    universes: max,
    from,
    workers,
    corpus: emptyCorpus(scenario.name),
    failuresDir: null,
    out: () => {},
    context: ctx,
    async onUniverse(u) {
      if (hit !== null) return true;
      universes = u.index;
      const r = u.outcome.result;
      if (r.verdict !== "fail") return false;
      const clean = await runUniverse(
        { scenario: u.outcome.scenario, seed: u.seed, defects: [] },
        ctx,
      );
      const before = keys(clean.result.violations);
      const v = r.violations.find((x) => !before.has(`${x.oracle}/${x.code}`));
      if (v === undefined) return false;
      hit = { u, oracle: v.oracle, code: v.code };
      return true;
    },
  });
  const ms = now() - t0;
  const h = hit as { u: GuidedUniverse; oracle: string; code: string } | null;
  if (h === null) return { defect, from, found: false, universes, ms };
  return {
    defect,
    from,
    found: true,
    universes: h.u.index,
    ms,
    oracle: h.oracle,
    code: h.code,
    origin: h.u.origin,
  };
}

export interface PairsReach {
  readonly universes: number;
  readonly ms: number;
  readonly pairsFired: number;
  readonly pairsReachable: number;
  /** The universe by which every reachable pair had fired, or null within `max`. */
  readonly allAt: number | null;
  /** Pairs fired by each checkpoint: [universes, pairs, ms]. */
  readonly curve: ReadonlyArray<readonly [number, number, number]>;
}

/** A guided run of the default scenario (no defect) until every reachable failpoint pair fired. */
export async function guidedPairs(from: number, max: number, workers: number): Promise<PairsReach> {
  const scenario = findScenario("default", shippedScenarios());
  const t0 = now();
  const fired = new Set<string>();
  const curve: Array<[number, number, number]> = [];
  let next = 100;
  const s = await runGuided({
    scenario,
    defects: [],
    universes: max,
    from,
    workers,
    corpus: emptyCorpus(scenario.name),
    failuresDir: null,
    out: () => {},
    onUniverse(u) {
      for (const f of u.outcome.features) if (REACHABLE_PAIRS.has(f)) fired.add(f);
      if (u.index >= next) {
        curve.push([u.index, fired.size, Math.round(now() - t0)]);
        next *= 2;
      }
      return fired.size === REACHABLE_PAIRS.size;
    },
  });
  return {
    universes: s.universes,
    ms: now() - t0,
    pairsFired: s.pairsFired,
    pairsReachable: s.pairsReachable,
    allAt: s.allPairsAt,
    curve,
  };
}

export interface DefaultDetection {
  readonly seeds: number;
  /** Seeds per block: the first detection is measured in each block, as separate fleets. */
  readonly block: number;
  readonly baselineFailing: number;
  readonly defects: ReadonlyArray<{
    readonly defect: string;
    readonly detected: number;
    /** In each block, the universes up to the first detection (null: none in the block). */
    readonly firstByBlock: ReadonlyArray<number | null>;
    /** The oracle and code that detected it most often. */
    readonly by: string | null;
    readonly ms: number;
  }>;
  readonly pairs: {
    readonly reachable: number;
    readonly fired: number;
    readonly allAt: number | null;
    readonly ms: number;
    readonly curve: ReadonlyArray<readonly [number, number, number]>;
  };
}

/**
 * The default scenario alone (`pnpm sim --scenario default --defect D`), seeds 1..`seeds`, in
 * process: for each planted defect, the universes that detect it (a violation the same
 * universe without the defect does not have) and, in consecutive blocks of `block` seeds, the
 * universes to the first detection; and, without defects, how many universes fire every
 * reachable failpoint pair (the guided fleet's feature, read from the same records).
 */
export async function defaultDetection(
  defects: readonly DefectName[],
  seeds: number,
  block: number,
): Promise<DefaultDetection> {
  const scenario = findScenario("default", shippedScenarios());
  const ctx = jobContext();
  const base: Array<Set<string>> = [];
  const fired = new Set<string>();
  const curve: Array<[number, number, number]> = [];
  let allAt: number | null = null;
  let failing = 0;
  let next = 100;
  const t0 = now();
  for (let seed = 1; seed <= seeds; seed++) {
    const o = await runUniverse({ scenario, seed, defects: [] }, ctx);
    if (o.result.verdict !== "pass") failing++;
    base.push(keys(o.result.violations));
    const fs = featuresOf({
      result: o.result,
      records: o.universe.records,
      reachedByOp: o.universe.reachedByOp,
    });
    for (const f of fs) if (REACHABLE_PAIRS.has(f)) fired.add(f);
    if (allAt === null && fired.size === REACHABLE_PAIRS.size) allAt = seed;
    if (seed === next || seed === seeds) {
      curve.push([seed, fired.size, Math.round(now() - t0)]);
      next *= 2;
    }
  }
  const pairs = {
    reachable: REACHABLE_PAIRS.size,
    fired: fired.size,
    allAt,
    ms: now() - t0,
    curve,
  };
  const out: Array<DefaultDetection["defects"][number]> = [];
  for (const defect of defects) {
    const t1 = now();
    let detected = 0;
    const firstByBlock: Array<number | null> = Array.from(
      { length: Math.ceil(seeds / block) },
      () => null,
    );
    const by = new Map<string, number>();
    for (let seed = 1; seed <= seeds; seed++) {
      const r = (await runUniverse({ scenario, seed, defects: [defect] }, ctx)).result;
      const before = base[seed - 1] ?? new Set<string>();
      const v = r.violations.find((x) => !before.has(`${x.oracle}/${x.code}`));
      if (v === undefined) continue;
      detected++;
      const b = Math.floor((seed - 1) / block);
      if (firstByBlock[b] === null) firstByBlock[b] = seed - b * block;
      const k = `${v.oracle} ${v.code}`;
      by.set(k, (by.get(k) ?? 0) + 1);
    }
    const top = [...by].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0];
    out.push({ defect, detected, firstByBlock, by: top?.[0] ?? null, ms: now() - t1 });
  }
  return { seeds, block, baselineFailing: failing, defects: out, pairs };
}
