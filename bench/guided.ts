/**
 * Guided-fleet measurements for `pnpm bench` (issue 13, step 5): how soon `pnpm sim --guided`
 * finds each planted defect, and how long it takes to fire every reachable failpoint pair.
 */
import { emptyCorpus } from "../sim/guided/corpus.ts";
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
