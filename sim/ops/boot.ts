import { z } from "zod";
import { commandOp } from "./OpSpec.ts";

/** Engine recovery and publish prefixes: what opening a graph read-write can reach. */
export const OPEN_FAILPOINTS = [
  "engine.recovery.",
  "engine.manifest.",
  "engine.commits.",
  "recovery.",
  "graph_publish.",
] as const;

/** `omnigraph-server` boot: load the ledger and working tree, open every graph, serve or quarantine. */
export const bootOp = commandOp({
  op: "boot",
  kind: "command",
  shape: { strict: z.boolean().optional() },
  traits: {
    locks: false,
    writesLedger: false,
    movesGraph: true,
    recovers: true,
    raceable: true,
    concurrent: true,
  },
  failpoints: OPEN_FAILPOINTS,
  draw: () => ({ op: "boot" }),
  examples: () => [{ op: "boot" }],
  exec: async (_step, env) => ({
    kind: "boot",
    view: await env.system.boot(env.ctx.proc, { strict: env.strict, workTree: env.ctx.workTree }),
  }),
});
