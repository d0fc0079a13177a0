import type { DefectName } from "../../src/world/defects.ts";
import type { KnownFinding } from "../findings/KnownFinding.ts";
import type { OpName } from "../ops/index.ts";
import type { Oracle } from "../oracles/Oracle.ts";
import type { Fixture, ScriptedScenario, Step } from "../scenario/schema.ts";
import { BirthCache } from "../universe/birth.ts";
import type { UniverseResult, Violation } from "../universe/result.ts";
import { runUniverse, type UniverseOutcome } from "../universe/run.ts";
import { drawView } from "../universe/sampler.ts";
import type { System } from "../universe/system.ts";
import { stateDigest } from "./digest.ts";
import { type CrashMode, crashVariants, representatives } from "./transitions.ts";

/**
 * Exhaustive breadth-first exploration of short histories (issue 17). From the fixture's birth,
 * every representative step of every selected operation, and with each step every crash point
 * it reaches; the step after a crash performs whatever recovery it naturally does. States are
 * deduplicated by the canonical digest of the durable world (./digest.ts), so the frontier
 * grows with distinct states, not histories.
 *
 * A state is reached by the first (so shortest) history that reaches it: its path, a list of
 * scripted steps from birth. Every transition is one universe, the path and the step run from
 * birth by `runUniverse` as a scripted scenario with one seed, judged by every oracle exactly
 * as the fleet judges (known findings matched, not failing): a violation's path, written as a
 * scenario file, replays byte for byte. Each new state is also run once more with the
 * liveness phase (the documented remedy must bring up a server with every applied graph).
 *
 * Replaying a path from birth costs its length in steps, but steps cost well under a
 * millisecond and it keeps the explorer free of any universe-cloning machinery: the id and
 * row streams of a seed are consumed in order, so a path replays exactly only from birth.
 */

export interface ExploreConfig {
  /** The scenario the fixture (and serve mode) was taken from, for names and headers. */
  readonly fixtureName: string;
  readonly fixture: Fixture;
  readonly serve: { readonly strict: boolean };
  readonly depth: number;
  readonly crashes: CrashMode;
  /** Operations explored, in table order. */
  readonly ops: readonly OpName[];
  /** Let edits write hostile configuration too (DrawView.hostile). */
  readonly hostile: boolean;
  readonly seed: number;
  readonly defects: readonly DefectName[];
  /** Run the liveness phase from every new state. */
  readonly liveness: boolean;
}

export interface ExploreOptions {
  readonly system: System;
  readonly oracles: readonly Oracle[];
  readonly findings: readonly KnownFinding[];
  /** Stop once this many distinct states are known. */
  readonly maxStates?: number;
  /** Stop starting transitions after this many ms of `now()`. */
  readonly timeLimitMs?: number;
  /** The wall clock (the CLI's, injected); without it no time limit and no rates. */
  readonly now?: () => number;
  /** `--shard K/N`: of the last level's parents, only those at index K-1 modulo N. */
  readonly shard?: { readonly index: number; readonly count: number };
  readonly onProgress?: (p: Progress) => void;
  readonly births?: BirthCache;
}

export interface Progress {
  readonly depth: number;
  /** Parents of this level done, of all (this shard's). */
  readonly parentsDone: number;
  readonly parents: number;
  readonly states: number;
  readonly transitions: number;
}

/** Where a transition sits in breadth-first order: level, parent, step, crash variant. */
export type Order = readonly [number, number, number, number];

export interface LevelStats {
  readonly depth: number;
  /** States of the level before it (this shard's share at the last level) expanded. */
  readonly parents: number;
  /** Representative steps taken (crash-free). */
  readonly steps: number;
  /** Transitions in all: the steps and their crash variants. */
  readonly transitions: number;
  /** States first reached at this level. */
  readonly newStates: number;
}

/** A violation or known hit with the shortest history found to reach it. */
export interface Found {
  readonly oracle: string;
  readonly code: string;
  /** The known finding it matches, if any. */
  readonly finding?: string;
  readonly step: number;
  readonly expected: string;
  readonly observed: string;
  /** The history from birth, and whether the liveness phase ran after it. */
  readonly path: readonly Step[];
  readonly liveness: boolean;
  readonly depth: number;
  readonly order: Order;
  /**
   * Transitions whose path breaks this rule (every path, not only the shortest; liveness runs
   * not counted, 0 when only a liveness run found it).
   */
  readonly paths: number;
  /** Of those, the ones of the last level (what shards split between them). */
  readonly pathsLast: number;
  /** For one found by a liveness run: the digest of the state it ran from. */
  readonly state?: string;
}

/** A state of the last level: its digest and the transition that first reached it. */
export interface FinalState {
  readonly digest: string;
  readonly order: Order;
  /** Its liveness run passed (null: not run). */
  readonly live: boolean | null;
}

