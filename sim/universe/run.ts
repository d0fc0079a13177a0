import type { DefectName } from "../../src/world/defects.ts";
import { isHostileFault } from "../../src/world/faultKinds.ts";
import { BudgetExceeded } from "../../src/world/process.ts";
import { formatEvent } from "../../src/world/trace.ts";
import type { KnownFinding } from "../findings/KnownFinding.ts";
import type { Oracle } from "../oracles/Oracle.ts";
import type { UniverseJob } from "../orchestrator/jobs.ts";
import type { GenerativeScenario, Step } from "../scenario/schema.ts";
import type { BirthCache } from "./birth.ts";
import { idleLayer, pinnedLayer, weatherLayer } from "./faultLayer.ts";
import { floatingCalls } from "./floating.ts";
import { judge, verdictEvent } from "./judge.ts";
import { livenessPhase } from "./liveness.ts";
import type { KnownHit, UniverseResult, Violation } from "./result.ts";
import { opWeights, type SamplerState, sampleStep } from "./sampler.ts";
import { describeSwarm, resolveSwarm } from "./swarm.ts";
import type { System } from "./system.ts";
import { Universe } from "./Universe.ts";

/** Store calls a universe may make before it is cut (generous: a default universe makes ~3k). */
export const DEFAULT_CALL_BUDGET = 2_000_000;

export interface RunOptions {
  /** Overrides DEFAULT_CALL_BUDGET (tests of the budget itself). */
  readonly callBudget?: number;
  readonly system: System;
  readonly oracles: readonly Oracle[];
  /** Upstream defects reproduced on purpose: matching violations are reported as known. */
  readonly findings: readonly KnownFinding[];
  /** Births shared between universes of one fixture (a thread's own); none: each is born anew. */
  readonly births?: BirthCache;
  /** Keep the formatted trace lines in the outcome (replay, determinism checks, reports). */
  readonly keepTrace?: boolean;
  /**
   * Instrumentation switches for `pnpm bench` only (they change what a trace holds, so the
   * fleet never sets them). `bare`: no trace events, failpoints never evaluated, no fault
   * layer (pass no oracles either). `idleFaultLayer`: a scripted universe's life runs behind a
   * fault layer whose plan fires nothing, so the wrapper's cost is paid without its faults.
   */
  readonly bare?: boolean;
  readonly idleFaultLayer?: boolean;
}

export interface UniverseOutcome {
  readonly result: UniverseResult;
  readonly trace?: readonly string[];
  readonly universe: Universe;
}

async function live(u: Universe, scenario: GenerativeScenario, swarm: boolean): Promise<void> {
  if (swarm) u.world.trace.push({ t: "note", text: `swarm: ${describeSwarm(scenario)}` });
  if (scenario.faults) u.installFaults(weatherLayer(u, scenario.faults));
  const rng = u.world.rng.child("workload");
  const crashRng = u.world.rng.child("crash");
  const raceRng = u.world.rng.child("race");
  const length = rng.range(scenario.length.min, scenario.length.max);
  const st: SamplerState = {
    desired: u.desired,
    obs: u.latest() ?? (await u.observe()),
    crashBudget: scenario.crash.max,
    afterDeath: false,
    reachedByOp: u.reachedByOp,
  };
  const weights = opWeights(scenario);
  for (let i = 0; i < length; i++) {
    const step = sampleStep(
      rng,
      crashRng,
      scenario,
      {
        ...st,
        desired: u.desired,
        obs: u.latest() ?? st.obs,
        reachCounts: u.lifeReached(),
      },
      weights,
      raceRng,
    );
    const fired = u.world.failpoints.faultsFired;
    const rec = await u.run(step);
    // The budget counts deaths and injected errors: a crash point the step never reached
    // (or a novelty crash that fired nowhere) costs nothing.
    if (rec.outcome.kind === "died" || u.world.failpoints.faultsFired > fired) st.crashBudget--;
    st.afterDeath = rec.outcome.kind === "died";
  }
}

/** A scripted universe's life: its steps as written, behind the fault layer they call for. */
async function replayLife(
  u: Universe,
  steps: readonly Step[],
  opts: Pick<RunOptions, "bare" | "idleFaultLayer">,
): Promise<void> {
  if (steps.some((s) => s.faults !== undefined)) u.installFaults(pinnedLayer(u));
  else if (opts.idleFaultLayer && !opts.bare) u.installFaults(idleLayer(u));
  for (const s of steps) await u.run(s);
}

