import type { DefectName } from "../../src/world/defects.ts";
import { Rng } from "../../src/world/rng.ts";
import type { OpName } from "../ops/index.ts";
import type { RejectionWatch } from "../orchestrator/rejections.ts";
import { withRejections } from "../orchestrator/rejections.ts";
import type { JobContext } from "../orchestrator/runJob.ts";
import {
  type GenerativeScenario,
  type ScriptedScenario,
  ScriptedScenarioSchema,
} from "../scenario/schema.ts";
import { asScripted } from "../shrink/shrink.ts";
import type { UniverseResult } from "../universe/result.ts";
import { runUniverse } from "../universe/run.ts";
import { drawView } from "../universe/sampler.ts";
import { resolveSwarm } from "../universe/swarm.ts";
import { type Feature, featuresOf } from "./features.ts";
import { derive, type Parent, type StateAt } from "./mutate.ts";

/**
 * One candidate of a generation, as plain data (it crosses to a worker thread): a fresh
 * universe of the base scenario, or a universe derived from a corpus entry by the mutations a
 * random stream (named by its seed-tree path) chooses.
 */
export type GuidedTask =
  | {
      readonly kind: "base";
      readonly scenario: GenerativeScenario | ScriptedScenario;
      readonly seed: number;
      readonly defects: readonly DefectName[];
    }
  | {
      readonly kind: "derived";
      readonly parent: Parent;
      /** The seed-tree path of the candidate's random stream (Rng's path). */
      readonly rng: string;
      readonly weights: ReadonlyArray<readonly [OpName, number]>;
      readonly defects: readonly DefectName[];
    };

export interface GuidedOutcome {
  readonly result: UniverseResult;
  readonly features: readonly Feature[];
  /** The universe as a scripted scenario run with `result.seed` (a base universe's recorded steps). */
  readonly scenario: ScriptedScenario;
  /** The mutations, for a derived universe. */
  readonly description?: string;
}

/** The scripted scenario as its file will load: parsed, defaults and key order included. */
export function normalise(s: ScriptedScenario): ScriptedScenario {
  return ScriptedScenarioSchema.parse(JSON.parse(JSON.stringify(s)));
}

async function judged(
  scenario: GenerativeScenario | ScriptedScenario,
  seed: number,
  defects: readonly DefectName[],
  ctx: JobContext,
): Promise<{ result: UniverseResult; features: Feature[] }> {
  const o = await runUniverse({ scenario, seed, defects }, ctx);
  const features = featuresOf({
    result: o.result,
    records: o.universe.records,
    reachedByOp: o.universe.reachedByOp,
  });
  return { result: o.result, features };
}

/**
 * Runs `work` under the thread's rejection watch, as the fleet runs a universe: a promise the
 * model left rejected makes the universe a crash instead of killing the thread.
 */
async function watched<T extends { result: UniverseResult; features: readonly Feature[] }>(
  work: () => Promise<T>,
  watch: RejectionWatch | undefined,
): Promise<T> {
  if (watch === undefined) return work();
  const { value, rejections } = await watch.run(work);
  const result = withRejections(value.result, rejections);
  if (result === value.result) return value;
  return { ...value, result, features: [...value.features, "verdict:harness/crash"].sort() };
}

/** Runs one candidate in this thread. */
export async function executeTask(
  task: GuidedTask,
  ctx: JobContext,
  watch?: RejectionWatch,
): Promise<GuidedOutcome> {
  if (task.kind === "base") {
    const r = await watched(() => judged(task.scenario, task.seed, task.defects, ctx), watch);
    const lived = resolveSwarm(task.scenario, task.seed);
    const scenario = normalise({
      ...asScripted(lived, r.result.steps, [], `${task.scenario.name} seed ${task.seed}`),
      name: `${task.scenario.name}-guided`,
    });
    return { ...r, scenario };
  }
  const { parent } = task;
  // The state before step `at`: the parent's fixture and seed, the steps before it, no
  // liveness phase and no judgment.
  const stateAt: StateAt = async (steps, at) => {
    const prefix = { ...parent.scenario, steps: steps.slice(0, at), liveness: false };
    const o = await runUniverse(
      { scenario: prefix, seed: parent.seed, defects: task.defects },
      {
        system: ctx.system,
        oracles: [],
        findings: [],
        ...(ctx.births ? { births: ctx.births } : {}),
      },
    );
    const u = o.universe;
    return drawView({
      desired: u.desired,
      obs: u.latest() ?? (await u.observe()),
      reachedByOp: u.reachedByOp,
    });
  };
  return watched(async () => {
    const d = await derive(new Rng(task.rng), parent, stateAt, task.weights);
    const scenario = normalise(d.scenario);
    const r = await judged(scenario, parent.seed, task.defects, ctx);
    return { ...r, scenario, description: d.description };
  }, watch);
}
