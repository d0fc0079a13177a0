import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import { ALL_FAILPOINTS } from "../../src/catalog/failpoints.ts";
import type { DefectName } from "../../src/world/defects.ts";
import { Rng } from "../../src/world/rng.ts";
import { UNREACHED_REASONS } from "../coverage/unreached.ts";
import type { OpName } from "../ops/index.ts";
import { toRecord } from "../orchestrator/fleet.ts";
import { RejectionWatch } from "../orchestrator/rejections.ts";
import { replayPin, shellWord } from "../orchestrator/replayLine.ts";
import { type JobContext, jobContext } from "../orchestrator/runJob.ts";
import type { UniverseRecord } from "../report/schema.ts";
import { formatFailure } from "../reporters/format.ts";
import { parseScenarioText } from "../scenario/load.ts";
import type { Scenario, ScriptedScenario } from "../scenario/schema.ts";
import { opWeights } from "../universe/sampler.ts";
import type { Corpus, CorpusEntry } from "./corpus.ts";
import type { GuidedOutcome, GuidedTask } from "./execute.ts";
import type { Feature } from "./features.ts";
import { UNIFORM_WEIGHTS } from "./mutate.ts";
import { GuidedPool } from "./pool.ts";

/**
 * The guided fleet: generations of candidates, each a fresh universe of the base scenario or
 * a universe derived from a corpus entry by mutating its recorded steps. A universe that
 * reached a feature no universe before it reached (sim/guided/features.ts) joins the corpus.
 *
 * Deterministic for a given scenario, seed range, corpus and universe count, whatever the
 * number of workers: a generation's candidates are chosen from the corpus as it stands at the
 * generation's start, with a random stream of the seed tree (`guided/<from>/run<r>/gen<g>`),
 * and their results are merged in candidate order.
 */

/** Candidates per generation (independent of the workers, so results are too). */
export const GENERATION = 8;
/** Chance that a candidate after the first generation is a fresh universe of the scenario. */
export const FRESH = 0.2;
/**
 * Failing universes printed in full (the first fresh and the first derived one of each oracle
 * and code); the rest are counted.
 */
export const MAX_PRINTED = 20;

/** Every failpoint the coverage ledger counts as reachable, in both modes: `fp:<name>:<mode>`. */
export const REACHABLE_PAIRS: ReadonlySet<Feature> = new Set(
  ALL_FAILPOINTS.filter((f) => !(f in UNREACHED_REASONS)).flatMap((f) => [
    `fp:${f}:crash`,
    `fp:${f}:error`,
  ]),
);

export interface GuidedUniverse {
  /** 1-based, in candidate order over the run. */
  readonly index: number;
  readonly generation: number;
  readonly outcome: GuidedOutcome;
  /** What it is: `default seed 3`, or `e4 (default seed 3) > insert apply@3`. */
  readonly origin: string;
  /** The scenario and seed it ran as (a derived one: its scripted scenario with the run's defects). */
  readonly scenario: Scenario;
  readonly seed: number;
  /** The features it was the first to reach (it joined the corpus when any). */
  readonly novel: readonly Feature[];
}

export interface GuidedOptions {
  readonly scenario: Scenario;
  /** The file the scenario was loaded from (`--file`): its fresh universes' replay lines name it. */
  readonly file?: string;
  readonly defects: readonly DefectName[];
  /** Universes to run. */
  readonly universes: number;
  /** First seed of the fresh universes. */
  readonly from: number;
  readonly workers: number;
  /** The corpus to grow (loaded or empty); changed in place. */
  readonly corpus: Corpus;
  /** Where derived failures are written as scenario files (null: not written). */
  readonly failuresDir: string | null;
  readonly out: (line: string) => void;
  /** Progress, once a generation. */
  readonly progress?: (text: string) => void;
  /**
   * Called for every universe in candidate order; answering true stops the run after this
   * generation (bench: the first detection).
   */
  readonly onUniverse?: (u: GuidedUniverse) => boolean | Promise<boolean>;
  readonly context?: JobContext;
}

