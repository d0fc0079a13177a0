import { graphId } from "../scenario/primitives.ts";
import { ROOT_OF } from "../universe/observe.ts";
import { OPEN_FAILPOINTS } from "./boot.ts";
import { commandOp } from "./OpSpec.ts";

/** A client opens a graph read-write: the engine's open-time recovery runs. */
export const openRwOp = commandOp({
  op: "open-rw",
  kind: "command",
  shape: { graph: graphId },
  traits: {
    locks: false,
    writesLedger: false,
    movesGraph: true,
    recovers: true,
    raceable: false,
    concurrent: true,
  },
  failpoints: OPEN_FAILPOINTS,
  draw: (rng, v) => (v.rootGraphs.length ? { op: "open-rw", graph: rng.pick(v.rootGraphs) } : null),
  examples: (v) => v.rootGraphs.slice(0, 1).map((graph) => ({ op: "open-rw" as const, graph })),
  exec: async (step, env) => ({
    kind: "command",
    view: await env.system.openReadWrite(env.ctx.proc, ROOT_OF(step.graph)),
  }),
});
