import { graphAddress, schemaAddress } from "../../addresses.ts";
import { sourcePathOf } from "../../config/desired.ts";
import { error } from "../../diagnostics.ts";
import { engineInit, engineOpen, mainVersionOf } from "../../engine.ts";
import { maybeFail } from "../../failpoints.ts";
import { rereadSchemaSource } from "../source.ts";

import {
  desiredGraph,
  graphsToRun,
  markFailed,
  newSidecar,
  type PhaseResult,
  type Run,
  skippedAfterAbort,
} from "./run.ts";
/** Phase H: graph creates, sidecar-fenced, in address order. */
export async function graphCreatePhase(run: Run): Promise<PhaseResult> {
  const { ctx, store, diagnostics } = run;
  for (const graphId of graphsToRun(run.changes, "graph", "create")) {
    const gAddr = graphAddress(graphId);
    if (skippedAfterAbort(run, graphId, "graph_create", "graph_create_skipped", gAddr)) continue;
    const dg = desiredGraph(run, graphId);
    if (dg === undefined) continue;
    const graphUri = store.graphRoot(graphId);
    const sidecar = newSidecar(run, "graph_create", graphId, {
      desired_schema_digest: dg.schemaDigest,
    });
    const armed = await store.sidecars.write("cluster.sidecar.write", sidecar);
    if (!armed.ok) {
      diagnostics.push(armed.diagnostic);
      markFailed(run, graphId, "graph_create");
      continue;
    }
    const sidecarUri = armed.value;
    const beforeCreate = await maybeFail(ctx.proc, "cluster_apply.before_graph_create");
    if (beforeCreate !== null) {
      // The sidecar stays: the next sweep finds no root (row 1) and retires it.
      diagnostics.push(beforeCreate);
      markFailed(run, graphId, "graph_create");
      continue;
    }
    const sAddr = schemaAddress(graphId);
    const source = await rereadSchemaSource(
      ctx.workTree,
      sourcePathOf(run.desired, sAddr),
      dg.schemaDigest,
      "graph_create_failed",
      gAddr,
      sAddr,
    );
    if (!source.ok) {
      diagnostics.push(source.diagnostic);
      // Nothing moved: the intent can go now.
      await store.deleteObject("cluster.sidecar.delete_create_unmoved", sidecarUri);
      markFailed(run, graphId, "graph_create");
      continue;
    }
    const init = await engineInit(ctx.proc, store.graphKey(graphId), source.source);
    if (!init.ok) {
      // The sidecar stays: the sweep tells a partial root (row 5) from nothing (row 1).
      diagnostics.push(
        error(
          "graph_create_failed",
          gAddr,
          `could not initialize graph at '${graphUri}': ${init.message}`,
        ),
      );
      markFailed(run, graphId, "graph_create");
      continue;
    }
    // Best effort: pin the post-init version; the sweep classifies by digest regardless.
    const opened = await engineOpen(ctx.proc, store.graphKey(graphId), "read_only");
    if (opened.ok) {
      const version = await mainVersionOf(opened.value);
      if (version !== null) {
        sidecar.expected_manifest_version = version;
        const rewritten = await store.sidecars.write("cluster.sidecar.rewrite", sidecar);
        if (!rewritten.ok) diagnostics.push(rewritten.diagnostic);
      }
    }
    const afterCreate = await maybeFail(ctx.proc, "cluster_apply.after_graph_create");
    if (afterCreate !== null) {
      // The graph exists, the ledger does not know: acknowledge nothing (sweep row 4 next run).
      diagnostics.push(afterCreate);
      // A plausible regression: "roll back" the create by removing the committed graph.
      if (ctx.proc.world.hasDefect("failed-apply-removes-created-graph"))
        await store.deleteGraphRoot(graphUri);
      return "early_return";
    }
    run.completedOpSidecars.push(sidecarUri);
  }
  return "continue";
}
