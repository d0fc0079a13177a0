import { z } from "zod";
import { graphId } from "../scenario/primitives.ts";
import { EDIT_TRAITS, editOp } from "./OpSpec.ts";

export const QUERY_CHANGES = ["use-bio", "parse-error", "revert"] as const;

/**
 * Hostile query edits, drawn only in hostile universes: a query that parses but names a
 * property no schema declares, and a query file holding a byte that is not UTF-8.
 */
export const HOSTILE_QUERY_CHANGES = ["type-error", "non-utf8"] as const;

const ALL_CHANGES = [...QUERY_CHANGES, ...HOSTILE_QUERY_CHANGES] as const;

/** The operator rewrites one graph's stored query. */
export const editQueryOp = editOp({
  op: "edit-query",
  kind: "edit",
  shape: { graph: graphId, change: z.enum(ALL_CHANGES) },
  traits: EDIT_TRAITS,
  failpoints: [],
  draw(rng, v) {
    if (v.desiredIds.length === 0) return null;
    const graph = rng.pick(v.desiredIds);
    const change = rng.pick(QUERY_CHANGES);
    // Strictly after the draws every universe makes, so one without the flag is unchanged.
    if (v.hostile === true && rng.chance(0.4))
      return { op: "edit-query", graph, change: rng.pick(HOSTILE_QUERY_CHANGES) };
    return { op: "edit-query", graph, change };
  },
  examples: (v) =>
    v.desiredIds.slice(0, 1).flatMap((graph) =>
      (v.hostile === true ? ALL_CHANGES : QUERY_CHANGES).map((change) => ({
        op: "edit-query" as const,
        graph,
        change,
      })),
    ),
  edit(d, step) {
    const graph = d.graphs.find((g) => g.id === step.graph);
    if (!graph) return `graph ${step.graph} is not in the config`;
    graph.query = step.change === "revert" ? "v1" : step.change;
    return null;
  },
});
