import { z } from "zod";
import { graphId } from "../scenario/primitives.ts";
import { ROOT_OF } from "../universe/observe.ts";
import { branchPairs } from "./branches.ts";
import { commandOp } from "./OpSpec.ts";

/** An agent deletes a branch of a graph, out of band of the cluster. */
export const branchDeleteOp = commandOp({
  op: "branch-delete",
  kind: "command",
  shape: { graph: graphId, branch: z.string().min(1) },
  traits: {
    locks: false,
    writesLedger: false,
    movesGraph: true,
    recovers: false,
    raceable: false,
    concurrent: false,
  },
  failpoints: [
    "engine.branch.delete",
    "branch_delete.",
    "engine.commits.reclaim_branch",
    "engine.recovery.",
    "recovery.",
  ],
  draw(rng, v) {
    const opts = branchPairs(v, true);
    if (!opts.length) return null;
    const [graph, branch] = rng.pick(opts);
    return { op: "branch-delete", graph, branch };
  },
  examples: (v) =>
    branchPairs(v, true)
      .slice(0, 1)
      .map(([graph, branch]) => ({ op: "branch-delete" as const, graph, branch })),
  exec: async (step, env) => ({
    kind: "command",
    view: await env.system.branchDelete(env.ctx.proc, ROOT_OF(step.graph), step.branch),
  }),
});
