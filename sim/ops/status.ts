import { commandOp } from "./OpSpec.ts";

/** `omnigraph cluster status`: the ledger against the store, under the lock. */
export const statusOp = commandOp({
  op: "status",
  kind: "command",
  shape: {},
  traits: {
    locks: true,
    writesLedger: false,
    movesGraph: false,
    recovers: false,
    raceable: false,
    concurrent: true,
  },
  failpoints: [],
  draw: () => ({ op: "status" }),
  examples: () => [{ op: "status" }],
  exec: async (_step, env) => ({ kind: "command", view: await env.system.status(env.ctx) }),
});