export interface GuidedSummary {
  readonly universes: number;
  readonly fresh: number;
  readonly derived: number;
  readonly generations: number;
  readonly corpusBefore: number;
  readonly corpusAfter: number;
  readonly features: number;
  readonly pairsFired: number;
  readonly pairsReachable: number;
  /** The universe (1-based index) after which every reachable pair had fired, if any did. */
  readonly allPairsAt: number | null;
  readonly failed: number;
  readonly crashed: number;
  readonly firstFailure: number | null;
  readonly violationsByOracle: Readonly<Record<string, number>>;
}

/** An entry's energy: the rarer its features, the more it is mutated (AFL's power schedule). */
function energy(e: CorpusEntry, counts: ReadonlyMap<Feature, number>, picks: number): number {
  let sum = 0;
  for (const f of e.features) sum += 1 / (counts.get(f) ?? 1);
  // Entries mutated often give way to the others; short ones are cheaper to run and mutate.
  return sum / (1 + picks / 4) / (1 + e.scenario.steps.length / 20);
}

function pickParent(rng: Rng, c: Corpus, picks: Map<number, number>): CorpusEntry {
  const e = rng.weighted(c.entries.map((x) => [x, energy(x, c.counts, picks.get(x.id) ?? 0)]));
  picks.set(e.id, (picks.get(e.id) ?? 0) + 1);
  return e;
}

/** The file a failing derived universe is written to, with its pin and replay line. */
function writeFailure(
  dir: string,
  base: string,
  u: GuidedUniverse,
  s: ScriptedScenario,
  rec: UniverseRecord,
): { file: string; replay: string } {
  const v = rec.violations[0];
  const what = v !== undefined ? `${v.oracle}--${v.code}` : "crash";
  const file = join(dir, `guided-${base}-${u.seed}-u${u.index}--${what}.yaml`);
  const body = stringify(s);
  const pin = replayPin(parseScenarioText(body, file));
  const replay = `pnpm sim replay --file ${shellWord(file)} --seed ${u.seed} --pin ${pin}`;
  mkdirSync(dir, { recursive: true });
  writeFileSync(file, `# ${s.description}\n# pin: ${pin}\n# replay: ${replay}\n${body}`);
  return { file, replay };
}

