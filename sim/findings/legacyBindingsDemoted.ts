import type { KnownFinding } from "./KnownFinding.ts";

export const legacyBindingsDemoted: KnownFinding = {
  id: "F2-legacy-bindings-demoted",
  title: "a rejected schema change blocks the policy-binding backfill, so serve never boots",
  summary:
    'A ledger written before policy bindings were recorded ("pre-5A") refuses serve until a plain apply backfills `applies_to`. But the backfill is a synthetic update of the policy, and apply demotes every policy change bound to a graph whose schema apply failed. While the desired config carries a schema change the engine rejects (or a bound graph stays pending behind a recovery sidecar the sweep keeps, which blocks the update as `cluster_recovery_pending`), no apply can backfill, and the whole cluster refuses to boot with `policy_bindings_missing`: the #284 crash loop\'s cousin, through metadata instead of sidecars.',
  codePath: [
    {
      file: "crates/omnigraph-cluster/src/serve.rs",
      function: "read_snapshot_with_store",
      role: "refuses the serving snapshot (policy_bindings_missing) while a policy's ledger entry has no applies_to",
    },
    {
      file: "crates/omnigraph-cluster/src/diff.rs",
      function: "append_policy_binding_changes",
      role: "plans the backfill as a binding_change update of the policy",
    },
    {
      file: "crates/omnigraph-cluster/src/diff.rs",
      function: "demote_dependents_of_failed_graphs",
      role: "flips that update to blocked(dependency_not_applied) when the policy is bound to a graph whose schema apply failed",
    },
    {
      file: "crates/omnigraph-cluster/src/diff.rs",
      function: "classify_changes",
      role: "blocks it as cluster_recovery_pending when a bound graph is pending recovery",
    },
  ],
  spec: [],
  scenario: "legacy-bindings-blocked",
  laterUpstream: null,
  matches(v, input) {
    if (v.oracle !== "serve-liveness" || v.code !== "boot_never_succeeds") return false;
    const last = [...input.records].reverse();
    const boot = last.find((r) => r.outcome.kind === "boot");
    const apply = last.find((r) => r.outcome.kind === "apply");
    if (boot?.outcome.kind !== "boot" || apply?.outcome.kind !== "apply") return false;
    const missing = boot.outcome.view.diagnostics.some((d) => d.code === "policy_bindings_missing");
    const demoted = apply.outcome.view.changes.some(
      (c) =>
        c.resource.startsWith("policy.") &&
        c.disposition === "blocked" &&
        (c.reason === "dependency_not_applied" || c.reason === "cluster_recovery_pending"),
    );
    return missing && demoted;
  },
};
