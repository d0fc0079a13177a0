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
import { resolveSwarm } from "../universe/swarm.ts";
import { type Feature, featuresOf } from "./features.ts";
import { derive, type Parent } from "./mutate.ts";
import { lab } from "./probe.ts";

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
  /**
   * The universe as a scripted scenario run with `result.seed`: its recorded steps (a crash
   * placed as a step ran is recorded where it fired, faults only where they hit), what a
   * corpus entry keeps and mutates.
   */
  readonly scenario: ScriptedScenario;
  /** A derived universe's scenario exactly as it ran: what its failure file holds. */
  readonly ran?: ScriptedScenario;
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
  return watched(async () => {
    const d = await derive(
      new Rng(task.rng),
      parent,
      lab(parent.seed, task.defects, ctx),
      task.weights,
    );
    const ran = normalise(d.scenario);
    const r = await judged(ran, parent.seed, task.defects, ctx);
    const scenario =
      r.result.steps.length > 0 ? normalise({ ...ran, steps: [...r.result.steps] }) : ran;
    return { ...r, scenario, ran, description: d.description };
  }, watch);
}
