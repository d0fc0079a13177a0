import { commandOp } from "./OpSpec.ts";

/** `omnigraph cluster force-unlock <id>`: the operator removes a lock it can read. */
export const forceUnlockOp = commandOp({
  op: "force-unlock",
  kind: "command",
  shape: {},
  traits: {
    locks: false,
    writesLedger: false,
    movesGraph: false,
    recovers: false,
    raceable: false,
    concurrent: false,
  },
  failpoints: ["cluster.lock.force_unlock"],
  draw: (_rng, v) => (v.obs.lockPresent ? { op: "force-unlock" } : null),
  examples: (v) => (v.obs.lockPresent ? [{ op: "force-unlock" }] : []),
  skip: (_step, pre) => (pre.lockId === null ? "no readable lock to remove" : null),
  exec: async (_step, env) => ({
    kind: "command",
    view: await env.system.forceUnlock(env.ctx, env.pre.lockId ?? ""),
  }),
});
