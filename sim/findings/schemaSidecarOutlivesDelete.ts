import type { JudgeInput } from "../oracles/Oracle.ts";
import type { KnownFinding } from "./KnownFinding.ts";

/** One entry of remedy_not_converged's "not converged: code@address: message; ..." list. */
const BLOCKING = /^([a-z_]+)@([^:]+): (.*)$/;
const PENDING = "(cluster_recovery_pending)";

/**
 * A schema-apply sidecar naming `g` survived a step that deleted g's root: the sidecar was
 * there before and after the step, the step removed the root (`cluster.graph.delete_root`) and
 * then stopped (a death, a fault or a fired failpoint), so its post-write cleanup never deleted
 * the sidecar its sweep had retired. The same sidecar is still there at the end, g's root is
 * absent and the last config asks for g again. Records before `until` only.
 */
export function schemaSidecarOutlivedDelete(input: JudgeInput, g: string, until: number): boolean {
  const root = `graphs/${g}.omni`;
  const steps = input.records.filter((r) => r.index < until);
  const last = steps.at(-1);
  if (last === undefined || last.post.graphs[g]?.exists !== false) return false;
  if (!last.desired.graphs.some((d) => d.id === g)) return false;
  const left = new Set(
    last.post.sidecars
      .filter((s) => s.valid && s.kind === "schema_apply" && s.graphId === g)
      .map((s) => s.key),
  );
  return steps.some((r) => {
    const ev = input.events.slice(r.traceFrom, r.traceTo);
    const at = ev.findIndex(
      (e) =>
        e.t === "call" &&
        e.step === "cluster.graph.delete_root" &&
        (e.key === root || e.key.startsWith(`${root}/`)),
    );
    if (at < 0) return false;
    const interrupted = ev
      .slice(at)
      .some(
        (e) =>
          e.t === "death" ||
          (e.t === "fault" && e.kind !== "latency") ||
          (e.t === "fp" && e.action !== "probe"),
      );
    const kept = r.pre.sidecars.some(
      (s) => left.has(s.key) && r.post.sidecars.some((p) => p.key === s.key),
    );
    return interrupted && kept;
  });
}

export const schemaSidecarOutlivesDelete: KnownFinding = {
  id: "F20-schema-sidecar-outlives-delete",
  title:
    "a schema-apply sidecar that outlives its graph's delete blocks the graph's re-create forever",
  summary:
    'The recovery sweep classifies a schema-apply sidecar only by opening the graph read-only and comparing digests; it never asks whether the root still exists, as the graph-create and graph-delete rows do. When a sweep retires such a sidecar as stale (the ledger matches the live schema) and the same apply then deletes the graph under an approved delete, the sidecar is removed only by the post-write cleanup; a crash or a failed delete between the ledger write and that cleanup leaves it behind. Every later sweep then fails to open the missing root, keeps the sidecar ("cannot be verified") and marks the graph pending, so once the operator puts the graph back in the config, its create (and its schema, queries and the policy that binds it) is blocked by cluster_recovery_pending on every apply. No documented remedy helps: a read-write open or a refresh needs a root, and only the create the pending mark blocks would make one; the way out is deleting the sidecar by hand.',
  codePath: [
    {
      file: "crates/omnigraph-cluster/src/lib.rs",
      function: "apply_config_dir_with_options",
      role: "deletes the graph root under the approved delete, writes the ledger, and only then deletes the sweep's retired sidecars (completed_sidecars); a crash in between leaves them",
    },
    {
      file: "crates/omnigraph-cluster/src/sweep.rs",
      function: "sweep_schema_apply_sidecar",
      role: "open_read_only of the absent root fails: the sidecar is kept with cluster_recovery_pending and the graph is pending, with no root-absent row",
    },
    {
      file: "crates/omnigraph-cluster/src/diff.rs",
      function: "classify_changes",
      role: "blocks the graph's create, its schema and queries, and the policy binding it, as cluster_recovery_pending",
    },
  ],
  spec: ["§3.2", "§3.4", "§2.15"],
  scenario: "schema-sidecar-outlives-delete",
  laterUpstream: null,
  matches(v, input) {
    if (v.oracle !== "serve-liveness" || v.code !== "remedy_not_converged") return false;
    if (!v.observed.startsWith("not converged: ")) return false;
    // Everything still blocking is held back by the pending recovery: the graph's own
    // resources, and policies (which bind it).
    const graphs = new Set<string>();
    for (const entry of v.observed.slice("not converged: ".length).split("; ")) {
      const [, code, address, message] = BLOCKING.exec(entry) ?? [];
      if (code !== "apply_dependency_blocked" || !message?.endsWith(PENDING)) return false;
      const g = /^(?:graph|schema|query)\.([^.]+)/.exec(address ?? "")?.[1];
      if (g !== undefined) graphs.add(g);
      else if (!address?.startsWith("policy.")) return false;
    }
    if (graphs.size === 0) return false;
    return [...graphs].every((g) =>
      schemaSidecarOutlivedDelete(input, g, Number.POSITIVE_INFINITY),
    );
  },
};