/** The first life step a hostile (lying) storage fault hit, or +Infinity. */
function firstLie(u: Universe): number {
  let first = Number.POSITIVE_INFINITY;
  for (const i of u.faultLayer?.injected ?? [])
    if (isHostileFault(i.fault.kind) && i.step < first) first = i.step;
  return first;
}

/**
 * A universe from birth to judgment. Everything it does is a function of (scenario, seed,
 * defects): the seed fans out through the world's seed tree (workload, crash, ids, rows, ...).
 */
export async function runUniverse(job: UniverseJob, opts: RunOptions): Promise<UniverseOutcome> {
  const defects = [
    ...new Set([
      ...job.defects,
      ...(job.scenario.kind === "scripted" ? (job.scenario.defects as DefectName[]) : []),
    ]),
  ].sort();
  // A swarm universe lives the scenario its seed resolves to (its alphabet, features, fixture).
  const scenario = resolveSwarm(job.scenario, job.seed);
  const u = new Universe(scenario, job.seed, defects, opts.system, { trace: !opts.bare });
  if (opts.bare) u.world.failpoints.enabled = false;
  u.world.callBudget = opts.callBudget ?? DEFAULT_CALL_BUDGET;
  let error: string | undefined;
  let budget: string | undefined;
  let lifeStart = { writes: 0, reached: new Map<string, number>() };
  let lifeEnd = lifeStart;
  try {
    await u.birth(opts.births);
    lifeStart = { writes: u.world.totalWrites, reached: new Map(u.world.failpoints.reached) };
    if (job.life) u.armLife(job.life);
    if (scenario.kind === "generative")
      await live(
        u,
        scenario,
        job.scenario.kind === "generative" && job.scenario.swarm !== undefined,
      );
    else await replayLife(u, scenario.steps, opts);
    u.removeFaults();
    lifeEnd = { writes: u.world.totalWrites, reached: new Map(u.world.failpoints.reached) };
    u.disarmLife();
    if (scenario.liveness) u.liveness = await livenessPhase(u);
  } catch (e) {
    if (e instanceof BudgetExceeded) budget = e.message;
    else error = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    u.world.trace.push({ t: "note", text: `harness error: ${error}` });
  }
  const violations: Violation[] = [];
  if (budget !== undefined) {
    violations.push({
      oracle: "budget",
      code: "step_budget_exceeded",
      step: u.records.length,
      expected: "the universe to finish",
      observed: budget,
    });
  }
  // Never excused: no storage fault makes the model let go of a promise.
  for (const v of floatingCalls(u.records, u.world.trace.events)) {
    violations.push(v);
    u.world.trace.push(verdictEvent(v, ""));
  }
  let known: readonly KnownHit[] = [];
  let excused = 0;
  if (error === undefined) {
    const j = judge(u.judgeInput(), opts.oracles, opts.findings, firstLie(u));
    for (const e of j.verdicts) u.world.trace.push(e);
    violations.push(...j.violations);
    known = j.known;
    excused = j.excused;
    if (j.error !== undefined) {
      error = j.error;
      u.world.trace.push({ t: "note", text: `harness error: ${error}` });
    }
  }
  const faulty = u.faultLayer;
  const events = u.world.trace.events;
  let storeCalls = 0;
  for (const e of events) if (e.t === "call") storeCalls++;
  const base = { scenario: job.scenario.name, seed: job.seed, defects };
  const body = {
    violations,
    known: [...known],
    traceHash: u.world.trace.hash(),
    failpointsHit: [...u.world.failpoints.fired.keys()].sort(),
    firedByTask: [...u.world.failpoints.firedByTask.entries()].sort((a, b) =>
      a[0] < b[0] ? -1 : 1,
    ),
    reached: [...u.world.failpoints.reached.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1)),
    steps: u.records.filter((r) => r.phase === "life").map((r) => r.step),
    deaths: events.filter((e) => e.t === "death").length,
    lifeWrites: lifeEnd.writes - lifeStart.writes,
    lifeReached: [...lifeEnd.reached.entries()]
      .filter(([name, n]) => n > (lifeStart.reached.get(name) ?? 0))
      .map(([name]) => name)
      .sort(),
    storeCalls,
  };
  const weather = faulty !== null ? { faultPlan: faulty.describe(), excused } : {};
  // Key order is the JSON report's: keep it.
  const result: UniverseResult =
    error !== undefined
      ? { ...base, verdict: "crash", ...body, ...weather, error }
      : { ...base, verdict: violations.length > 0 ? "fail" : "pass", ...body, ...weather };
  return { result, universe: u, ...(opts.keepTrace ? { trace: events.map(formatEvent) } : {}) };
}
