import { commandOp } from "./OpSpec.ts";

/** Ledger-only recovery prefixes shared by refresh and import (the sweep, without graph moves). */
export const LEDGER_RECOVERY_FAILPOINTS = [
  "cluster.lock.",
  "cluster.state.",
  "cluster.sidecar.delete_completed",
  "cluster.approval.consume",
] as const;

/** `omnigraph cluster refresh`: re-observe the graphs and rewrite the ledger. */
export const refreshOp = commandOp({
  op: "refresh",
  kind: "command",
  shape: {},
  traits: {
    locks: true,
    writesLedger: true,
    movesGraph: false,
    recovers: true,
    raceable: true,
    concurrent: true,
  },
  failpoints: LEDGER_RECOVERY_FAILPOINTS,
  draw: (_rng, v) => (v.obs.ledger ? { op: "refresh" } : null),
  examples: (v) => (v.obs.ledger ? [{ op: "refresh" }] : []),
  exec: async (_step, env) => ({ kind: "command", view: await env.system.refresh(env.ctx) }),
});
