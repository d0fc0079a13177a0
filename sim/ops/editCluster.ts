import { z } from "zod";
import { EDIT_TRAITS, editOp } from "./OpSpec.ts";

/**
 * Hostile edits of `cluster.yaml` itself, each undone by `revert`:
 * - `unknown-field`: a top-level key the config format does not have;
 * - `misspelled-key`: `state.lock` spelled `lokc`;
 * - `duplicate-key`: `version` written twice;
 * - `future-field`: a top-level key reserved for a later phase (`ui`);
 * - `dangling-ref`: the first graph names an embedding provider nobody declares;
 * - `invalid-graph-id`: a graph whose id holds a dot.
 */
export const CLUSTER_CHANGES = [
  "unknown-field",
  "misspelled-key",
  "duplicate-key",
  "future-field",
  "dangling-ref",
  "invalid-graph-id",
  "revert",
] as const;

const NEEDS_A_GRAPH: ReadonlySet<string> = new Set(["dangling-ref", "invalid-graph-id"]);

/** The operator edits cluster.yaml by hand (drawn only in hostile universes). */
export const editClusterOp = editOp({
  op: "edit-cluster",
  kind: "edit",
  shape: { change: z.enum(CLUSTER_CHANGES) },
  traits: EDIT_TRAITS,
  failpoints: [],
  draw(rng, v) {
    if (v.hostile !== true) return null;
    const change = rng.pick(CLUSTER_CHANGES);
    if (NEEDS_A_GRAPH.has(change) && v.desiredIds.length === 0) return null;
    return { op: "edit-cluster", change };
  },
  examples: (v) =>
    v.hostile === true
      ? CLUSTER_CHANGES.filter((c) => v.desiredIds.length > 0 || !NEEDS_A_GRAPH.has(c)).map(
          (change) => ({ op: "edit-cluster" as const, change }),
        )
      : [],
  edit(d, step) {
    if (step.change === "revert") {
      d.cluster = null;
      return null;
    }
    if (NEEDS_A_GRAPH.has(step.change) && d.graphs.length === 0) return "no graph in the config";
    d.cluster = step.change;
    return null;
  },
});
