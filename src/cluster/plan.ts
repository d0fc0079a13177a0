import { z } from "zod";

export const PlanOperationSchema = z.enum(["create", "update", "delete"]);
export type PlanOperation = z.infer<typeof PlanOperationSchema>;

/**
 * What apply does with a planned change: `applied` executes; `derived` is a `graph.<g>`
 * composite that converges by recomputation; `deferred` needs a later phase; `blocked` waits
 * on something (the `reason`).
 */
export const ApplyDispositionSchema = z.enum(["applied", "derived", "deferred", "blocked"]);
export type ApplyDisposition = z.infer<typeof ApplyDispositionSchema>;

export const PlanMetadataChangeSchema = z.enum(["policy_bindings", "embedding_profile"]);
export type PlanMetadataChange = z.infer<typeof PlanMetadataChangeSchema>;

/** A planned change; absent optional fields are omitted from JSON (binding_change when false). */
export const PlanChangeSchema = z.strictObject({
  resource: z.string(),
  operation: PlanOperationSchema,
  before_digest: z.string().optional(),
  after_digest: z.string().optional(),
  disposition: ApplyDispositionSchema.optional(),
  reason: z.string().optional(),
  binding_change: z.literal(true).optional(),
  metadata_change: PlanMetadataChangeSchema.optional(),
  /** For schema updates in `plan`: the engine's migration plan against the live graph. */
  migration: z.unknown().optional(),
});
export type PlanChange = z.infer<typeof PlanChangeSchema>;

export const DependencySchema = z.strictObject({ from: z.string(), to: z.string() });

export const BlastRadiusSchema = z.strictObject({
  resource: z.string(),
  affected: z.array(z.string()),
});
export type BlastRadius = z.infer<typeof BlastRadiusSchema>;

export const ApprovalRequirementSchema = z.strictObject({
  resource: z.string(),
  reason: z.string(),
  /** A valid (digest-matching, unconsumed) approval artifact is pending for this change. */
  satisfied: z.boolean(),
});
export type ApprovalRequirement = z.infer<typeof ApprovalRequirementSchema>;

/** Why a failed graph failed: decides the reasons its dependents are demoted with. */
export type FailedGraphOrigin = "graph_create" | "schema_apply" | "graph_delete";
