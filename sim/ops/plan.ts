import { commandOp } from "./OpSpec.ts";

/** `omnigraph cluster plan`: what apply would do, under the lock, changing nothing. */
export const planOp = commandOp({
  op: "plan",
  kind: "command",
  shape: {},
  traits: {
    locks: true,
    writesLedger: false,
    movesGraph: false,
    recovers: false,
    raceable: true,
    concurrent: true,
  },
  failpoints: ["cluster.lock."],
  draw: () => ({ op: "plan" }),
  examples: () => [{ op: "plan" }],
  exec: async (_step, env) => ({ kind: "command", view: await env.system.plan(env.ctx) }),
});
