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

/**
 * Seed allocation: seeds `from .. from+count-1`, and with a shard K/N only those whose offset
 * from `from` is K-1 modulo N, so N shards cover the range exactly once between them.
 */
export function allocateSeeds(from: number, count: number, shard?: Shard): number[] {
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    if (shard && i % shard.count !== shard.index - 1) continue;
    out.push(from + i);
  }
  return out;
}

/** Jobs in a fixed order (scenario name, then seed): the report never depends on scheduling. */
export function planJobs(
  scenarios: readonly Scenario[],
  seeds: readonly number[],
  defects: readonly DefectName[],
  file?: string,
): UniverseJob[] {
  const sorted = [...scenarios].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const jobs: UniverseJob[] = [];
  for (const scenario of sorted)
    for (const seed of seeds)
      jobs.push(
        file === undefined ? { scenario, seed, defects } : { scenario, seed, defects, file },
      );
  return jobs;
}
