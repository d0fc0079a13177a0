import { z } from "zod";
import { BASE_SCALARS } from "../schema/types.ts";

/**
 * Strict shapes of everything the engine model keeps under a graph root. Unknown fields are
 * refused: an object this model did not write is corrupt, not "probably fine".
 */

const count = z.number().int().nonnegative();

export const TableEntrySchema = z.strictObject({
  path: z.string().min(1),
  version: count,
});
export type TableEntry = z.infer<typeof TableEntrySchema>;

/** One version of the `__manifest` (what a branch head points at). */
export const ManifestSchema = z.strictObject({
  version: z.number().int().positive(),
  /** Live table pins; a dropped (tombstoned) table simply has no entry. */
  tables: z.record(z.string(), TableEntrySchema),
  /** The compiled schema hash current when the version was committed (informational). */
  schema_ir_hash: z.string().nullable(),
  committed_at: z.string(),
  actor: z.string().nullable(),
});
export type Manifest = z.infer<typeof ManifestSchema>;

export const BranchRefSchema = z.strictObject({
  name: z.string().min(1),
  parent_branch: z.string(),
  base_version: z.number().int().positive(),
  created_at: z.string(),
});
export type BranchRef = z.infer<typeof BranchRefSchema>;

/** A branch of the commit graph: where it forks from (the commit-graph dataset's version). */
export const CommitGraphBranchSchema = z.strictObject({
  name: z.string().min(1),
  parent_version: z.number().int().nonnegative(),
  created_at: z.string(),
});
export type CommitGraphBranch = z.infer<typeof CommitGraphBranchSchema>;

export const RowSchema = z.record(z.string(), z.unknown());

/** One version of a per-type table (a Lance dataset version in upstream). */
export const TableVersionSchema = z.strictObject({
  table_key: z.string(),
  version: z.number().int().positive(),
  rows: z.array(RowSchema),
});
export type TableVersion = z.infer<typeof TableVersionSchema>;

export const SIDECAR_SCHEMA_VERSION = 2;

export const SidecarKindSchema = z.enum([
  "Mutation",
  "Load",
  "SchemaApply",
  "BranchMerge",
  "EnsureIndices",
  "Optimize",
]);
export type SidecarKind = z.infer<typeof SidecarKindSchema>;

export const SidecarTablePinSchema = z.strictObject({
  table_key: z.string(),
  table_path: z.string(),
  expected_version: count,
  post_commit_pin: count,
  confirmed_version: count.optional(),
  table_branch: z.string().optional(),
});
export type SidecarTablePin = z.infer<typeof SidecarTablePinSchema>;

export const SidecarRegistrationSchema = z.strictObject({
  table_key: z.string(),
  table_path: z.string(),
  table_branch: z.string().optional(),
});

export const SidecarTombstoneSchema = z.strictObject({
  table_key: z.string(),
  tombstone_version: count,
});

/** An engine recovery sidecar (`__recovery/<ulid>.json`), upstream's v2 shape. */
export const RecoverySidecarSchema = z.strictObject({
  schema_version: z.number().int().positive(),
  operation_id: z.string().min(1),
  started_at: z.string(),
  branch: z.string().nullable(),
  actor_id: z.string().nullable(),
  writer_kind: SidecarKindSchema,
  tables: z.array(SidecarTablePinSchema),
  merge_source_commit_id: z.string().optional(),
  additional_registrations: z.array(SidecarRegistrationSchema).optional(),
  tombstones: z.array(SidecarTombstoneSchema).optional(),
});
export type RecoverySidecar = z.infer<typeof RecoverySidecarSchema>;

export const GraphCommitSchema = z.strictObject({
  graph_commit_id: z.string(),
  manifest_version: z.number().int().positive(),
  parent_commit_id: z.string().nullable(),
  branch: z.string().nullable(),
  actor_id: z.string().nullable(),
  created_at: z.string(),
});
export type GraphCommit = z.infer<typeof GraphCommitSchema>;

export const RecoveryKindSchema = z.enum([
  "RolledForward",
  "RolledBack",
  "OrphanedBranchDiscarded",
]);
export type RecoveryKind = z.infer<typeof RecoveryKindSchema>;

export const RecoveryAuditSchema = z.strictObject({
  graph_commit_id: z.string(),
  recovery_kind: RecoveryKindSchema,
  recovery_for_actor: z.string().nullable(),
  operation_id: z.string(),
  sidecar_writer_kind: SidecarKindSchema,
  per_table_outcomes: z.array(
    z.strictObject({ table_key: z.string(), from_version: count, to_version: count }),
  ),
  created_at: z.string(),
});
export type RecoveryAudit = z.infer<typeof RecoveryAuditSchema>;

export const SchemaStateSchema = z.strictObject({
  format_version: z.number().int(),
  schema_ir_hash: z.string(),
  schema_identity_version: z.number().int(),
});
export type SchemaState = z.infer<typeof SchemaStateSchema>;

const AnnotationSchema = z.strictObject({
  name: z.string(),
  value: z.string().nullable(),
  kwargs: z.record(z.string(), z.string()).optional(),
});

const PropTypeSchema = z.strictObject({
  scalar: z.union([z.enum(BASE_SCALARS), z.strictObject({ Vector: z.number().int().positive() })]),
  nullable: z.boolean(),
  list: z.boolean(),
  enum_values: z.array(z.string()).nullable(),
});

const PropertyIrSchema = z.strictObject({
  name: z.string(),
  prop_id: count,
  prop_type: PropTypeSchema,
  annotations: z.array(AnnotationSchema),
});

const BoundSchema = z.union([
  z.strictObject({ Integer: z.number().int() }),
  z.strictObject({ Float: z.number() }),
]);

const ConstraintSchema = z.union([
  z.strictObject({ Key: z.array(z.string()) }),
  z.strictObject({ Unique: z.array(z.string()) }),
  z.strictObject({ Index: z.array(z.string()) }),
  z.strictObject({
    Range: z.strictObject({
      property: z.string(),
      min: BoundSchema.nullable(),
      max: BoundSchema.nullable(),
    }),
  }),
  z.strictObject({ Check: z.strictObject({ property: z.string(), pattern: z.string() }) }),
]);

/** `_schema.ir.json`: the accepted compiled schema. */
export const SchemaIrSchema = z.strictObject({
  ir_version: z.literal(1),
  interfaces: z.array(
    z.strictObject({ name: z.string(), type_id: count, properties: z.array(PropertyIrSchema) }),
  ),
  nodes: z.array(
    z.strictObject({
      name: z.string(),
      type_id: count,
      annotations: z.array(AnnotationSchema),
      implements: z.array(z.string()),
      properties: z.array(PropertyIrSchema),
      constraints: z.array(ConstraintSchema),
    }),
  ),
  edges: z.array(
    z.strictObject({
      name: z.string(),
      type_id: count,
      from_type: z.string(),
      to_type: z.string(),
      cardinality: z.strictObject({ min: count, max: count.nullable() }),
      annotations: z.array(AnnotationSchema),
      properties: z.array(PropertyIrSchema),
      constraints: z.array(ConstraintSchema),
    }),
  ),
});
