/**
 * Measurement helpers for `pnpm bench`. The bench is a script, not a test: it may read the
 * real clock (performance.now), and it drives the simulator exactly as the fleet does.
 */
import type { UniverseJob } from "../sim/orchestrator/jobs.ts";
import { jobContext } from "../sim/orchestrator/runJob.ts";
import type { Scenario, ScriptedScenario, Step } from "../sim/scenario/schema.ts";
import { asScripted } from "../sim/shrink/shrink.ts";
import { type RunOptions, runUniverse } from "../sim/universe/run.ts";

export const now = (): number => performance.now();

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/** The options the fleet runs universes with (runJob's, births shared), built once. */
export function fleetOptions(): RunOptions {
  return jobContext();
}

export interface BatchStats {
  readonly universes: number;
  readonly ms: number;
  /** Steps executed (life and liveness). */
  readonly ops: number;
  readonly storeCalls: number;
  readonly failed: number;
}

/** Runs `seeds` of one scenario back to back, as one core of the fleet would. */
export async function runBatch(
  scenario: Scenario,
  seeds: readonly number[],
  opts: RunOptions,
): Promise<BatchStats> {
  let ops = 0;
  let storeCalls = 0;
  let failed = 0;
  const t0 = now();
  for (const seed of seeds) {
    const out = await runUniverse({ scenario, seed, defects: [] }, opts);
    ops += out.universe.records.length;
    storeCalls += out.result.storeCalls;
    if (out.result.verdict !== "pass") failed++;
  }
  return { universes: seeds.length, ms: now() - t0, ops, storeCalls, failed };
}

export function range(from: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => from + i);
}

/**
 * The operation streams of a generative scenario: each seed's executed life steps, crash
 * plans, faults and races removed, as a scripted scenario. Running one instrumented and bare performs the same
 * model operations, so the ratio of the two is the instrumentation's cost.
 */
export async function operationStreams(
  scenario: Scenario,
  seeds: readonly number[],
  opts: RunOptions,
): Promise<Array<{ readonly seed: number; readonly scenario: ScriptedScenario }>> {
  const out: Array<{ seed: number; scenario: ScriptedScenario }> = [];
  for (const seed of seeds) {
    const r = await runUniverse({ scenario, seed, defects: [] }, opts);
    // Without crash plans, pinned faults and racing edits: the bare run evaluates no
    // failpoint (a race would never land) and has no fault layer.
    const steps = r.result.steps.map((s) => {
      const { crash: _crash, faults: _faults, race: _race, ...rest } = s;
      return rest as Step;
    });
    out.push({ seed, scenario: asScripted(scenario, steps, [], `stream of seed ${seed}`) });
  }
  return out;
}

/** Runs every stream once; with `dumps`, also returns each universe's final store (untimed use). */
export async function runStreams(
  streams: ReadonlyArray<{ readonly seed: number; readonly scenario: ScriptedScenario }>,
  opts: RunOptions,
  dumps?: string[],
): Promise<number> {
  const t0 = now();
  for (const s of streams) {
    const job: UniverseJob = { scenario: s.scenario, seed: s.seed, defects: [] };
    const out = await runUniverse(job, opts);
    if (dumps) dumps.push(JSON.stringify(out.universe.store.dump()));
  }
  return now() - t0;
}

export function fmt(n: number, digits = 0): string {
  return n.toLocaleString("en-US", {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
}
