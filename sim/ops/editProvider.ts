import { z } from "zod";
import { EDIT_TRAITS, editOp } from "./OpSpec.ts";

export const PROVIDER_CHANGES = ["model", "revert"] as const;

/**
 * Hostile provider profiles, drawn only in hostile universes: `unset-env`, a real provider
 * whose `${NAME}` api key names a variable the server does not have; `unknown-kind`, a
 * provider kind the engine does not know.
 */
export const HOSTILE_PROVIDER_CHANGES = ["unset-env", "unknown-kind"] as const;

const ALL_CHANGES = [...PROVIDER_CHANGES, ...HOSTILE_PROVIDER_CHANGES] as const;

/** The operator switches the embedding provider's model (or reverts it). */
export const editProviderOp = editOp({
  op: "edit-provider",
  kind: "edit",
  shape: { change: z.enum(ALL_CHANGES) },
  traits: EDIT_TRAITS,
  failpoints: [],
  draw(rng, v) {
    if (!v.desired.provider.present) return null;
    const change = rng.pick(PROVIDER_CHANGES);
    // Strictly after the draw every universe makes, so one without the flag is unchanged.
    if (v.hostile === true && rng.chance(0.5))
      return { op: "edit-provider", change: rng.pick(HOSTILE_PROVIDER_CHANGES) };
    return { op: "edit-provider", change };
  },
  examples: (v) =>
    v.desired.provider.present
      ? (v.hostile === true ? ALL_CHANGES : PROVIDER_CHANGES).map((change) => ({
          op: "edit-provider" as const,
          change,
        }))
      : [],
  edit(d, step) {
    if (!d.provider.present) return "no provider in the config";
    if (step.change === "unset-env" || step.change === "unknown-kind") {
      d.provider.hostile = step.change;
      return null;
    }
    if (step.change === "revert") d.provider.hostile = null;
    d.provider.model =
      step.change === "revert" ? "mock-m1" : d.provider.model === "mock-m1" ? "mock-m2" : "mock-m1";
    return null;
  },
});