export interface Exploration {
  readonly config: ExploreConfig;
  readonly shard: { readonly index: number; readonly count: number } | null;
  readonly levels: readonly LevelStats[];
  /** Distinct states first reached before the last level (birth included). */
  readonly statesBefore: number;
  /** States first reached at the last level explored, sorted by digest. */
  readonly finalStates: readonly FinalState[];
  /** Liveness runs, and how many failed, over states before the last level. */
  readonly livenessBefore: { readonly checked: number; readonly failed: number };
  readonly violations: readonly Found[];
  readonly known: readonly Found[];
  /** Why the exploration stopped before its depth, if it did. */
  readonly truncated: string | null;
}

interface Node {
  readonly path: readonly Step[];
  readonly steps: readonly Step[];
  readonly reached: ReadonlyMap<string, number>;
  readonly lifeWrites: number;
}

/** The scripted scenario a path is: the fixture, then the path's steps, judged as the fleet does. */
export function pathScenario(
  c: ExploreConfig,
  path: readonly Step[],
  liveness: boolean,
  description?: string,
): ScriptedScenario {
  return {
    kind: "scripted",
    name: `explore-${c.fixtureName}`,
    description:
      description ??
      `a history found by pnpm sim explore from the fixture of ${c.fixtureName} (${path.length} steps)`,
    fixture: c.fixture,
    serve: c.serve,
    defects: [...c.defects].sort(),
    steps: [...path],
    liveness,
  };
}

function orderLess(a: Order, b: Order): boolean {
  for (let i = 0; i < 4; i++) if (a[i] !== b[i]) return (a[i] as number) < (b[i] as number);
  return false;
}

