import { z } from "zod";
import { u32, u64 } from "./zodText.ts";

export const RecoverySidecarKindSchema = z.enum(["graph_create", "schema_apply", "graph_delete"]);
export type RecoverySidecarKind = z.infer<typeof RecoverySidecarKindSchema>;

/**
 * The cluster recovery sidecar `__cluster/recoveries/<operation_id>.json` (spec §1.4): the
 * intent record written before an engine call that can create, move or delete a graph.
 */
export const RecoverySidecarSchema = z.strictObject({
  schema_version: u32,
  operation_id: z.string(),
  started_at: z.string(),
  actor: z.string().nullish(),
  kind: RecoverySidecarKindSchema,
  graph_id: z.string(),
  graph_uri: z.string(),
  observed_manifest_version: u64.nullish(),
  expected_manifest_version: u64.nullish(),
  desired_schema_digest: z.string(),
  state_cas_base: z.string().nullish(),
  approval_id: z.string().nullish(),
});

export interface RecoverySidecar {
  schema_version: number;
  operation_id: string;
  started_at: string;
  actor: string | null;
  kind: RecoverySidecarKind;
  graph_id: string;
  graph_uri: string;
  observed_manifest_version: number | null;
  expected_manifest_version: number | null;
  desired_schema_digest: string;
  /** Forensic only: the state CAS token the writing command read; never consulted. */
  state_cas_base: string | null;
  /** graph_delete only: the approval the delete consumes, so a roll-forward consumes it too. */
  approval_id: string | null;
}

export function fromParsedSidecar(p: z.output<typeof RecoverySidecarSchema>): RecoverySidecar {
  return {
    schema_version: p.schema_version,
    operation_id: p.operation_id,
    started_at: p.started_at,
    actor: p.actor ?? null,
    kind: p.kind,
    graph_id: p.graph_id,
    graph_uri: p.graph_uri,
    observed_manifest_version: p.observed_manifest_version ?? null,
    expected_manifest_version: p.expected_manifest_version ?? null,
    desired_schema_digest: p.desired_schema_digest,
    state_cas_base: p.state_cas_base ?? null,
    approval_id: p.approval_id ?? null,
  };
}

/** Wire form: every field present (nulls included), in upstream's order. */
export function sidecarToJson(s: RecoverySidecar): Record<string, unknown> {
  return {
    schema_version: s.schema_version,
    operation_id: s.operation_id,
    started_at: s.started_at,
    actor: s.actor,
    kind: s.kind,
    graph_id: s.graph_id,
    graph_uri: s.graph_uri,
    observed_manifest_version: s.observed_manifest_version,
    expected_manifest_version: s.expected_manifest_version,
    desired_schema_digest: s.desired_schema_digest,
    state_cas_base: s.state_cas_base,
    approval_id: s.approval_id,
  };
}
