import { z } from "zod";
import { DiagnosticSchema } from "./diagnostics.ts";
import {
  ApprovalRequirementSchema,
  BlastRadiusSchema,
  DependencySchema,
  PlanChangeSchema,
  PlanOperationSchema,
} from "./plan.ts";
import { ResourceStatusRecordSchema } from "./records/status.ts";
import { StateObservationsSchema } from "./store/observations.ts";

/**
 * Command outputs: plain JSON-serialisable data, fields in upstream's order, optional fields
 * omitted when unknown. Maps are plain objects with sorted keys.
 */
export const ResourceSummarySchema = z.strictObject({
  address: z.string(),
  kind: z.enum(["graph", "schema", "query", "policy", "embedding_provider"]),
  digest: z.string(),
  path: z.string().optional(),
});

const DigestMap = z.record(z.string(), z.string());
const StatusMap = z.record(z.string(), ResourceStatusRecordSchema);
const JsonMap = z.record(z.string(), z.unknown());

export const ValidateOutputSchema = z.strictObject({
  ok: z.boolean(),
  config_dir: z.string(),
  config_file: z.string(),
  resource_digests: DigestMap,
  resources: z.array(ResourceSummarySchema),
  dependencies: z.array(DependencySchema),
  diagnostics: z.array(DiagnosticSchema),
});
export type ValidateOutput = z.infer<typeof ValidateOutputSchema>;

export const DesiredRevisionSchema = z.strictObject({ config_digest: z.string().optional() });

export const PlanOutputSchema = z.strictObject({
  ok: z.boolean(),
  config_dir: z.string(),
  desired_revision: DesiredRevisionSchema,
  resource_digests: DigestMap,
  dependencies: z.array(DependencySchema),
  state_observations: StateObservationsSchema,
  changes: z.array(PlanChangeSchema),
  blast_radius: z.array(BlastRadiusSchema),
  approvals_required: z.array(ApprovalRequirementSchema),
  diagnostics: z.array(DiagnosticSchema),
});
export type PlanOutput = z.infer<typeof PlanOutputSchema>;

export const ApplyOutputSchema = z.strictObject({
  ok: z.boolean(),
  config_dir: z.string(),
  actor: z.string().optional(),
  desired_revision: DesiredRevisionSchema,
  state_observations: StateObservationsSchema,
  /** Every planned change, `disposition` (and `reason` where there is one) populated. */
  changes: z.array(PlanChangeSchema),
  applied_count: z.number(),
  /** Deferred + blocked; derived counts as neither. */
  deferred_count: z.number(),
  converged: z.boolean(),
  state_written: z.boolean(),
  /** New statuses after a landed (or unneeded) write, else the in-memory post-sweep ones. */
  resource_statuses: StatusMap,
  diagnostics: z.array(DiagnosticSchema),
});
export type ApplyOutput = z.infer<typeof ApplyOutputSchema>;

export const StatusOutputSchema = z.strictObject({
  ok: z.boolean(),
  config_dir: z.string(),
  state_observations: StateObservationsSchema,
  resource_digests: DigestMap,
  resource_statuses: StatusMap,
  observations: JsonMap,
  diagnostics: z.array(DiagnosticSchema),
});
export type StatusOutput = z.infer<typeof StatusOutputSchema>;

export const StateSyncOutputSchema = z.strictObject({
  ok: z.boolean(),
  operation: z.enum(["refresh", "import"]),
  config_dir: z.string(),
  state_observations: StateObservationsSchema,
  resource_digests: DigestMap,
  resource_statuses: StatusMap,
  observations: JsonMap,
  diagnostics: z.array(DiagnosticSchema),
});
export type StateSyncOutput = z.infer<typeof StateSyncOutputSchema>;

export const ForceUnlockOutputSchema = z.strictObject({
  ok: z.boolean(),
  config_dir: z.string(),
  state_observations: StateObservationsSchema,
  lock_removed: z.boolean(),
  diagnostics: z.array(DiagnosticSchema),
});
export type ForceUnlockOutput = z.infer<typeof ForceUnlockOutputSchema>;

export const ApproveOutputSchema = z.strictObject({
  ok: z.boolean(),
  config_dir: z.string(),
  approval_id: z.string().optional(),
  resource: z.string().optional(),
  operation: PlanOperationSchema.optional(),
  approved_by: z.string().optional(),
  diagnostics: z.array(DiagnosticSchema),
});
export type ApproveOutput = z.infer<typeof ApproveOutputSchema>;
