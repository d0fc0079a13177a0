import { graphIdOf } from "../../src/cluster/addresses.ts";
import type { Observation } from "../universe/observe.ts";
import type { StepRecord } from "../universe/records.ts";
import type { Violation } from "../universe/result.ts";
import type { BootView, Enforced } from "../universe/system.ts";
import { type JudgeInput, type Oracle, reporter, stepEvents } from "./Oracle.ts";

const NAME = "accepted-means-servable";
const CODES = [
  "accepted_config_refused",
  "applied_graph_not_served",
  "recorded_policy_not_enforced",
  "unrecorded_graph_served",
  "recorded_queries_not_served",
  "recorded_embedding_not_served",
] as const;
const report = reporter(NAME, CODES);

/**
 * What disqualifies a step as evidence: anything the harness injected into it (a failpoint that
 * fired, a storage fault, a death, a racing edit). Such a step's outcome is the injection's
 * business (crash contract, sidecar oracles), not a promise about the config.
 */
function interference(input: JudgeInput, r: StepRecord): string | null {
  if (r.step.race !== undefined) return `an edit racing step ${r.index}`;
  for (const e of stepEvents(input, r)) {
    if (e.t === "fp" && e.action !== "probe") return `failpoint ${e.name} (${e.action})`;
    if (e.t === "fault") return `${e.kind} on ${e.key}`;
    if (e.t === "death") return `a death (${e.cause})`;
  }
  return null;
}

/** The durable state a boot is a function of, as the harness observes it. */
function sameDurable(a: Observation, b: Observation): boolean {
  if (a === b) return true;
  return (
    (a.ledger?.text ?? null) === (b.ledger?.text ?? null) &&
    JSON.stringify(a.sidecars) === JSON.stringify(b.sidecars) &&
    JSON.stringify(a.graphs) === JSON.stringify(b.graphs)
  );
}

/** The first clean boot of exactly the durable state `apply` left, if one ran. */
function nextBootOf(input: JudgeInput, apply: StepRecord): StepRecord | null {
  for (const s of input.records.slice(apply.index + 1)) {
    if (!sameDurable(s.pre, apply.post)) return null;
    if (s.outcome.kind === "boot" && interference(input, s) === null) return s;
    if (!sameDurable(s.post, apply.post)) return null;
  }
  return null;
}

interface Recorded {
  readonly graphs: readonly string[];
  /** Binding scope (`cluster`, `graph.<id>`) to the digests of the bundles bound to it. */
  readonly bundles: ReadonlyMap<string, readonly string[]>;
  /** Graph id to its stored queries, name to digest. */
  readonly queries: ReadonlyMap<string, Readonly<Record<string, string>>>;
  /** Graph id to the embedding its provider profile implies (null: no provider bound). */
  readonly embeddings: ReadonlyMap<string, { provider: string; model: string | null } | null>;
}

const str = (v: unknown): string | null => (typeof v === "string" ? v : null);

/** The provider kind serving resolves a recorded profile kind to (spec §5.2 step 5). */
function servedKind(kind: string | null): string {
  if (kind === "mock" || kind === "gemini") return kind;
  return "openai-compatible";
}

function recordedBy(resources: Readonly<Record<string, Record<string, unknown>>>): Recorded {
  const graphs: string[] = [];
  const bundles = new Map<string, string[]>();
  const queries = new Map<string, Record<string, string>>();
  const embeddings = new Map<string, { provider: string; model: string | null } | null>();
  for (const [addr, entry] of Object.entries(resources)) {
    const digest = str(entry.digest) ?? "";
    const g = graphIdOf(addr);
    if (g !== null) {
      graphs.push(g);
      const bound = str(entry.embedding_provider);
      const profile = bound === null ? undefined : resources[bound]?.embedding_profile;
      const p = (typeof profile === "object" && profile !== null ? profile : {}) as Record<
        string,
        unknown
      >;
      embeddings.set(
        g,
        bound === null ? null : { provider: servedKind(str(p.kind)), model: str(p.model) },
      );
    } else if (addr.startsWith("query.")) {
      const rest = addr.slice(6);
      const dot = rest.indexOf(".");
      const g = rest.slice(0, dot);
      const q = queries.get(g) ?? {};
      q[rest.slice(dot + 1)] = digest;
      queries.set(g, q);
    } else if (addr.startsWith("policy.") && Array.isArray(entry.applies_to)) {
      for (const scope of entry.applies_to) {
        if (typeof scope !== "string") continue;
        bundles.set(scope, [...(bundles.get(scope) ?? []), digest]);
      }
    }
  }
  return { graphs: graphs.sort(), bundles, queries, embeddings };
}

/** Graphs with a recovery sidecar that the apply itself reported as pending (spec §3.4). */
function reportedPending(apply: StepRecord): ReadonlySet<string> {
  if (apply.outcome.kind !== "apply") return new Set();
  const warned = new Set(
    apply.outcome.view.diagnostics
      .filter((d) => d.code === "cluster_recovery_pending")
      .flatMap((d) => graphIdOf(d.path) ?? []),
  );
  return new Set(
    apply.post.sidecars
      .filter((s) => s.valid && s.graphId !== null && warned.has(s.graphId))
      .map((s) => s.graphId as string),
  );
}

/**
 * Refusals the specification prescribes for a state a clean, converged apply can leave: an
 * applied revision without graphs (`cluster_empty`), every applied graph pending recovery the
 * apply reported (`cluster_no_healthy_graphs`), and under strict mode the startup warnings of
 * that reported pending recovery.
 */
