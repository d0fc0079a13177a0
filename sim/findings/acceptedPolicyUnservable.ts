import { PolicyEngine } from "../../src/server/policy.ts";
import { QUARANTINE_CODES } from "../../src/server/result.ts";
import type { JudgeInput } from "../oracles/Oracle.ts";
import type { BootView } from "../universe/system.ts";
import type { KnownFinding } from "./KnownFinding.ts";

const QUARANTINE: ReadonlySet<string> = new Set(QUARANTINE_CODES);

/** Every graph the boot left out and why: its quarantines, and on a refusal their warnings. */
function leftOut(v: BootView): Array<{ graphId: string; code: string }> {
  const out = new Map<string, { graphId: string; code: string }>();
  for (const q of v.quarantined) out.set(`${q.graphId}\0${q.code}`, q);
  for (const d of v.diagnostics) {
    if (!QUARANTINE.has(d.code) || !d.path.startsWith("graph.")) continue;
    const graphId = d.path.slice(6);
    out.set(`${graphId}\0${d.code}`, { graphId, code: d.code });
  }
  return [...out.values()];
}

/** The text of the bundle the ledger binds to `scope`, when exactly one is bound and known. */
function boundBundle(input: JudgeInput, step: number, scope: string): string | null {
  const resources = input.records[step]?.pre.ledger?.resources ?? {};
  const bound = Object.values(resources).filter(
    (e) => Array.isArray(e.applies_to) && e.applies_to.includes(scope),
  );
  const digest = bound.length === 1 ? bound[0]?.digest : undefined;
  return typeof digest === "string" ? (input.sourcesByDigest.get(digest) ?? null) : null;
}

export const acceptedPolicyUnservable: KnownFinding = {
  id: "F7-accepted-policy-unservable",
  title: "a policy bundle that validate and apply accept can quarantine every graph it governs",
  summary:
    "`cluster validate`, `plan` and `apply` check a policy bundle's bindings and read its bytes, but never parse its rules: a bundle the policy loader rejects (here, a rule naming a group the bundle does not declare) is accepted, published and recorded, and apply reports convergence. Serve then fails to load it for every graph it governs and quarantines each, refusing to boot when none is left; a cluster-bound bundle refuses boot outright. Nothing before the restart tells the operator: accepted is not servable.",
  codePath: [
    {
      file: "crates/omnigraph-cluster/src/config.rs",
      function: "load_desired",
      role: "normalizes the bundle's applies_to and hashes the file's bytes; the crate does not depend on omnigraph-policy, so the rules are never parsed",
    },
    {
      file: "crates/omnigraph-cluster/src/lib.rs",
      function: "write_resource_payload",
      role: "publishes the bundle after checking only its digest and UTF-8; apply records it and converges",
    },
    {
      file: "crates/omnigraph-server/src/lib.rs",
      function: "open_single_graph",
      role: "loads the graph-bound bundle through load_graph_policy after opening the graph",
    },
    {
      file: "crates/omnigraph-policy/src/lib.rs",
      function: "validate",
      role: "PolicyConfig::from_source bails: the rule references an unknown group",
    },
    {
      file: "crates/omnigraph-server/src/lib.rs",
      function: "open_multi_graph_state",
      role: "quarantines the graph ('graph quarantined during startup'), and bails when no graph opened",
    },
  ],
  spec: ["§5.3", "§5.4"],
  scenario: "accepted-policy-unservable",
  laterUpstream: {
    commit: "db57cb2b",
    date: "2026-08-05",
    change:
      "load_desired parses every bundle with PolicyConfig::from_source and reports policy_invalid, so validate, plan and apply refuse it (541fcb50 adds the graph/server kind check, 5186165a one bundle per scope)",
  },
  matches(v, input) {
    if (v.oracle !== "accepted-means-servable") return false;
    if (v.code !== "accepted_config_refused" && v.code !== "applied_graph_not_served") return false;
    const boot = input.records[v.step];
    if (boot?.outcome.kind !== "boot") return false;
    const view = boot.outcome.view;
    const unloadable = (scope: string, kind: "graph" | "server") => {
      const text = boundBundle(input, v.step, scope);
      if (text === null) return false;
      const loaded =
        kind === "server" ? PolicyEngine.loadServer(text) : PolicyEngine.loadGraph(text, scope);
      return !loaded.ok;
    };
    if (v.code === "accepted_config_refused" && view.failureCode === "server_policy_invalid")
      return unloadable("cluster", "server");
    if (
      v.code === "accepted_config_refused" &&
      view.failureCode !== "no_graphs_opened" &&
      !(boot.strict && view.failureCode === "strict_open_failed")
    )
      return false;
    // Every graph left out was left out for its bound bundle, and that bundle truly fails to
    // load: a model that quarantines a graph over a good bundle is still a failure.
    const out = leftOut(view);
    return (
      out.length > 0 &&
      out.every(
        (q) => q.code === "graph_policy_invalid" && unloadable(`graph.${q.graphId}`, "graph"),
      )
    );
  },
};
