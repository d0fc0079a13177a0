import { z } from "zod";
import { EDIT_TRAITS, editOp } from "./OpSpec.ts";

export const PROVIDER_CHANGES = ["model", "revert"] as const;

/** The operator switches the embedding provider's model (or reverts it). */
export const editProviderOp = editOp({
  op: "edit-provider",
  kind: "edit",
  shape: { change: z.enum(PROVIDER_CHANGES) },
  traits: EDIT_TRAITS,
  failpoints: [],
  draw: (rng, v) =>
    v.desired.provider.present ? { op: "edit-provider", change: rng.pick(PROVIDER_CHANGES) } : null,
  examples: (v) =>
    v.desired.provider.present
      ? PROVIDER_CHANGES.map((change) => ({ op: "edit-provider" as const, change }))
      : [],
  edit(d, step) {
    if (!d.provider.present) return "no provider in the config";
    d.provider.model =
      step.change === "revert" ? "mock-m1" : d.provider.model === "mock-m1" ? "mock-m2" : "mock-m1";
    return null;
  },
});
