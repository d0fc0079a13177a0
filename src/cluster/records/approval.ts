import { z } from "zod";
import { u32 } from "./zodText.ts";

/**
 * A digest-bound approval `__cluster/approvals/<approval_id>.json` (spec §1.5). Never
 * deleted: consumption rewrites it with `consumed_at`.
 */
export const ApprovalArtifactSchema = z.strictObject({
  schema_version: u32,
  approval_id: z.string(),
  resource: z.string(),
  operation: z.string(),
  reason: z.string(),
  bound_config_digest: z.string(),
  bound_before_digest: z.string().nullish(),
  bound_after_digest: z.string().nullish(),
  approved_by: z.string(),
  created_at: z.string(),
  consumed_at: z.string().nullish(),
  consumed_by_operation: z.string().nullish(),
});

export interface ApprovalArtifact {
  schema_version: number;
  approval_id: string;
  resource: string;
  operation: string;
  reason: string;
  bound_config_digest: string;
  bound_before_digest: string | null;
  bound_after_digest: string | null;
  approved_by: string;
  created_at: string;
  consumed_at: string | null;
  consumed_by_operation: string | null;
}

export function fromParsedApproval(p: z.output<typeof ApprovalArtifactSchema>): ApprovalArtifact {
  return {
    schema_version: p.schema_version,
    approval_id: p.approval_id,
    resource: p.resource,
    operation: p.operation,
    reason: p.reason,
    bound_config_digest: p.bound_config_digest,
    bound_before_digest: p.bound_before_digest ?? null,
    bound_after_digest: p.bound_after_digest ?? null,
    approved_by: p.approved_by,
    created_at: p.created_at,
    consumed_at: p.consumed_at ?? null,
    consumed_by_operation: p.consumed_by_operation ?? null,
  };
}

export function approvalToJson(a: ApprovalArtifact): Record<string, unknown> {
  return {
    schema_version: a.schema_version,
    approval_id: a.approval_id,
    resource: a.resource,
    operation: a.operation,
    reason: a.reason,
    bound_config_digest: a.bound_config_digest,
    bound_before_digest: a.bound_before_digest,
    bound_after_digest: a.bound_after_digest,
    approved_by: a.approved_by,
    created_at: a.created_at,
    consumed_at: a.consumed_at,
    consumed_by_operation: a.consumed_by_operation,
  };
}