function prescribedRefusal(
  v: BootView,
  rec: Recorded,
  pending: ReadonlySet<string>,
  strict: boolean,
): boolean {
  const errors = v.diagnostics.filter((d) => d.severity === "error").map((d) => d.code);
  if (v.failureCode === "cluster_not_ready" && errors.length > 0) {
    if (rec.graphs.length === 0 && errors.every((c) => c === "cluster_empty")) return true;
    if (
      rec.graphs.length > 0 &&
      rec.graphs.every((g) => pending.has(g)) &&
      errors.every((c) => c === "cluster_no_healthy_graphs")
    )
      return true;
  }
  return (
    strict &&
    v.failureCode === "strict_startup_diagnostics" &&
    pending.size > 0 &&
    v.diagnostics.every(
      (d) => d.code === "cluster_recovery_pending" && pending.has(graphIdOf(d.path) ?? d.path),
    )
  );
}

function enforcementViolations(
  boot: StepRecord,
  rec: Recorded,
  enforced: Enforced,
  applyIndex: number,
): Violation[] {
  const out: Violation[] = [];
  const bad = (code: (typeof CODES)[number], expected: string, observed: string) =>
    out.push(report(code, boot.index, expected, observed));
  const after = `(as apply at step ${applyIndex} recorded)`;
  const digests = (scope: string) => rec.bundles.get(scope) ?? [];
  const server = digests("cluster");
  if ((server[0] ?? null) !== enforced.serverPolicyDigest) {
    bad(
      "recorded_policy_not_enforced",
      `cluster-bound bundle ${server[0] ?? "none"} in force ${after}`,
      `server policy in force: ${enforced.serverPolicyDigest ?? "none"}`,
    );
  }
  for (const e of enforced.graphs) {
    if (!rec.graphs.includes(e.graphId)) {
      bad("unrecorded_graph_served", `only applied graphs served ${after}`, `served ${e.graphId}`);
      continue;
    }
    const bound = digests(`graph.${e.graphId}`)[0] ?? null;
    if (bound !== e.policyDigest) {
      bad(
        "recorded_policy_not_enforced",
        `graph '${e.graphId}' governed by bundle ${bound ?? "none"} ${after}`,
        `bundle in force: ${e.policyDigest ?? "none"}`,
      );
    }
    const want = JSON.stringify(rec.queries.get(e.graphId) ?? {});
    const got = JSON.stringify(e.queries);
    if (want !== got) {
      bad(
        "recorded_queries_not_served",
        `graph '${e.graphId}' serves stored queries ${want} ${after}`,
        `served ${got}`,
      );
    }
    const emb = rec.embeddings.get(e.graphId) ?? null;
    const embOk =
      emb === null
        ? e.embedding === null
        : e.embedding !== null &&
          e.embedding.provider === emb.provider &&
          (emb.model === null || e.embedding.model === emb.model);
    if (!embOk) {
      bad(
        "recorded_embedding_not_served",
        `graph '${e.graphId}' embeds with ${emb === null ? "nothing" : `${emb.provider} ${emb.model ?? "(default model)"}`} ${after}`,
        `embeds with ${e.embedding === null ? "nothing" : `${e.embedding.provider} ${e.embedding.model}`}`,
      );
    }
  }
  return out;
}

/**
 * Accepted means servable: when `apply` returns ok and converged, untouched by any injection,
 * the next clean boot of exactly the durable state it left must serve every graph of the
 * ledger, quarantining none. The only refusals and quarantines allowed are those the
 * specification prescribes for such a state (an empty revision; recovery the apply itself
 * reported pending). And whatever a clean ok apply recorded, converged or not, is what that
 * boot enforces for each graph it serves: the bundle bound to each scope, the stored queries,
 * the embedding provider.
 */
export const acceptedMeansServable: Oracle = {
  name: NAME,
  codes: CODES,
  description:
    "a clean, converged apply boots with every applied graph ready, enforcing what it recorded",
  judge(input) {
    const out: Violation[] = [];
    for (const r of input.records) {
      if (r.outcome.kind !== "apply" || !r.outcome.view.ok) continue;
      const converged = r.outcome.view.converged;
      const ledger = r.post.ledger;
      if (ledger === null || !ledger.parsed || interference(input, r) !== null) continue;
      const boot = nextBootOf(input, r);
      if (boot === null || boot.outcome.kind !== "boot") continue;
      const v = boot.outcome.view;
      const rec = recordedBy(ledger.resources);
      const pending = reportedPending(r);
      if (v.ok && v.enforced !== undefined)
        out.push(...enforcementViolations(boot, rec, v.enforced, r.index));
      if (!converged) continue;
      if (!v.ok) {
        if (prescribedRefusal(v, rec, pending, boot.strict)) continue;
        out.push(
          report(
            "accepted_config_refused",
            boot.index,
            `a booting server for what apply at step ${r.index} accepted and converged on`,
            `boot failed with ${v.failureCode ?? "?"}: ${v.diagnostics.map((d) => `[${d.code}] ${d.path}: ${d.message}`).join("; ")}`,
          ),
        );
        continue;
      }
      const unserved = rec.graphs.filter((g) => !v.ready.includes(g) && !pending.has(g));
      if (unserved.length > 0) {
        const why = (g: string) =>
          v.quarantined
            .filter((q) => q.graphId === g)
            .map((q) => `${g}: ${q.code}: ${q.reason}`)
            .join("; ") || `${g}: not served`;
        out.push(
          report(
            "applied_graph_not_served",
            boot.index,
            `every graph apply at step ${r.index} recorded ready: ${rec.graphs.join(", ")}`,
            unserved.map(why).join("; "),
          ),
        );
      }
    }
    return out;
  },
};
