import { z } from "zod";
import { type Diagnostic, DiagnosticSchema } from "../cluster/diagnostics.ts";
import { RuntimeStateSchema } from "./auth.ts";
import { EmbeddingSummarySchema } from "./embedding.ts";

/**
 * What a boot produced, as data. Stable codes, no prose to parse: a graph left out of the
 * served set is a `Quarantine`, a refused boot a `failed` result with one failure code.
 */
export const QUARANTINE_CODES = [
  // layer 1: a valid recovery sidecar names the graph
  "cluster_recovery_pending",
  // layer 2: startup settings
  "stored_queries_invalid",
  "embedding_provider_unresolved",
  // layer 3: opening
  "graph_id_invalid",
  "graph_open_failed",
  "stored_query_typecheck_failed",
  "graph_policy_invalid",
] as const;
export const QuarantineCodeSchema = z.enum(QUARANTINE_CODES);
export type QuarantineCode = z.infer<typeof QuarantineCodeSchema>;

export const QuarantineSchema = z.strictObject({
  graph_id: z.string(),
  layer: z.union([z.literal(1), z.literal(2), z.literal(3)]),
  code: QuarantineCodeSchema,
  reason: z.string(),
});
export type Quarantine = z.infer<typeof QuarantineSchema>;

export const BOOT_FAILURE_CODES = [
  "cluster_required",
  // layer 1
  "cluster_not_ready",
  // layer 2
  "strict_startup_diagnostics",
  "policy_binding_conflict",
  "policy_binding_unrecognized",
  "no_healthy_graphs",
  "strict_settings_quarantine",
  // layer 3
  "bearer_tokens_invalid",
  "unauthenticated_not_allowed",
  "policy_without_tokens",
  "server_policy_invalid",
  "strict_open_failed",
  "no_graphs_opened",
  // the pre-#284 all-or-nothing settings and opening (defect `serve-refuses-any-sidecar`)
  "stored_queries_invalid",
  "embedding_provider_unresolved",
  "graph_open_failed",
] as const;
export const BootFailureCodeSchema = z.enum(BOOT_FAILURE_CODES);
export type BootFailureCode = z.infer<typeof BootFailureCodeSchema>;

export const ReadyGraphSchema = z.strictObject({
  graph_id: z.string(),
  /** The root as `GET /graphs` lists it. */
  uri: z.string(),
  /** Stored query names, sorted. */
  queries: z.array(z.string()),
  /** Whether a graph-bound policy bundle governs it. */
  policy: z.boolean(),
  embedding: EmbeddingSummarySchema.nullable(),
});
export type ReadyGraph = z.infer<typeof ReadyGraphSchema>;

export const BootResultSchema = z.discriminatedUnion("kind", [
  z.strictObject({
    kind: z.literal("ready"),
    /** Sorted by graph id. */
    graphs: z.array(ReadyGraphSchema),
    /** Sorted by graph id; one entry per left-out applied graph. */
    quarantined: z.array(QuarantineSchema),
    server_policy: z.boolean(),
    runtime_state: RuntimeStateSchema,
    require_all_graphs: z.boolean(),
    /** Startup warnings, then one warning per quarantine at layers 2 and 3. */
    diagnostics: z.array(DiagnosticSchema),
  }),
  z.strictObject({
    kind: z.literal("failed"),
    code: BootFailureCodeSchema,
    message: z.string(),
    /** The quarantines decided before the boot was refused. */
    quarantined: z.array(QuarantineSchema),
    /** For `cluster_not_ready`, the snapshot's findings; otherwise the warnings so far. */
    diagnostics: z.array(DiagnosticSchema),
  }),
]);
export type BootResult = z.infer<typeof BootResultSchema>;
export type BootFailure = Extract<BootResult, { kind: "failed" }>;

export function bootFailure(
  code: BootFailureCode,
  message: string,
  quarantined: readonly Quarantine[],
  diagnostics: readonly Diagnostic[],
): BootFailure {
  return {
    kind: "failed",
    code,
    message,
    quarantined: [...quarantined],
    diagnostics: [...diagnostics],
  };
}

export function formatDiagnosticLine(d: Diagnostic): string {
  return `[${d.code}] ${d.path}: ${d.message}`;
}

/** Human-readable rendering, for logs and the simulator's reports; never parsed back. */
export function formatBootResult(r: BootResult): string {
  const lines: string[] = [];
  if (r.kind === "failed") {
    lines.push(`boot failed (${r.code}): ${r.message}`);
  } else {
    const ids = r.graphs.map((g) => g.graph_id).join(", ");
    lines.push(
      `boot ready (${r.runtime_state}${r.require_all_graphs ? ", strict" : ""}): serving [${ids}]`,
    );
  }
  for (const q of r.quarantined) {
    lines.push(`  quarantined ${q.graph_id} (layer ${q.layer}, ${q.code}): ${q.reason}`);
  }
  for (const d of r.diagnostics) lines.push(`  ${d.severity} ${formatDiagnosticLine(d)}`);
  return lines.join("\n");
}
