import { z } from "zod";
import { graphId } from "../scenario/primitives.ts";
import { EDIT_TRAITS, editOp } from "./OpSpec.ts";

/** Schema edits by class: each meets a different branch of the engine's migration planner. */
export const SCHEMA_CHANGES = [
  "add-optional",
  "add-required",
  "type-change",
  "parse-error",
  "comment-only",
  "add-type",
  "describe",
  "revert",
] as const;

/** The operator rewrites one graph's schema file. */
export const editSchemaOp = editOp({
  op: "edit-schema",
  kind: "edit",
  shape: { graph: graphId, change: z.enum(SCHEMA_CHANGES) },
  traits: EDIT_TRAITS,
  failpoints: [],
  draw(rng, v) {
    if (v.desiredIds.length === 0) return null;
    const graph = rng.pick(v.desiredIds);
    return { op: "edit-schema", graph, change: rng.pick(SCHEMA_CHANGES) };
  },
  // The fixture's graphs are alike: every class on the first one stands for them all.
  examples: (v) =>
    v.desiredIds
      .slice(0, 1)
      .flatMap((graph) =>
        SCHEMA_CHANGES.map((change) => ({ op: "edit-schema" as const, graph, change })),
      ),
  edit(d, step) {
    const graph = d.graphs.find((g) => g.id === step.graph);
    if (!graph) return `graph ${step.graph} is not in the config`;
    graph.schema = step.change === "revert" ? "v1" : step.change;
    return null;
  },
});
