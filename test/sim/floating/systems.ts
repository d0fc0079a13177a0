import type { JobContext } from "../../../sim/orchestrator/runJob.ts";
import { jobContext } from "../../../sim/orchestrator/runJob.ts";
import { parseScenarioText } from "../../../sim/scenario/load.ts";
import type { ScriptedScenario } from "../../../sim/scenario/schema.ts";
import { modelSystem } from "../../../sim/universe/modelSystem.ts";
import type { ClusterCtx, System } from "../../../sim/universe/system.ts";

/**
 * Broken systems for the floating-promise checks: the model with a dropped `await` planted
 * in apply through the System seam (src/ itself stays correct).
 */

/** A short scripted universe: an apply, then another command for the world to go on with. */
export const SCENARIO = parseScenarioText(
  `kind: scripted
name: floating-probe
description: an apply whose System may let a promise go, then a status
fixture:
  graphs: [knowledge]
liveness: false
steps:
  - op: edit-schema
    graph: knowledge
    change: add-optional
  - op: apply
  - op: status
`,
  "floating-probe.yaml",
) as ScriptedScenario;

/** The seeds whose apply lets a rejected promise go (one run in a pool thread, one inline). */
export const REJECTING_SEEDS: readonly number[] = [2, 4];

const seedOf = (ctx: ClusterCtx) => ctx.proc.world.rng.path;

/** Apply reads a key that is not there without awaiting it, in the universes of `seeds`. */
export function rejectingApply(seeds: readonly number[] = REJECTING_SEEDS): System {
  const model = modelSystem();
  return {
    ...model,
    async apply(ctx, actor) {
      const view = await model.apply(ctx, actor);
      if (seeds.map(String).includes(seedOf(ctx))) ctx.proc.storage.read("__planted/missing");
      return view;
    },
  };
}

/** Apply ends with a durable write it does not await. */
export function unawaitedWrite(): System {
  const model = modelSystem();
  return {
    ...model,
    async apply(ctx, actor) {
      const view = await model.apply(ctx, actor);
      ctx.proc.storage.put("cluster.state.write", "__planted/late.json", "{}");
      return view;
    },
  };
}

/**
 * Apply leaves behind a promise chain that writes once the step has recorded its result:
 * the write begins, and completes, after the step has ended.
 */
export function writeAfterTheStep(): System {
  const model = modelSystem();
  return {
    ...model,
    async apply(ctx, actor) {
      const view = await model.apply(ctx, actor);
      const events = ctx.proc.world.trace.events;
      const from = events.length;
      const ended = () => {
        for (let i = from; i < events.length; i++) if (events[i]?.t === "result") return true;
        return false;
      };
      void (async () => {
        for (let turns = 0; turns < 100_000 && !ended(); turns++) await Promise.resolve();
        await ctx.proc.storage.put("cluster.state.write", "__planted/after.json", "{}");
      })();
      return view;
    },
  };
}

export function contextWith(system: System): JobContext {
  return { ...jobContext(), system };
}