export async function runGuided(o: GuidedOptions): Promise<GuidedSummary> {
  const { corpus } = o;
  const base = o.scenario;
  const weights: ReadonlyArray<readonly [OpName, number]> =
    base.kind === "generative" ? opWeights(base) : UNIFORM_WEIGHTS;
  const root = Rng.root(`guided/${o.from}`).child(`run${corpus.runs}`);
  const corpusBefore = corpus.entries.length;
  const picks = new Map<number, number>();
  const fired = new Set([...REACHABLE_PAIRS].filter((p) => corpus.counts.has(p)));
  let allPairsAt: number | null = fired.size === REACHABLE_PAIRS.size ? 0 : null;
  const printed = new Set<string>();
  const byOracle = new Map<string, number>();
  let nextSeed = o.from;
  let done = 0;
  let fresh = 0;
  let failed = 0;
  let crashed = 0;
  let firstFailure: number | null = null;
  let generation = 0;
  let unprinted = 0;
  const ctx = o.context ?? jobContext();
  const watch = RejectionWatch.install();
  const pool = await GuidedPool.start(Math.max(0, o.workers - 1));
  try {
    let stop = false;
    while (done < o.universes && !stop) {
      const size = Math.min(GENERATION, o.universes - done);
      const rng = root.child(`gen${generation}`);
      const tasks: GuidedTask[] = [];
      const crashCounts = Object.fromEntries(
        [...corpus.counts].filter(([f]) => f.startsWith("fp:") || f.startsWith("reach:")),
      );
      const origins: string[] = [];
      for (let i = 0; i < size; i++) {
        if (corpus.entries.length === 0 || rng.chance(FRESH)) {
          const seed = nextSeed++;
          fresh++;
          tasks.push({ kind: "base", scenario: base, seed, defects: o.defects });
          origins.push(`${base.name} seed ${seed}`);
          continue;
        }
        const p = pickParent(rng, corpus, picks);
        tasks.push({
          kind: "derived",
          parent: {
            id: p.id,
            seed: p.seed,
            scenario: p.scenario,
            features: p.features,
            counts: crashCounts,
          },
          rng: rng.child(`c${i}`).path,
          weights,
          defects: o.defects,
        });
        // The entry and the fresh universe its line of descent began with.
        origins.push(`e${p.id} (from ${/\S+ seed \d+/.exec(p.origin)?.[0] ?? p.origin})`);
      }
      const outcomes = await pool.run(tasks, ctx, watch);
      for (const [i, outcome] of outcomes.entries()) {
        done++;
        const task = tasks[i] as GuidedTask;
        const origin =
          outcome.description === undefined
            ? (origins[i] as string)
            : `${origins[i]} > ${outcome.description}`;
        const seed = outcome.result.seed;
        const novel = outcome.features.filter((f) => !corpus.counts.has(f));
        for (const f of outcome.features) corpus.counts.set(f, (corpus.counts.get(f) ?? 0) + 1);
        corpus.universes++;
        for (const f of outcome.features) if (REACHABLE_PAIRS.has(f)) fired.add(f);
        if (allPairsAt === null && fired.size === REACHABLE_PAIRS.size) allPairsAt = done;
        if (novel.length > 0)
          corpus.entries.push({
            id: corpus.entries.length,
            origin,
            seed,
            scenario: outcome.scenario,
            features: outcome.features,
            novel,
            traceHash: outcome.result.traceHash,
          });
        const scenario: Scenario =
          task.kind === "base"
            ? base
            : {
                ...(outcome.ran ?? outcome.scenario),
                description: `guided from ${origin}`,
                defects: [...o.defects].sort(),
              };
        const u: GuidedUniverse = {
          index: done,
          generation,
          outcome,
          origin,
          scenario,
          seed,
          novel,
        };
        const r = outcome.result;
        if (r.verdict !== "pass") {
          if (r.verdict === "fail") failed++;
          else crashed++;
          firstFailure ??= done;
          for (const v of r.violations) byOracle.set(v.oracle, (byOracle.get(v.oracle) ?? 0) + 1);
          const v = r.violations[0];
          // The first fresh and the first derived failure of each oracle and code.
          const key = `${task.kind} ${v === undefined ? "crash" : `${v.oracle}/${v.code}`}`;
          if (!printed.has(key) && printed.size < MAX_PRINTED) {
            printed.add(key);
            const job =
              task.kind === "base"
                ? { scenario, seed, defects: o.defects, ...(o.file ? { file: o.file } : {}) }
                : { scenario, seed, defects: [] };
            const rec = toRecord(job, r);
            let replay = rec.replay;
            if (task.kind === "derived" && o.failuresDir !== null)
              replay = writeFailure(
                o.failuresDir,
                base.name,
                u,
                scenario as ScriptedScenario,
                rec,
              ).replay;
            o.out(`universe ${done}: ${origin}`);
            for (const line of formatFailure({ ...rec, replay })) o.out(line);
          } else unprinted++;
        }
        if (o.onUniverse !== undefined && (await o.onUniverse(u))) stop = true;
      }
      generation++;
      o.progress?.(
        `generation ${generation}: ${done}/${o.universes} universes | corpus ${corpus.entries.length} | features ${corpus.counts.size} | failpoint pairs ${fired.size}/${REACHABLE_PAIRS.size} | failing ${failed + crashed}\n`,
      );
    }
  } finally {
    await pool.close();
    watch.dispose();
  }
  corpus.runs++;
  if (unprinted > 0)
    o.out(
      `... and ${unprinted} more failing universes (the first fresh and derived one of each oracle and code are shown)`,
    );
  return {
    universes: done,
    fresh,
    derived: done - fresh,
    generations: generation,
    corpusBefore,
    corpusAfter: corpus.entries.length,
    features: corpus.counts.size,
    pairsFired: fired.size,
    pairsReachable: REACHABLE_PAIRS.size,
    allPairsAt,
    failed,
    crashed,
    firstFailure,
    violationsByOracle: Object.fromEntries([...byOracle].sort((a, b) => (a[0] < b[0] ? -1 : 1))),
  };
}
