import { commandOp } from "./OpSpec.ts";
import { LEDGER_RECOVERY_FAILPOINTS } from "./refresh.ts";

/** `omnigraph cluster import`: adopt existing graphs into the ledger. */
export const importOp = commandOp({
  op: "import",
  kind: "command",
  shape: {},
  traits: {
    locks: true,
    writesLedger: true,
    movesGraph: false,
    recovers: true,
    raceable: true,
    concurrent: false,
  },
  failpoints: LEDGER_RECOVERY_FAILPOINTS,
  draw: () => ({ op: "import" }),
  examples: () => [{ op: "import" }],
  exec: async (_step, env) => ({ kind: "command", view: await env.system.importState(env.ctx) }),
});
