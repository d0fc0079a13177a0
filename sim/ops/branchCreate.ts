import { z } from "zod";
import { graphId } from "../scenario/primitives.ts";
import { ROOT_OF } from "../universe/observe.ts";
import { branchPairs } from "./branches.ts";
import { commandOp } from "./OpSpec.ts";

/** An agent creates a branch on a graph, out of band of the cluster (the engine's own API). */
export const branchCreateOp = commandOp({
  op: "branch-create",
  kind: "command",
  shape: { graph: graphId, branch: z.string().min(1) },
  traits: {
    locks: false,
    writesLedger: false,
    movesGraph: true,
    recovers: false,
    raceable: false,
    concurrent: true,
  },
  failpoints: [
    "engine.branch.create",
    "branch_create.",
    "engine.commits.delete_zombie_branch",
    "engine.commits.create_branch",
    "engine.branch.delete",
    "engine.recovery.",
    "recovery.",
  ],
  draw(rng, v) {
    const opts = branchPairs(v, false);
    if (!opts.length) return null;
    const [graph, branch] = rng.pick(opts);
    return { op: "branch-create", graph, branch };
  },
  examples: (v) =>
    branchPairs(v, false)
      .slice(0, 1)
      .map(([graph, branch]) => ({ op: "branch-create" as const, graph, branch })),
  exec: async (step, env) => ({
    kind: "command",
    view: await env.system.branchCreate(env.ctx.proc, ROOT_OF(step.graph), step.branch),
  }),
});
