import { PolicyEngine } from "../../src/server/policy.ts";
import type { JudgeInput } from "../oracles/Oracle.ts";
import type { Violation } from "../universe/result.ts";
import type { BootView } from "../universe/system.ts";
import type { KnownFinding } from "./KnownFinding.ts";
import { bootAt, leftOutBy } from "./leftOut.ts";

/** Every graph the boot left out and why: its quarantines, and on a refusal their warnings. */
const leftOut = (v: BootView) => leftOutBy(v);

/** The text of the bundle the ledger binds to `scope`, when exactly one is bound and known. */
function boundBundle(input: JudgeInput, step: number, scope: string): string | null {
  const resources = input.records[step]?.pre.ledger?.resources ?? {};
  const bound = Object.values(resources).filter(
    (e) => Array.isArray(e.applies_to) && e.applies_to.includes(scope),
  );
  const digest = bound.length === 1 ? bound[0]?.digest : undefined;
  return typeof digest === "string" ? (input.sourcesByDigest.get(digest) ?? null) : null;
}

/** The one bundle the ledger the boot read binds to `scope`: its address and digest. */
function boundEntry(
  input: JudgeInput,
  step: number,
  scope: string,
): { readonly address: string; readonly digest: string } | null {
  const resources = input.records[step]?.pre.ledger?.resources ?? {};
  const bound = Object.entries(resources).filter(
    ([address, e]) =>
      address.startsWith("policy.") && Array.isArray(e.applies_to) && e.applies_to.includes(scope),
  );
  const [address, entry] = bound.length === 1 ? (bound[0] ?? []) : [];
  return address !== undefined && typeof entry?.digest === "string"
    ? { address, digest: entry.digest }
    : null;
}

/**
 * The run's last boot, with whether the ledger it read binds to a scope an unloadable bundle
 * whose revert the apply before it demoted (`dependency_not_applied`). Null without a boot
 * after an apply.
 */
function heldBackAtLastBoot(input: JudgeInput): {
  readonly view: BootView;
  readonly strict: boolean;
  readonly heldBackUnloadable: (scope: string, kind: "graph" | "server") => boolean;
} | null {
  const bootAt = input.records.findLastIndex((r) => r.outcome.kind === "boot");
  const boot = input.records[bootAt];
  if (boot?.outcome.kind !== "boot") return null;
  const applied = input.records.slice(0, bootAt).findLast((r) => r.outcome.kind === "apply");
  if (applied?.outcome.kind !== "apply") return null;
  const demoted = applied.outcome.view.changes.filter(
    (c) =>
      c.resource.startsWith("policy.") &&
      c.disposition === "blocked" &&
      c.reason === "dependency_not_applied",
  );
  const heldBackUnloadable = (scope: string, kind: "graph" | "server") => {
    const entry = boundEntry(input, bootAt, scope);
    if (entry === null) return false;
    if (!demoted.some((c) => c.resource === entry.address && c.before_digest === entry.digest))
      return false;
    const text = input.sourcesByDigest.get(entry.digest);
    if (text === undefined) return false;
    return !(
      kind === "server" ? PolicyEngine.loadServer(text) : PolicyEngine.loadGraph(text, scope)
    ).ok;
  };
  return { view: boot.outcome.view, strict: boot.strict, heldBackUnloadable };
}

/**
 * The liveness phase's remedy held back: the operator reverted the bundle, but the last apply
 * before the last boot demoted that revert (`dependency_not_applied`: the desired bundle binds
 * a graph whose schema apply failed in that run), so the bundle the ledger still binds (one
 * that truly fails to load) is what refuses boot or quarantines each graph left unready.
 */
function revertHeldBack(v: Violation, input: JudgeInput): boolean {
  if (v.code !== "boot_never_succeeds" && v.code !== "graph_never_ready") return false;
  const held = heldBackAtLastBoot(input);
  if (held === null) return false;
  const { view, strict, heldBackUnloadable } = held;
  if (v.code === "boot_never_succeeds") {
    if (view.ok) return false;
    if (view.failureCode === "server_policy_invalid")
      return heldBackUnloadable("cluster", "server");
    if (
      view.failureCode !== "no_graphs_opened" &&
      !(strict && view.failureCode === "strict_open_failed")
    )
      return false;
  } else {
    // Every graph the phase still waits for is one this boot left out.
    if (!view.ok) return false;
    const out = new Set(leftOut(view).map((q) => q.graphId));
    const missing = input.liveness.expectedReady.filter((g) => !view.ready.includes(g));
    if (missing.length === 0 || !missing.every((g) => out.has(g))) return false;
  }
  // Every graph left out was left out for the held-back bundle, and that bundle truly fails
  // to load: a quarantine for any other reason, or over a bundle that loads, is not this.
  const out = leftOut(view);
  return (
    out.length > 0 &&
    out.every(
      (q) => q.code === "graph_policy_invalid" && heldBackUnloadable(`graph.${q.graphId}`, "graph"),
    )
  );
}

const BOOT_POLICY =
  /^boot \(actor (\d+)\) (?:quarantine|boot) failed with (graph_policy_invalid|server_policy_invalid)(?: on '([^']+)')?: /;
const BUNDLE_KEY = /^__cluster\/resources\/policy\/[^/]+\/([0-9a-f]{64})\.yaml$/;

/** The digest of the one bundle a ledger's resources bind to `scope`, or null. */
function boundDigest(
  resources: Readonly<Record<string, Record<string, unknown>>>,
  scope: string,
): string | null {
  const bound = Object.entries(resources).filter(
    ([address, e]) =>
      address.startsWith("policy.") && Array.isArray(e.applies_to) && e.applies_to.includes(scope),
  );
  const digest = bound.length === 1 ? bound[0]?.[1].digest : undefined;
  return typeof digest === "string" ? digest : null;
}

