import type { DefectName } from "../../src/world/defects.ts";
import type { JobContext } from "../orchestrator/runJob.ts";
import type { ScriptedScenario, Step } from "../scenario/schema.ts";
import { pinnedLayer } from "../universe/faultLayer.ts";
import { drawView } from "../universe/sampler.ts";
import { Universe } from "../universe/Universe.ts";
import type { Lab } from "./mutate.ts";

/**
 * The Lab of ./mutate.ts: what the mutations ask of a universe before they change it: the state it is in before a
 * step (to draw a step against it, as the generative sampler does), and the failpoints a step
 * reaches there (to move a crash point to one it really passes). Each answer lives the steps
 * before it again from birth, with the universe's seed and fixture, without judgment.
 */
export function lab(seed: number, defects: readonly DefectName[], ctx: JobContext): Lab {
  const live = async (scenario: ScriptedScenario, steps: readonly Step[]) => {
    const u = new Universe(scenario, seed, defects, ctx.system, { trace: true });
    await u.birth(ctx.births);
    // As runUniverse does for a scripted universe with pinned faults.
    if (steps.some((s) => s.faults !== undefined)) u.installFaults(pinnedLayer(u));
    return u;
  };
  const view = async (u: Universe) =>
    drawView({
      desired: u.desired,
      obs: u.latest() ?? (await u.observe()),
      reachedByOp: u.reachedByOp,
    });
  return {
    async stateAt(scenario, at) {
      const steps = scenario.steps;
      const u = await live(scenario, steps.slice(0, at));
      try {
        for (const s of steps.slice(0, at)) await u.run(s);
      } catch {
        // A universe the model threw in: draw against what it had become.
      }
      return view(u);
    },
    async reachedBy(scenario, index) {
      const steps = scenario.steps;
      const u = await live(scenario, steps.slice(0, index + 1));
      try {
        for (const s of steps.slice(0, index)) await u.run(s);
        const { crash: _crash, ...bare } = steps[index] as Step;
        const mark = u.world.failpoints.mark;
        await u.run(bare as Step);
        return u.world.failpoints.reachedSince(mark);
      } catch {
        return [];
      }
    },
  };
}
