import type { KnownFinding } from "./KnownFinding.ts";

export const twoBundlesOneScope: KnownFinding = {
  id: "F14-two-bundles-one-scope",
  title: "apply accepts two policy bundles bound to one scope, and the server then refuses to boot",
  summary:
    "Config loading checks each policy bundle and each binding on its own, never that a scope is bound at most once. Apply therefore accepts a second bundle bound to a graph (or to the cluster) that another bundle already governs, records both bindings and converges. The server, loading the applied revision, finds two bundles for one scope and refuses to boot the whole cluster (policy_binding_conflict), for a configuration apply reported as converged.",
  codePath: [
    {
      file: "crates/omnigraph-cluster/src/config.rs",
      function: "load_desired",
      role: "loads and validates every bundle and its applies_to list, with no check that a scope is bound by one bundle only",
    },
    {
      file: "crates/omnigraph-server/src/settings.rs",
      function: "load_cluster_settings",
      role: "assigns each binding of the applied revision to its scope and bails when a scope already has a bundle",
    },
  ],
  spec: [],
  scenario: "two-bundles-one-scope",
  laterUpstream: {
    commit: "5186165a",
    date: "2026-08-07",
    change: "fix(policy): validate cluster bindings before apply",
  },
  matches(v, input) {
    if (v.oracle !== "accepted-means-servable" || v.code !== "accepted_config_refused")
      return false;
    if (!v.observed.includes("policy_binding_conflict")) return false;
    // The config in force bound a second bundle to a scope the first one holds, or the ledger
    // the boot read (the applied revision; the working tree may have moved on since) does.
    const boot = input.records[v.step];
    return (
      boot?.desired.policy.hostile === "second-bundle" ||
      scopeBoundTwice(boot?.pre.ledger?.resources ?? {})
    );
  },
};

/** Whether some scope is bound by more than one policy bundle of a ledger's resources. */
export function scopeBoundTwice(
  resources: Readonly<Record<string, { applies_to?: unknown }>>,
): boolean {
  const seen = new Set<string>();
  for (const [address, e] of Object.entries(resources)) {
    if (!address.startsWith("policy.") || !Array.isArray(e.applies_to)) continue;
    for (const scope of new Set(e.applies_to.filter((x): x is string => typeof x === "string"))) {
      if (seen.has(scope)) return true;
      seen.add(scope);
    }
  }
  return false;
}