/**
 * A boot racing the apply that accepts the bundle (a `concurrently` step): the boot's
 * refusal (a graph quarantined with graph_policy_invalid, or boot refused with
 * server_policy_invalid) is unexplained by the ledger before the step, because the bundle it
 * refused was recorded during the step. It is this finding when an apply actor of the step
 * wrote the ledger, the boot read the ledger after that write and then read the bundle the
 * ledger after the step binds to the scope (and the ledger before did not), and that bundle
 * truly fails to load for the scope.
 */
function bootRacedAcceptingApply(v: Violation, input: JudgeInput): boolean {
  if (v.code !== "unexplained_failure") return false;
  const [, actor, code, graph] = BOOT_POLICY.exec(v.observed) ?? [];
  const r = input.records[v.step];
  if (actor === undefined || r === undefined || r.step.op !== "concurrently") return false;
  if (code === "graph_policy_invalid" && graph === undefined) return false;
  const scope = code === "server_policy_invalid" ? "cluster" : `graph.${graph}`;
  const events = input.events.slice(r.traceFrom, r.traceTo);
  const names = new Map<number, string>();
  for (const e of events) if (e.t === "spawn") names.set(e.pid, e.name);
  const boot = [...names].find(([, n]) => n === `boot#${r.index}.${actor}`)?.[0];
  if (boot === undefined) return false;
  const wrote = events.findIndex(
    (e) =>
      e.t === "call" &&
      e.pid !== boot &&
      names.get(e.pid)?.startsWith(`apply#${r.index}.`) === true &&
      e.step === "cluster.state.write" &&
      e.key === "__cluster/state.json" &&
      e.result === "ok",
  );
  if (wrote < 0) return false;
  const read = events.findIndex(
    (e, i) =>
      i > wrote &&
      e.t === "call" &&
      e.pid === boot &&
      e.op === "get" &&
      e.key === "__cluster/state.json" &&
      e.result === "ok",
  );
  if (read < 0) return false;
  const digest = boundDigest(r.post.ledger?.resources ?? {}, scope);
  if (digest === null || boundDigest(r.pre.ledger?.resources ?? {}, scope) === digest) return false;
  const readBundle = events
    .slice(read)
    .some(
      (e) =>
        e.t === "call" &&
        e.pid === boot &&
        e.op === "get" &&
        e.result === "ok" &&
        BUNDLE_KEY.exec(e.key)?.[1] === digest,
    );
  const text = input.sourcesByDigest.get(digest);
  if (!readBundle || text === undefined) return false;
  const loaded =
    scope === "cluster" ? PolicyEngine.loadServer(text) : PolicyEngine.loadGraph(text, scope);
  return !loaded.ok;
}

export const acceptedPolicyUnservable: KnownFinding = {
  id: "F7-accepted-policy-unservable",
  title: "a policy bundle that validate and apply accept can quarantine every graph it governs",
  summary:
    "`cluster validate`, `plan` and `apply` check a policy bundle's bindings and read its bytes, but never parse its rules: a bundle the policy loader rejects (here, a rule naming a group the bundle does not declare) is accepted, published and recorded, and apply reports convergence. Serve then fails to load it for every graph it governs and quarantines each, refusing to boot when none is left; a cluster-bound bundle refuses boot outright. Nothing before the restart tells the operator: accepted is not servable (a server booting while that apply runs refuses the bundle as soon as the apply has recorded it). Nor can the operator always take it back: the remedy is to revert the bundle and apply, but when a graph the reverted bundle binds fails to move in that same apply (say, a pending schema change the engine rejects), apply demotes the revert with every other change that depends on the failed graph (`dependency_not_applied`). The unloadable bundle stays in the ledger, and every graph it governs, healthy ones included, stays quarantined (or boot stays refused) until the failing change is withdrawn as well.",
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
    {
      file: "crates/omnigraph-cluster/src/diff.rs",
      function: "demote_dependents_of_failed_graphs",
      role: "the remedy's apply: a schema apply failed on a graph the reverted bundle's applies_to names (a dependency load_desired records), so the bundle's update is blocked as dependency_not_applied and the ledger keeps the unloadable one",
    },
  ],
  spec: ["§2.10", "§5.3", "§5.4"],
  scenario: "accepted-policy-unservable",
  laterUpstream: {
    commit: "db57cb2b",
    date: "2026-08-05",
    change:
      "load_desired parses every bundle with PolicyConfig::from_source and reports policy_invalid, so validate, plan and apply refuse it (541fcb50 adds the graph/server kind check, 5186165a one bundle per scope)",
  },
  leavesOut(g, input, at) {
    const boot = bootAt(input, at);
    if (boot === null) return false;
    const policyQuarantined = leftOut(boot.outcome.view).some(
      (q) => q.graphId === g && q.code === "graph_policy_invalid",
    );
    if (!policyQuarantined) return false;
    // At the end of the run, after the operator's revert: the revert was held back, and the
    // bundle the ledger still binds truly fails to load.
    if (boot.phase === "liveness") {
      const held = heldBackAtLastBoot(input);
      return (
        held !== null &&
        held.view === boot.outcome.view &&
        held.heldBackUnloadable(`graph.${g}`, "graph")
      );
    }
    // During life: the bundle the ledger the boot read binds to g truly fails to load.
    const text = boundBundle(input, boot.index, `graph.${g}`);
    return text !== null && !PolicyEngine.loadGraph(text, `graph.${g}`).ok;
  },
  matches(v, input) {
    if (v.oracle === "serve-liveness") return revertHeldBack(v, input);
    if (v.oracle === "outcomes-are-explained") return bootRacedAcceptingApply(v, input);
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
