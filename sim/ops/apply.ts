import { z } from "zod";
import { commandOp } from "./OpSpec.ts";

/** `omnigraph cluster apply`: converge the graphs and the ledger to the working tree. */
export const applyOp = commandOp({
  op: "apply",
  kind: "command",
  shape: { actor: z.string().optional() },
  traits: {
    locks: true,
    writesLedger: true,
    movesGraph: true,
    recovers: true,
    raceable: true,
    concurrent: true,
  },
  failpoints: [
    "cluster_apply.",
    "cluster.",
    "engine.",
    "init.",
    "schema_apply.",
    "graph_publish.",
    "recovery.",
    "branch_create.",
  ],
  draw: () => ({ op: "apply" }),
  examples: () => [{ op: "apply" }],
  exec: async (step, env) => ({ kind: "apply", view: await env.system.apply(env.ctx, step.actor) }),
});
