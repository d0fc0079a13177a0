import { z } from "zod";
import { EDIT_TRAITS, editOp } from "./OpSpec.ts";

/** `dangling-group`: a rule names an undeclared group (validation accepts it, serve does not). */
export const POLICY_CHANGES = ["touch", "dangling-group", "revert"] as const;

/**
 * Hostile policy edits, drawn only in hostile universes (each undone by `revert`):
 * - `scope-on-query`: a rule scopes an action that has no branch (the loader refuses it);
 * - `server-action`: a graph-bound bundle grants the server-scoped `graph_list`;
 * - `misspelled-scope`: a rule's `branch_scope` key is misspelled;
 * - `second-bundle`: a second bundle bound to a graph the first already governs;
 * - `cluster-and-graph`: the bundle bound to `cluster` and to its graphs at once;
 * - `wrong-kind-binding`: `applies_to` names a schema address;
 * - `ghost-graph`: `applies_to` names a graph the config does not declare;
 * - `non-utf8`: the bundle file holds a byte that is not UTF-8.
 */
export const HOSTILE_POLICY_CHANGES = [
  "scope-on-query",
  "server-action",
  "misspelled-scope",
  "second-bundle",
  "cluster-and-graph",
  "wrong-kind-binding",
  "ghost-graph",
  "non-utf8",
] as const;

const ALL_CHANGES = [...POLICY_CHANGES, ...HOSTILE_POLICY_CHANGES] as const;

/** The operator edits the policy bundle. */
export const editPolicyOp = editOp({
  op: "edit-policy",
  kind: "edit",
  shape: { change: z.enum(ALL_CHANGES) },
  traits: EDIT_TRAITS,
  failpoints: [],
  draw(rng, v) {
    if (!v.desired.policy.present) return null;
    // A hostile universe draws here first, so one without the flag draws exactly as before.
    if (v.hostile === true && rng.chance(0.6))
      return { op: "edit-policy", change: rng.pick(HOSTILE_POLICY_CHANGES) };
    return { op: "edit-policy", change: rng.pick(["touch", "revert"] as const) };
  },
  examples: (v) =>
    v.desired.policy.present
      ? (v.hostile === true ? ALL_CHANGES : POLICY_CHANGES).map((change) => ({
          op: "edit-policy" as const,
          change,
        }))
      : [],
  edit(d, step) {
    if (!d.policy.present) return "no policy in the config";
    if (step.change === "revert") {
      d.policy.revision = 0;
      d.policy.danglingGroup = false;
      d.policy.hostile = null;
    } else if (step.change === "touch") {
      d.policy.revision += 1;
    } else if (step.change === "dangling-group") {
      d.policy.danglingGroup = true;
    } else {
      d.policy.hostile = step.change;
    }
    return null;
  },
});
