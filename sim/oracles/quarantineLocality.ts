import type { Violation } from "../universe/result.ts";
import { type Oracle, reporter } from "./Oracle.ts";

const NAME = "quarantine-locality";
const CODES = [
  "local_problem_failed_boot",
  "global_problem_served",
  "pending_graph_served",
  "strict_boot_quarantined",
  "quarantine_without_reason",
] as const;
const report = reporter(NAME, CODES);

/** Serving-snapshot findings that are cluster-global (spec §5.4, layer 1). */
export const GLOBAL_SNAPSHOT_CODES: ReadonlySet<string> = new Set([
  "cluster_state_missing",
  "state_read_error",
  "invalid_state_json",
  "unsupported_state_version",
  "recovery_sidecar_read_error",
  "invalid_recovery_sidecar",
  "unsupported_recovery_sidecar_version",
  "cluster_recovery_unattributed",
  "embedding_provider_profile_missing",
  "embedding_provider_digest_mismatch",
  "embedding_provider_missing",
  "wrong_kind_reference",
  "policy_bindings_missing",
  "catalog_payload_missing",
  "catalog_payload_digest_mismatch",
  "cluster_empty",
  "cluster_no_healthy_graphs",
  "storage_root_invalid",
]);

/** Boot failures with a cluster-global cause at layers 2 and 3, or nothing left to serve. */
export const GLOBAL_BOOT_FAILURES: ReadonlySet<string> = new Set([
  "cluster_required",
  "policy_binding_conflict",
  "policy_binding_unrecognized",
  "no_healthy_graphs",
  "bearer_tokens_invalid",
  "unauthenticated_not_allowed",
  "policy_without_tokens",
  "server_policy_invalid",
  "no_graphs_opened",
]);

/** Boot failures that only strict mode (`--require-all-graphs`) may produce. */
export const STRICT_BOOT_FAILURES: ReadonlySet<string> = new Set([
  "strict_startup_diagnostics",
  "strict_settings_quarantine",
  "strict_open_failed",
]);

/**
 * A graph-attributed problem never takes down another graph, and a cluster-global one always
 * fails boot: a boot that failed must name a global cause; a boot that succeeded must not
 * serve a graph that a valid recovery sidecar names, must quarantine only graphs it had a
 * reason for, and under strict mode must not have quarantined anything.
 */
export const quarantineLocality: Oracle = {
  name: NAME,
  codes: CODES,
  description:
    "graph-local problems quarantine only their graph; cluster-global problems fail boot",
  judge(input) {
    const out: Violation[] = [];
    for (const r of input.records) {
      if (r.outcome.kind !== "boot") continue;
      const v = r.outcome.view;
      const pre = r.pre;
      const invalidSidecar = pre.sidecars.some((s) => !s.valid);
      const noLedger = pre.ledger === null || !pre.ledger.parsed;
      if (!v.ok) {
        const codes = v.diagnostics.filter((d) => d.severity === "error").map((d) => d.code);
        const f = v.failureCode ?? "";
        const global =
          GLOBAL_BOOT_FAILURES.has(f) ||
          (f === "cluster_not_ready" && codes.some((c) => GLOBAL_SNAPSHOT_CODES.has(c))) ||
          (r.strict && STRICT_BOOT_FAILURES.has(f));
        if (!global) {
          out.push(
            report(
              "local_problem_failed_boot",
              r.index,
              "boot to fail only for a cluster-global cause",
              `boot failed with ${v.failureCode ?? "?"} [${[...new Set(codes)].join(", ")}]`,
            ),
          );
        }
        continue;
      }
      if (invalidSidecar || noLedger) {
        out.push(
          report(
            "global_problem_served",
            r.index,
            "boot to fail: the store holds an unreadable recovery sidecar or no readable ledger",
            `boot succeeded with ready=[${v.ready.join(", ")}]`,
          ),
        );
      }
      const pending = new Set(pre.sidecars.filter((s) => s.valid).map((s) => s.graphId as string));
      const servedPending = v.ready.filter((g) => pending.has(g));
      if (servedPending.length > 0) {
        out.push(
          report(
            "pending_graph_served",
            r.index,
            "graphs named by a recovery sidecar are quarantined",
            `served: ${servedPending.join(", ")}`,
          ),
        );
      }
      if (r.strict && v.quarantined.length > 0) {
        out.push(
          report(
            "strict_boot_quarantined",
            r.index,
            "strict boot serves all graphs or fails",
            `quarantined: ${v.quarantined.map((q) => q.graphId).join(", ")}`,
          ),
        );
      }
      const unexplained = v.quarantined.filter((q) => q.code === "" || q.reason === "");
      if (unexplained.length > 0) {
        out.push(
          report(
            "quarantine_without_reason",
            r.index,
            "every quarantine names its graph-local reason",
            unexplained.map((q) => q.graphId).join(", "),
          ),
        );
      }
    }
    return out;
  },
};