/** Runs the exploration. Deterministic for a config and shard (the budgets aside). */
export async function explore(config: ExploreConfig, opts: ExploreOptions): Promise<Exploration> {
  const births = opts.births ?? new BirthCache();
  const runOpts = {
    system: opts.system,
    oracles: opts.oracles,
    findings: opts.findings,
    births,
  };
  const now = opts.now;
  const t0 = now?.() ?? 0;
  const run = (path: readonly Step[], liveness: boolean): Promise<UniverseOutcome> =>
    runUniverse(
      { scenario: pathScenario(config, path, liveness), seed: config.seed, defects: [] },
      runOpts,
    );

  const violations = new Map<string, Found>();
  const known = new Map<string, Found>();
  /**
   * Files a judged path's violations and known hits under their oracle and code (the first,
   * in breadth-first order, is the shortest history). `except`: keys the same path already
   * filed without its liveness phase. Returns the keys filed.
   */
  const note = (
    r: UniverseResult,
    at: { readonly path: readonly Step[]; readonly order: Order; readonly depth: number },
    liveness: { readonly state: string; readonly except: ReadonlySet<string> } | null,
  ): Set<string> => {
    const vs: Violation[] = [...r.violations];
    if (r.error !== undefined)
      vs.push({
        oracle: "harness",
        code: "harness_error",
        step: r.steps.length,
        expected: "the universe to run to its end",
        observed: r.error,
      });
    const filed = new Set<string>();
    const file = (into: Map<string, Found>, v: Violation, finding?: string) => {
      const key = `${finding ?? ""}/${v.oracle}/${v.code}`;
      // One count per path and key, however often the path breaks the same rule.
      if (filed.has(key) || liveness?.except.has(key)) return;
      filed.add(key);
      const had = into.get(key);
      if (had !== undefined) {
        // Only plain transitions count paths: each is judged once in any sharding.
        if (liveness === null)
          into.set(key, {
            ...had,
            paths: had.paths + 1,
            pathsLast: had.pathsLast + (at.depth === config.depth ? 1 : 0),
          });
        return;
      }
      into.set(key, {
        oracle: v.oracle,
        code: v.code,
        ...(finding !== undefined ? { finding } : {}),
        step: v.step,
        expected: v.expected,
        observed: v.observed,
        path: at.path,
        liveness: liveness !== null,
        ...(liveness !== null ? { state: liveness.state } : {}),
        depth: at.depth,
        order: at.order,
        paths: liveness === null ? 1 : 0,
        pathsLast: liveness === null && at.depth === config.depth ? 1 : 0,
      });
    };
    for (const v of vs) file(violations, v);
    for (const k of r.known) file(known, k, k.finding);
    return filed;
  };

  const seen = new Set<string>();
  const levels: LevelStats[] = [];
  let truncated: string | null = null;
  let transitions = 0;
  const livenessBefore = { checked: 0, failed: 0 };
  const finalStates: FinalState[] = [];

  const nodeOf = (out: UniverseOutcome, path: readonly Step[]): Node => {
    const u = out.universe;
    const obs = u.latest();
    if (obs === null) throw new Error("a universe with no observation after its steps");
    const view = { ...drawView({ desired: u.desired, obs, reachedByOp: u.reachedByOp }) };
    return {
      path,
      steps: representatives({ ...view, hostile: config.hostile }, config.ops),
      reached: new Map(out.result.reached),
      lifeWrites: out.result.lifeWrites,
    };
  };

  // Birth: the root, judged (and its liveness checked) like any other state.
  const root = await run([], false);
  const at0 = { path: [], order: [0, 0, 0, 0], depth: 0 } as const;
  const filed0 = note(root.result, at0, null);
  const digest0 = stateDigest(root.universe.store, root.universe.desired);
  seen.add(digest0);
  if (config.liveness) {
    const live = await run([], true);
    livenessBefore.checked++;
    if (note(live.result, at0, { state: digest0, except: filed0 }).size > 0)
      livenessBefore.failed++;
  }
  let frontier: Node[] = [nodeOf(root, [])];
  levels.push({ depth: 0, parents: 0, steps: 0, transitions: 0, newStates: 1 });

  const overBudget = (): string | null => {
    if (opts.maxStates !== undefined && seen.size >= opts.maxStates)
      return `--max-states ${opts.maxStates} reached`;
    if (opts.timeLimitMs !== undefined && now !== undefined && now() - t0 >= opts.timeLimitMs)
      return `--time-limit ${opts.timeLimitMs / 1000} s reached`;
    return null;
  };

  for (let depth = 1; depth <= config.depth && truncated === null; depth++) {
    const last = depth === config.depth;
    const next: Node[] = [];
    let steps = 0;
    let levelTransitions = 0;
    let newStates = 0;
    const shard = last ? opts.shard : undefined;
    const parents = frontier
      .map((p, i) => [p, i] as const)
      .filter(([, i]) => shard === undefined || i % shard.count === shard.index - 1);
    let parentsDone = 0;

    const take = async (path: readonly Step[], order: Order): Promise<UniverseOutcome> => {
      const out = await run(path, false);
      transitions++;
      levelTransitions++;
      const at = { path, order, depth };
      const filed = note(out.result, at, null);
      const digest = stateDigest(out.universe.store, out.universe.desired);
      if (!seen.has(digest)) {
        seen.add(digest);
        newStates++;
        let live: boolean | null = null;
        if (config.liveness) {
          const l = await run(path, true);
          live = note(l.result, at, { state: digest, except: filed }).size === 0;
          if (!last) {
            livenessBefore.checked++;
            if (!live) livenessBefore.failed++;
          }
        }
        if (last) finalStates.push({ digest, order, live });
        else next.push(nodeOf(out, path));
      }
      return out;
    };

    outer: for (const [parent, pi] of parents) {
      for (let si = 0; si < parent.steps.length; si++) {
        truncated = overBudget();
        if (truncated !== null) break outer;
        const step = parent.steps[si] as Step;
        const path = [...parent.path, step];
        const out = await take(path, [depth, pi, si, 0]);
        steps++;
        // What the step reached and wrote, beyond its parent: its crash points.
        const reached: Array<readonly [string, number]> = [];
        for (const [name, n] of out.result.reached) {
          const d = n - (parent.reached.get(name) ?? 0);
          if (d > 0) reached.push([name, d]);
        }
        reached.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
        const writes = out.result.lifeWrites - parent.lifeWrites;
        const variants = crashVariants(step, reached, writes, config.crashes);
        for (let vi = 0; vi < variants.length; vi++) {
          truncated = overBudget();
          if (truncated !== null) break outer;
          await take([...parent.path, variants[vi] as Step], [depth, pi, si, vi + 1]);
        }
      }
      parentsDone++;
      opts.onProgress?.({
        depth,
        parentsDone,
        parents: parents.length,
        states: seen.size,
        transitions,
      });
    }
    levels.push({
      depth,
      parents: parents.length,
      steps,
      transitions: levelTransitions,
      newStates,
    });
    frontier = next;
  }

  const byOrder = (a: Found, b: Found) => (orderLess(a.order, b.order) ? -1 : 1);
  const deepest = levels[levels.length - 1] as LevelStats;
  return {
    config,
    shard: opts.shard ?? null,
    levels,
    statesBefore: seen.size - (deepest.depth === config.depth ? finalStates.length : 0),
    finalStates:
      deepest.depth === config.depth
        ? [...finalStates].sort((a, b) => (a.digest < b.digest ? -1 : 1))
        : [],
    livenessBefore,
    violations: [...violations.values()].sort(byOrder),
    known: [...known.values()].sort(byOrder),
    truncated,
  };
}
