import type { FailpointName } from "../../src/catalog/failpoints.ts";
import { sha256Hex } from "../../src/util/digest.ts";
import type { DefectName } from "../../src/world/defects.ts";
import type { KnownFinding } from "../findings/KnownFinding.ts";
import type { Oracle } from "../oracles/Oracle.ts";
import type { Scenario, ScriptedScenario, Step } from "../scenario/schema.ts";
import { asScripted } from "../shrink/shrink.ts";
import { BirthCache } from "../universe/birth.ts";
import type { StepRecord } from "../universe/records.ts";
import type { UniverseResult } from "../universe/result.ts";
import { runUniverse } from "../universe/run.ts";
import { resolveSwarm } from "../universe/swarm.ts";
import type { System } from "../universe/system.ts";
import type { LifeCrash } from "../universe/Universe.ts";

/** How the operations after a crash dealt with it: the recovery branch taken. */
export type RecoveryBranch =
  | "rolled-forward"
  | "retired"
  | "kept-pending"
  | "quarantined"
  | "clean"
  | "none";

export interface CrashCase {
  readonly plan: LifeCrash;
  /** The step the (first) crash hit, its operation, and what killed it. */
  readonly step: number;
  readonly op: string;
  readonly where: string;
  readonly fired: boolean;
  /** Hash of the store right after the crashed step. */
  readonly state: string;
  readonly recovery: RecoveryBranch;
  readonly verdict: UniverseResult["verdict"];
  readonly violations: ReadonlyArray<{ readonly oracle: string; readonly code: string }>;
}

export interface Enumeration {
  readonly base: ScriptedScenario;
  readonly seed: number;
  /** Durable writes in the base universe's life phase. */
  readonly writes: number;
  readonly failpoints: readonly string[];
  readonly cases: readonly CrashCase[];
}

export interface EnumerateOptions {
  readonly system: System;
  readonly oracles: readonly Oracle[];
  readonly findings: readonly KnownFinding[];
  readonly defects: readonly DefectName[];
  /** Second kills after each first one, at the next this-many writes (0 = single faults only). */
  readonly double: number;
  readonly births?: BirthCache;
}

function crashedStep(records: readonly StepRecord[]): StepRecord | undefined {
  return records.find(
    (r) =>
      r.phase === "life" &&
      (r.outcome.kind === "died" ||
        ((r.outcome.kind === "apply" ||
          r.outcome.kind === "command" ||
          r.outcome.kind === "boot") &&
          !r.outcome.view.ok &&
          r.traceTo > r.traceFrom)),
  );
}

function recoveryOf(records: readonly StepRecord[], after: number): RecoveryBranch {
  const rest = records.filter((r) => r.index > after);
  const firstApply = rest.find((r) => r.outcome.kind === "apply");
  if (firstApply?.outcome.kind === "apply") {
    const codes = new Set(firstApply.outcome.view.diagnostics.map((d) => d.code));
    if (codes.has("cluster_recovery_rolled_forward")) return "rolled-forward";
    if (codes.has("cluster_recovery_pending") || codes.has("graph_create_incomplete"))
      return "kept-pending";
    if (firstApply.pre.sidecars.length > firstApply.post.sidecars.length) return "retired";
  }
  const firstBoot = rest.find((r) => r.outcome.kind === "boot");
  if (firstBoot?.outcome.kind === "boot" && firstBoot.outcome.view.quarantined.length > 0)
    return "quarantined";
  return firstApply ? "clean" : "none";
}

/**
 * Exhaustive crash-state enumeration of one universe (ALICE/CrashMonkey style): learn W, the
 * number of durable writes its life makes, then kill it at every k in 1..W, fail it at every
 * (failpoint, mode) its life reaches, and (with `double`) kill it again in the writes that
 * follow each first death, which is where recovery runs. Every case is judged by the oracles.
 */
export async function enumerate(
  scenario: Scenario,
  seed: number,
  opts: EnumerateOptions,
): Promise<Enumeration> {
  // Every case shares one fixture: one birth, made (and checked) once.
  const runOpts = {
    system: opts.system,
    oracles: opts.oracles,
    findings: opts.findings,
    births: opts.births ?? new BirthCache(),
  };
  // The base: a scripted scenario's own steps (its planned crashes included, so the recovery
  // they cause is enumerated too), or the steps a generative universe ran, without its crashes.
  let steps: Step[];
  if (scenario.kind === "scripted") {
    steps = scenario.steps;
  } else {
    const first = await runUniverse({ scenario, seed, defects: opts.defects }, runOpts);
    steps = first.result.steps.map((s) => {
      const { crash: _crash, ...rest } = s;
      return rest as Step;
    });
  }
  const base = asScripted(
    resolveSwarm(scenario, seed),
    steps,
    opts.defects,
    `crash-state enumeration base of ${scenario.name} seed ${seed}`,
  );
  const probe = await runUniverse({ scenario: base, seed, defects: opts.defects }, runOpts);
  const W = probe.result.lifeWrites;
  const failpoints = probe.result.lifeReached;

  const plans: LifeCrash[] = [];
  for (let k = 1; k <= W; k++) plans.push({ killAt: [k] });
  for (const name of failpoints)
    for (const mode of ["crash", "error"] as const)
      plans.push({ failpoint: { name: name as FailpointName, mode } });
  if (opts.double > 0) {
    for (let k = 1; k <= W; k++)
      for (let j = 1; j <= opts.double; j++) plans.push({ killAt: [k, k + j] });
  }

  const cases: CrashCase[] = [];
  for (const plan of plans) {
    const out = await runUniverse(
      { scenario: base, seed, defects: opts.defects, life: plan },
      runOpts,
    );
    const records = out.universe.records;
    const hit = crashedStep(records);
    const deathEvent = out.universe.world.trace.events.find(
      (e) => e.t === "death" || (e.t === "fp" && e.action !== "probe"),
    );
    const where =
      deathEvent?.t === "death"
        ? deathEvent.cause
        : deathEvent?.t === "fp"
          ? `${deathEvent.name} (${deathEvent.action})`
          : "not reached";
    cases.push({
      plan,
      step: hit?.index ?? -1,
      op: hit?.step.op ?? "-",
      where,
      fired: deathEvent !== undefined,
      state: hit ? sha256Hex(JSON.stringify(hit.post)).slice(0, 10) : "-",
      recovery: hit ? recoveryOf(records, hit.index) : "none",
      verdict: out.result.verdict,
      violations: out.result.violations.map((v) => ({ oracle: v.oracle, code: v.code })),
    });
  }
  return { base, seed, writes: W, failpoints, cases };
}
