import { z } from "zod";
import { SCHEMA_TEXT } from "../universe/texts.ts";
import { commandOp, type DrawView } from "./OpSpec.ts";

/** Where apply does its work for each kind of pending change (failpoint name prefixes). */
const CREATE_PATH = [
  "cluster_apply.before_graph_create",
  "cluster_apply.after_graph_create",
  "engine.init.",
  "init.",
  "cluster.sidecar.rewrite.",
];
const SCHEMA_PATH = [
  "cluster_apply.before_schema_apply",
  "cluster_apply.after_schema_apply",
  "engine.schema_apply.",
  "schema_apply.",
  "engine.branch.",
  "branch_create.",
  "branch_delete.",
  "engine.manifest.",
  "engine.commits.",
  "graph_publish.",
  "engine.recovery.",
  "recovery.",
  "cluster.sidecar.delete_unmoved.",
];
const DELETE_PATH = [
  "cluster_apply.before_graph_delete",
  "cluster_apply.after_graph_delete",
  "cluster.graph.",
  "cluster.approval.",
];
/** What every apply that changes something passes after the graphs have moved. */
const CONVERGE_PATH = [
  "cluster.payload.",
  "cluster_apply.after_payload_phase",
  "cluster_apply.before_state_write",
  "cluster.state.write.",
  "cluster.sidecar.delete_completed.",
];

/** The pending changes the working tree and the store show, as the paths apply will take. */
function applyWork(v: DrawView): readonly string[] {
  const out: string[] = [];
  const creates = v.desiredIds.some((g) => !v.rootGraphs.includes(g));
  const schemas = v.desired.graphs.some((g) => {
    const live = v.obs.graphs[g.id];
    return live?.exists === true && live.schemaText !== SCHEMA_TEXT[g.schema];
  });
  const deletes = v.ledgerGraphs.some((g) => !v.desiredIds.includes(g));
  if (creates) out.push(...CREATE_PATH);
  if (schemas) out.push(...SCHEMA_PATH);
  if (deletes) out.push(...DELETE_PATH);
  if (out.length > 0) out.push(...CONVERGE_PATH);
  return out;
}

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
    "branch_delete.",
  ],
  draw: () => ({ op: "apply" }),
  work: applyWork,
  examples: () => [{ op: "apply" }],
  exec: async (step, env) => ({ kind: "apply", view: await env.system.apply(env.ctx, step.actor) }),
});
