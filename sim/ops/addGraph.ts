import { graphId } from "../scenario/primitives.ts";
import { EDIT_TRAITS, editOp } from "./OpSpec.ts";

/** Graph ids the sampler may add: a small pool, so adds and removes meet each other. */
export const GRAPH_POOL = ["archive", "knowledge", "people", "notes"] as const;

/** The operator declares a new graph on the people schema. */
export const addGraphOp = editOp({
  op: "add-graph",
  kind: "edit",
  shape: { graph: graphId },
  traits: EDIT_TRAITS,
  failpoints: [],
  draw(rng, v) {
    const free = GRAPH_POOL.filter((g) => !v.desiredIds.includes(g));
    return free.length ? { op: "add-graph", graph: rng.pick(free) } : null;
  },
  examples: (v) =>
    GRAPH_POOL.filter((g) => !v.desiredIds.includes(g))
      .slice(0, 1)
      .map((graph) => ({ op: "add-graph" as const, graph })),
  edit(d, step) {
    if (d.graphs.some((g) => g.id === step.graph))
      return `graph ${step.graph} is already in the config`;
    d.graphs.push({ id: step.graph, schema: "v1", query: "v1" });
    d.graphs.sort((a, b) => (a.id < b.id ? -1 : 1));
    return null;
  },
});
