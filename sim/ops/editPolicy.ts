import { z } from "zod";
import { EDIT_TRAITS, editOp } from "./OpSpec.ts";

/** `dangling-group`: a rule names an undeclared group (validation accepts it, serve does not). */
export const POLICY_CHANGES = ["touch", "dangling-group", "revert"] as const;

/** The operator edits the policy bundle. */
export const editPolicyOp = editOp({
  op: "edit-policy",
  kind: "edit",
  shape: { change: z.enum(POLICY_CHANGES) },
  traits: EDIT_TRAITS,
  failpoints: [],
  draw: (rng, v) =>
    v.desired.policy.present
      ? { op: "edit-policy", change: rng.pick(["touch", "revert"] as const) }
      : null,
  examples: (v) =>
    v.desired.policy.present
      ? POLICY_CHANGES.map((change) => ({ op: "edit-policy" as const, change }))
      : [],
  edit(d, step) {
    if (!d.policy.present) return "no policy in the config";
    if (step.change === "revert") {
      d.policy.revision = 0;
      d.policy.danglingGroup = false;
    } else if (step.change === "touch") {
      d.policy.revision += 1;
    } else {
      d.policy.danglingGroup = true;
    }
    return null;
  },
});
