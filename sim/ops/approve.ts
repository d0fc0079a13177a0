import { z } from "zod";
import { commandOp } from "./OpSpec.ts";

/** `omnigraph cluster approve`: consent to deleting a graph the working tree no longer declares. */
export const approveOp = commandOp({
  op: "approve",
  kind: "command",
  shape: { resource: z.string() },
  traits: {
    locks: true,
    writesLedger: true,
    movesGraph: false,
    recovers: false,
    raceable: false,
    concurrent: false,
  },
  failpoints: ["cluster.lock.", "cluster.approval.write"],
  draw(rng, v) {
    const gone = v.ledgerGraphs.filter((g) => !v.desiredIds.includes(g));
    return gone.length ? { op: "approve", resource: `graph.${rng.pick(gone)}` } : null;
  },
  examples: (v) =>
    v.ledgerGraphs
      .filter((g) => !v.desiredIds.includes(g))
      .map((g) => ({ op: "approve" as const, resource: `graph.${g}` })),
  exec: async (step, env) => ({
    kind: "command",
    view: await env.system.approve(env.ctx, step.resource),
  }),
});
