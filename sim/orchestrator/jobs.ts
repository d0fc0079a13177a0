import type { DefectName } from "../../src/world/defects.ts";
import { InputError } from "../cli/InputError.ts";
import type { Scenario } from "../scenario/schema.ts";
import type { LifeCrash } from "../universe/Universe.ts";

export interface UniverseJob {
  readonly scenario: Scenario;
  readonly seed: number;
  readonly defects: readonly DefectName[];
  /** A crash plan over the whole life phase (crash-state enumeration and its replays). */
  readonly life?: LifeCrash;
  /** The file the scenario was loaded from (`--file`): its replay line names the file. */
  readonly file?: string;
}

export interface Shard {
  /** 1-based. */
  readonly index: number;
  readonly count: number;
}

export function parseShard(text: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text);
  const index = Number(m?.[1]);
  const count = Number(m?.[2]);
  if (!m || count < 1 || index < 1 || index > count) {
    throw new InputError("bad_shard", `--shard expects K/N with 1 <= K <= N, got '${text}'`);
  }
  return { index, count };
}

/** Seeds drawn lazily: iterable as often as needed, with their count known up front. */
export interface SeedRange extends Iterable<number> {
  readonly count: number;
}

/**
 * Seed allocation: seeds `from .. from+count-1`, and with a shard K/N only those whose offset
 * from `from` is K-1 modulo N, so N shards cover the range exactly once between them. Lazy: a
 * million seeds are a generator, not an array.
 */
export function seedRange(from: number, count: number, shard?: Shard): SeedRange {
  const step = shard?.count ?? 1;
  const first = shard === undefined ? 0 : shard.index - 1;
  return {
    count: first < count ? Math.floor((count - first - 1) / step) + 1 : 0,
    *[Symbol.iterator]() {
      for (let i = first; i < count; i += step) yield from + i;
    },
  };
}

/** The seeds of `seedRange` as an array (small runs and tests). */
export function allocateSeeds(from: number, count: number, shard?: Shard): number[] {
  return [...seedRange(from, count, shard)];
}

/** A fleet's jobs, planned lazily: iterable in job order, with their total known up front. */
export interface JobPlan extends Iterable<UniverseJob> {
  readonly total: number;
}

/**
 * Jobs in a fixed order (scenario name, then seed in the order given): the report never depends
 * on scheduling. A generator over scenario x seed, so `--seeds 1000000` over every scenario
 * plans nothing in memory up front; each job is made when the fleet draws it.
 */
export function jobPlan(
  scenarios: readonly Scenario[],
  seeds: Iterable<number> & ({ readonly count: number } | { readonly length: number }),
  defects: readonly DefectName[],
  file?: string,
): JobPlan {
  const sorted = [...scenarios].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const perScenario = "count" in seeds ? seeds.count : seeds.length;
  return {
    total: sorted.length * perScenario,
    *[Symbol.iterator]() {
      for (const scenario of sorted)
        for (const seed of seeds)
          yield file === undefined
            ? { scenario, seed, defects }
            : { scenario, seed, defects, file };
    },
  };
}

/** The jobs of `jobPlan` as an array (small fleets: coverage, findings, tests). */
export function planJobs(
  scenarios: readonly Scenario[],
  seeds: readonly number[],
  defects: readonly DefectName[],
  file?: string,
): UniverseJob[] {
  return [...jobPlan(scenarios, seeds, defects, file)];
}
