import { z } from "zod";
import { graphId } from "../scenario/primitives.ts";
import { EDIT_TRAITS, editOp } from "./OpSpec.ts";

export const QUERY_CHANGES = ["use-bio", "parse-error", "revert"] as const;

/** The operator rewrites one graph's stored query. */
export const editQueryOp = editOp({
  op: "edit-query",
  kind: "edit",
  shape: { graph: graphId, change: z.enum(QUERY_CHANGES) },
  traits: EDIT_TRAITS,
  failpoints: [],
  draw(rng, v) {
    if (v.desiredIds.length === 0) return null;
    return { op: "edit-query", graph: rng.pick(v.desiredIds), change: rng.pick(QUERY_CHANGES) };
  },
  examples: (v) =>
    v.desiredIds
      .slice(0, 1)
      .flatMap((graph) =>
        QUERY_CHANGES.map((change) => ({ op: "edit-query" as const, graph, change })),
      ),
  edit(d, step) {
    const graph = d.graphs.find((g) => g.id === step.graph);
    if (!graph) return `graph ${step.graph} is not in the config`;
    graph.query = step.change === "revert" ? "v1" : step.change;
    return null;
  },
});
