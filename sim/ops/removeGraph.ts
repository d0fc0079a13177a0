import { graphId } from "../scenario/primitives.ts";
import { EDIT_TRAITS, editOp } from "./OpSpec.ts";

/** The operator drops a graph from the config (apply then wants an approval to delete it). */
export const removeGraphOp = editOp({
  op: "remove-graph",
  kind: "edit",
  shape: { graph: graphId },
  traits: EDIT_TRAITS,
  failpoints: [],
  draw: (rng, v) =>
    v.desiredIds.length > 1 ? { op: "remove-graph", graph: rng.pick(v.desiredIds) } : null,
  examples: (v) =>
    v.desiredIds.length > 1
      ? [{ op: "remove-graph" as const, graph: v.desiredIds[0] as string }]
      : [],
  edit(d, step) {
    if (!d.graphs.some((g) => g.id === step.graph))
      return `graph ${step.graph} is not in the config`;
    d.graphs = d.graphs.filter((g) => g.id !== step.graph);
    return null;
  },
});
