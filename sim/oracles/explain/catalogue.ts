import { SCHEMA_APPLY_LOCK_BRANCH } from "../../../src/engine/layout.ts";
import type { TraceEvent } from "../../../src/world/trace.ts";
import { OP_NAMES, OPS } from "../../ops/index.ts";
import type { OpTraits } from "../../ops/OpSpec.ts";
import type { Action } from "../../scenario/schema.ts";
import { queryValidAgainst } from "../../universe/liveness.ts";
import { type GraphView, type Observation, ROOT_OF } from "../../universe/observe.ts";
import type { StepRecord } from "../../universe/records.ts";
import { SCHEMA_TEXT } from "../../universe/texts.ts";
import { SIM_ENV } from "../../universe/Universe.ts";
import type { Failure } from "./failures.ts";
import { type History, WRITES } from "./history.ts";

/**
 * Why a failed outcome is legitimate, as data. Omnigraph's own harness keeps a catalogue of
 * legal rejections (`is_legal_rejection`) and Jepsen splits failed from indeterminate; here
 * every explanation also names what justifies it: the injection, the requested change, the
 * residue (by key, and the disturbed step that left it) or the concurrent actor.
 */
export type Explanation =
  | { readonly kind: "injected"; readonly by: string }
  | { readonly kind: "rejection"; readonly rule: RuleName; readonly change: string }
  | { readonly kind: "refusal"; readonly rule: RuleName; readonly residue: string }
  | { readonly kind: "contention"; readonly rule: RuleName; readonly with: string };

export interface ExplainDeps {
  /** What the engine's planner rejects a change from `live` to `desired` with, if anything. */
  readonly schemaRejection: (live: string, desired: string) => string | null;
  /** Why serve's policy loader refuses a bundle for a scope, or null when it loads. */
  readonly bundleRefusal: (text: string, scope: string) => string | null;
}

export interface ExplainContext {
  readonly record: StepRecord;
  readonly history: History;
  readonly deps: ExplainDeps;
  /** Source texts the operator wrote, by sha256 digest (payloads the ledger names). */
  readonly sourcesByDigest: ReadonlyMap<string, string>;
}

interface Rule {
  readonly name: RuleName;
  /** What the rule promises, for the reader of a violation. */
  readonly says: string;
  /** The failure codes it may explain. */
  readonly codes: readonly string[];
  /** Narrows by message, for codes that carry several engine errors. */
  readonly message?: RegExp;
  explain(f: Failure, ctx: ExplainContext): Explanation | null;
}

export type RuleName =
  | "config-invalid"
  | "ledger-missing"
  | "ledger-exists"
  | "lock-held"
  | "ledger-cas-lost"
  | "partial-root"
  | "unsupported-change"
  | "non-main-branches"
  | "branch-exists"
  | "branch-absent"
  | "schema-apply-busy"
  | "write-lease-lost"
  | "graph-damaged"
  | "graph-absent"
  | "sidecar-pending"
  | "legacy-ledger"
  | "no-graph-applied"
  | "table-conflict"
  | "boot-aggregate"
  | "approval-not-required"
  | "graph-deleted-concurrently"
  | "graph-created-concurrently"
  | "create-swept-concurrently"
  | "contract-bootstrapped-concurrently"
  | "rows-misfit-schema"
  | "bundle-unloadable"
  | "config-hostile"
  | "bindings-unservable"
  | "provider-key-unset";

/** Operations with a trait, from the op table: the commands each explanation reasons about. */
const withTrait = (t: keyof OpTraits): ReadonlySet<string> =>
  new Set(OP_NAMES.filter((o) => OPS[o].traits[t]));
/** Cluster commands that take the ledger lock (and so meet a held one). */
const LOCKING = withTrait("locks");
/** Cluster commands that write the ledger by compare-and-swap. */
const LEDGER_WRITERS = withTrait("writesLedger");
/** Operations that move a graph's main manifest. */
const GRAPH_WRITERS = withTrait("movesGraph");

function others(f: Failure, r: StepRecord): readonly Action[] {
  if (r.step.op !== "concurrently" || f.actor < 0) return [];
  return r.step.actors.filter((_, i) => i !== f.actor);
}

function otherActor(
  f: Failure,
  r: StepRecord,
  ops: ReadonlySet<string>,
  graph: string | null = null,
): string | null {
  const i =
    r.step.op === "concurrently"
      ? r.step.actors.findIndex(
          (a, j) =>
            j !== f.actor &&
            ops.has(a.op) &&
            (graph === null || !("graph" in a) || a.graph === graph),
        )
      : -1;
  if (i < 0 || others(f, r).length === 0) return null;
  return `${(r.step.op === "concurrently" ? r.step.actors[i]?.op : "") ?? "?"}#${r.index}.${i}`;
}

/**
 * The engine's documented refusals of a damaged graph, each with the residue that must be there
 * for it. A graph a disturbed step touched may refuse to open, but only in one of these ways:
 * a refusal of another kind on it (an open that gives up on recoverable residue, say) stays
 * unexplained.
 */
const DAMAGE: ReadonlyArray<{
  readonly says: RegExp;
  /** `reads`: what the failing actor's own calls of the step answered, by key (the last). */
  readonly residue: (
    v: GraphView | undefined,
    root: string,
    reads: ReadonlyMap<string, string>,
  ) => string | null;
}> = [
  {
    says: /cannot disambiguate pre- vs post-commit crash/,
    residue: (v, root) => (v?.staging ? `${root}/_schema.pg.staging` : null),
  },
  {
    says: /no graph manifest found/,
    residue: (v, root) =>
      v?.exists && v.mainVersion === null ? `${root} without a manifest` : null,
  },
  // On S3 the view's root probe (upstream graph_root_exists: list_dir, direct children only)
  // reads a root whose schema files a failed init's cleanup removed as absent, while its
  // manifest and tables stay below: the failing open itself read a manifest version there
  // and found no _schema.pg.
  {
    says: /graph schema source '[^']*' does not exist/,
    residue: (v, root, reads) =>
      v?.exists && v.schemaText === null
        ? `${root} without _schema.pg`
        : v?.exists !== true &&
            reads.get(`${root}/_schema.pg`) === "absent" &&
            [...reads].some(([k, x]) => k.startsWith(`${root}/__manifest/versions/`) && x === "ok")
          ? `${root}'s manifest without _schema.pg, a root the S3 root probe reads as absent`
          : null,
  },
  // An init that failed after creating a table's dataset leaves it (upstream cleans up only
  // the schema files): the next init at that root meets Lance's create-mode refusal.
  {
    says: /Dataset already exists: /,
    residue: (v, root) =>
      v?.exists && v.mainVersion === null ? `${root}'s tables without a manifest` : null,
  },
  {
    says: /graph already initialized/,
    residue: (v, root) => (v?.exists ? `${root}'s schema files` : null),
  },
  // The schema contract files disagree (a partial promotion, a torn write): the observation
  // does not hold the contract, so the taint alone names it.
  { says: /schema evolution is locked down/, residue: (_v, root) => `${root}'s schema contract` },
  // What only a lying store leaves: corrupt files, an engine sidecar past its invariants.
  {
    says: /has invariant violation|parse error|is not valid JSON|not valid|corrupt/,
    residue: (_v, root) => `corrupt files under ${root}`,
  },
  {
    says: /stale view of '|has no version|object '[^']*' does not exist/,
    residue: (_v, root) => `${root}'s tables`,
  },
];

/**
 * What an engine call reports when the root it opened vanishes under it (upstream: the
 * contract read of `validate_schema_contract`, the source read of `read_current_source_ir`,
 * a manifest version listed and then read), by failure code.
 */
const VANISHED: Readonly<Record<string, RegExp>> = {
  schema_contract: /graph is missing persisted schema state;|graph schema state is incomplete/,
  schema_missing: /graph schema source '[^']*' does not exist/,
  storage: /manifest version \d+ does not exist/,
};

const underRoot = (key: string, root: string): boolean =>
  key === root || key.startsWith(`${root}/`);

/** The pid a step's actor ran as (its spawn names it `op#step.actor`), or -1. */
function pidOf(h: History, r: StepRecord, name: string): number {
  for (let i = r.traceFrom; i < r.traceTo; i++) {
    const e = h.events[i];
    if (e?.t === "spawn" && e.name === name) return e.pid;
  }
  return -1;
}

/**
 * The last approved delete of `root` in events [from, to): a prefix delete in one call
 * (object-store), or the object-by-object deletes of S3 and local-fs, every call of it
 * labelled `cluster.graph.delete_root`. `at`: its first call (files vanish from there on);
 * `failed`: a call of it failed (the root may be partly deleted). Null when there is none.
 */
function rootDeleteIn(
  h: History,
  root: string,
  from: number,
  to: number,
): { readonly at: number; readonly pid: number; readonly failed: boolean } | null {
  const isDelete = (e: TraceEvent | undefined): e is TraceEvent & { t: "call" } =>
    e?.t === "call" && e.step === "cluster.graph.delete_root" && underRoot(e.key, root);
  let last = -1;
  for (let i = to - 1; i >= from && last < 0; i--) if (isDelete(h.events[i])) last = i;
  const tail = h.events[last];
  if (!isDelete(tail)) return null;
  let at = last;
  let failed = false;
  for (let i = last; i >= from; i--) {
    const e = h.events[i];
    if (e?.t === "spawn" && e.pid === tail.pid) break;
    if (!isDelete(e) || e.pid !== tail.pid) continue;
    failed ||= e.result.startsWith("error");
    at = i;
  }
  return { at, pid: tail.pid, failed };
}

/**
 * A deleted root that exists again only by what a racing engine call wrote after the delete:
 * the last delete of `root` before event `end` ran in a concurrent step, and every write under
 * the root since it began came from another actor of that same step and outlived the delete
 * (upstream's approved delete, store.rs `delete_graph_root`, is a bare prefix delete; an engine
 * call that opened the graph before it still writes, e.g. Lance's branch ref in
 * `Branches::create`, or the contract that `load_or_bootstrap_schema_contract` writes when it
 * finds none). Null when anything else wrote there, a fault touched it, or the delete was not
 * concurrent.
 */
function writtenAfterDelete(h: History, root: string, end: number): string | null {
  const del = rootDeleteIn(h, root, 0, end);
  if (del === null || del.failed) return null;
  const s = h.records.find((x) => x.traceFrom <= del.at && del.at < x.traceTo);
  if (s === undefined || s.step.op !== "concurrently") return null;
  const names = new Map<number, string>();
  for (let i = s.traceFrom; i < s.traceTo; i++) {
    const e = h.events[i];
    if (e?.t === "spawn") names.set(e.pid, e.name);
  }
  const kept = new Map<string, string>();
  for (let i = del.at + 1; i < end; i++) {
    const e = h.events[i];
    if (e?.t === "fault" && underRoot(e.key, root)) return null;
    if (e?.t !== "call" || !WRITES.has(e.op) || !underRoot(e.key, root)) continue;
    if (e.result.startsWith("error") || e.result === "false") continue;
    // The delete's own later calls take what they list (a write they meet is gone again).
    if (e.pid === del.pid && e.step === "cluster.graph.delete_root" && i < s.traceTo) {
      kept.delete(e.key);
      continue;
    }
    const by = names.get(e.pid);
    if (i >= s.traceTo || e.pid === del.pid || by === undefined) return null;
    kept.set(e.key, by);
  }
  if (kept.size === 0) return null;
  const deleter = names.get(del.pid) ?? `p${del.pid}`;
  const writers = [...new Set(kept.values())].join(", ");
  return `${[...kept.keys()].join(", ")}, written by ${writers} after ${deleter} deleted ${root} in step ${s.index}`;
}

/**
 * The graph roots that actor `name` of step `r` found in another apply's init gap: that apply
 * had claimed the root's `_schema.pg` in this step (upstream `init_with_storage` claims it
 * before writing the contract, the tables and the manifest) and, when the actor looked, had
 * either not yet created manifest v1 (the actor listed the root's manifest versions and found
 * none) or failed and had its cleanup delete a schema file the actor then read as absent
 * (`best_effort_cleanup_init_artifacts`, run before any manifest of its own). By root, the apply.
 */
function openedInInitGap(h: History, r: StepRecord, name: string): ReadonlyMap<string, string> {
  const me = pidOf(h, r, name);
  const names = new Map<number, string>();
  const claimed = new Map<string, number>();
  /** Schema files a claiming init's cleanup deleted, by key: the claimer. */
  const cleaned = new Map<string, number>();
  const out = new Map<string, string>();
  for (let i = r.traceFrom; i < r.traceTo; i++) {
    const e = h.events[i];
    if (e?.t === "spawn") names.set(e.pid, e.name);
    if (e?.t !== "call") continue;
    const root = e.key.slice(0, e.key.lastIndexOf("/"));
    if (
      e.pid !== me &&
      e.step === "engine.init.claim_schema_pg" &&
      e.result === "true" &&
      names.get(e.pid)?.startsWith("apply#")
    ) {
      claimed.set(root, e.pid);
    } else if (e.step === "engine.init.create_manifest") {
      const made = e.key.slice(0, e.key.indexOf("/__manifest/"));
      if (claimed.get(made) === e.pid) claimed.delete(made);
    } else if (e.step === "engine.init.cleanup_schema_files" && claimed.get(root) === e.pid) {
      cleaned.set(e.key, e.pid);
    } else if (e.pid === me && e.op === "get" && e.result === "absent") {
      const by = cleaned.get(e.key);
      if (by !== undefined) out.set(root, names.get(by) ?? `p${by}`);
    } else if (e.pid === me && e.op === "list" && e.result === "0") {
      const listed = e.key.endsWith("/__manifest/versions")
        ? e.key.slice(0, -"/__manifest/versions".length)
        : null;
      const by = listed === null ? undefined : claimed.get(listed);
      if (listed !== null && by !== undefined) out.set(listed, names.get(by) ?? `p${by}`);
    }
  }
  return out;
}

/** The engine's refusal of a schema contract with one of its two files. */
const INCOMPLETE_CONTRACT =
  "graph schema state is incomplete (_schema.ir.json and __schema_state.json must either both exist or both be absent)";

/**
 * Graphs whose contract the actor `name` read in another process's bootstrap gap within the
 * step: that process's `_schema.ir.json` had landed and its `__schema_state.json` had not when
 * the actor read the state file and found it absent. Maps each graph to the bootstrapping actor.
 */
function readInBootstrapGap(h: History, r: StepRecord, name: string): ReadonlyMap<string, string> {
  const me = pidOf(h, r, name);
  const names = new Map<number, string>();
  const open = new Map<string, number>();
  const out = new Map<string, string>();
  for (let i = r.traceFrom; i < r.traceTo; i++) {
    const e = h.events[i];
    if (e?.t === "spawn") names.set(e.pid, e.name);
    if (e?.t !== "call") continue;
    const g = GRAPH_OF_KEY.exec(e.key)?.[1];
    if (g === undefined) continue;
    if (
      e.pid !== me &&
      e.step === "engine.recovery.bootstrap_schema_ir" &&
      (e.op === "put" || e.op === "ackloss")
    )
      open.set(g, e.pid);
    else if (e.step === "engine.recovery.bootstrap_schema_state" && open.get(g) === e.pid)
      open.delete(g);
    else if (
      e.pid === me &&
      e.op === "get" &&
      e.result === "absent" &&
      e.key.endsWith("/__schema_state.json")
    ) {
      const by = open.get(g);
      if (by !== undefined) out.set(g, names.get(by) ?? `p${by}`);
    }
  }
  return out;
}

const GRAPH_OF_KEY = /^graphs\/([^/]+)\.omni\//;

/** What the failing actor's calls of the step answered, by key (the last answer of each). */
function readsOf(f: Failure | null, ctx: ExplainContext): ReadonlyMap<string, string> {
  const out = new Map<string, string>();
  if (f === null) return out;
  const r = ctx.record;
  const name = f.actor < 0 ? `${f.op}#${r.index}` : `${f.op}#${r.index}.${f.actor}`;
  const me = pidOf(ctx.history, r, name);
  for (let i = r.traceFrom; i < r.traceTo; i++) {
    const e = ctx.history.events[i];
    if (e?.t === "call" && e.pid === me) out.set(e.key, e.result);
  }
  return out;
}

/** The residue a disturbed step left on a graph that explains this refusal, by name. */
function damageOf(
  g: string,
  message: string | null,
  ctx: ExplainContext,
  f: Failure | null = null,
): Explanation | null {
  const t = ctx.history.taintBefore(g, ctx.record.index);
  if (t === null) return null;
  const v = ctx.record.pre.graphs[g];
  const root = ROOT_OF(g);
  let what: string | null = root;
  if (message !== null) {
    const kind = DAMAGE.find((d) => d.says.test(message));
    what = kind === undefined ? null : kind.residue(v, root, readsOf(f, ctx));
  }
  if (what === null) return null;
  return {
    kind: "refusal",
    rule: "graph-damaged",
    residue: `${what}, left by step ${t.step} (${t.by})`,
  };
}

/** A key's residue is explained when the step that last wrote it was disturbed. */
function leftByDisturbance(key: string, ctx: ExplainContext): string | null {
  const w = ctx.history.lastWriter(key, ctx.record.index);
  if (w === null) return null;
  const d = ctx.history.disturbed[w];
  if (d) return `${key}, left by step ${w} (${d.by})`;
  const rec = ctx.history.records[w];
  if (rec?.step.op === "concurrently") return `${key}, left by concurrent step ${w}`;
  return null;
}

/**
 * A recovery sidecar is legitimately kept by the step that wrote it when that step was
 * disturbed or concurrent, when its create of the graph failed (create sidecars stay until a
 * sweep decides), or when the graph moved during it (the engine's own recovery at the step's
 * read-write open), so the pre-movement proof could not call it unmoved (spec 4.9). A sidecar
 * kept after a rejection that left the graph as it was is exactly what must not happen.
 */
function keptSidecar(key: string, graph: string | null, ctx: ExplainContext): string | null {
  const plain = leftByDisturbance(key, ctx);
  if (plain !== null) return plain;
  const w = ctx.history.lastWriter(key, ctx.record.index);
  const rec = w === null ? undefined : ctx.history.records[w];
  if (rec === undefined || graph === null) return null;
  const failedCreate =
    (rec.outcome.kind === "apply" &&
      rec.outcome.view.diagnostics.some(
        (d) => d.code === "graph_create_failed" && d.path === `graph.${graph}`,
      )) ||
    false;
  if (failedCreate) return `${key}, kept by step ${w} after its create of ${graph} failed`;
  const a = rec.pre.graphs[graph];
  const b = rec.post.graphs[graph];
  const moved =
    a !== undefined &&
    b !== undefined &&
    (a.mainVersion !== b.mainVersion || a.schemaDigest !== b.schemaDigest);
  return moved ? `${key}, kept by step ${w}, during which ${graph} moved` : null;
}

const RULES: readonly Rule[] = [
  {
    name: "config-invalid",
    says: "validation refuses a config whose schema or query does not parse or type-check",
    codes: ["schema_parse_error", "query_parse_error", "query_typecheck_error"],
    explain(f, { record: r }) {
      for (const g of r.desired.graphs) {
        if (f.code === "schema_parse_error" && g.schema === "parse-error")
          return { kind: "refusal", rule: this.name, residue: `the config's schema of ${g.id}` };
        const schema = g.schema === "parse-error" ? "v1" : g.schema;
        if (f.code !== "schema_parse_error" && !queryValidAgainst(g.query, schema))
          return { kind: "refusal", rule: this.name, residue: `the config's query of ${g.id}` };
      }
      return null;
    },
  },
  {
    name: "config-hostile",
    says: "validation (or apply's payload phase) refuses a config the operator broke by hand: an unknown, misspelled, duplicate or reserved key, a dangling or wrong-kind reference, an invalid id, an unknown provider kind, a file that is not UTF-8",
    codes: [
      "invalid_cluster_yaml",
      "duplicate_yaml_key",
      "future_phase_field",
      "dangling_embedding_provider_reference",
      "dangling_graph_reference",
      "wrong_kind_reference",
      "invalid_resource_id",
      "invalid_embedding_provider",
      "query_file_missing",
      "resource_payload_write_error",
    ],
    explain(f, { record: r }) {
      const d = r.desired;
      const by = (what: string) => ({ kind: "refusal" as const, rule: this.name, residue: what });
      const cluster: Record<string, readonly string[]> = {
        invalid_cluster_yaml: ["unknown-field", "misspelled-key"],
        duplicate_yaml_key: ["duplicate-key"],
        future_phase_field: ["future-field"],
        dangling_embedding_provider_reference: ["dangling-ref"],
        invalid_resource_id: ["invalid-graph-id"],
      };
      if (d.cluster !== null && cluster[f.code]?.includes(d.cluster))
        return by(`cluster.yaml (${d.cluster})`);
      const policy: Record<string, string> = {
        wrong_kind_reference: "wrong-kind-binding",
        dangling_graph_reference: "ghost-graph",
        resource_payload_write_error: "non-utf8",
      };
      if (d.policy.hostile !== null && policy[f.code] === d.policy.hostile)
        return by(`the policy bundle or its bindings (${d.policy.hostile})`);
      if (f.code === "invalid_embedding_provider" && d.provider.hostile === "unknown-kind")
        return by("the provider profile (unknown-kind)");
      if (f.code === "query_file_missing" && /UTF-8/.test(f.message)) {
        const g = d.graphs.find((x) => x.query === "non-utf8");
        if (g !== undefined) return by(`the query file of ${g.id} (non-utf8)`);
      }
      return null;
    },
  },
  {
    name: "ledger-missing",
    says: "commands other than import, and serve, need a ledger",
    codes: ["state_missing", "cluster_state_missing"],
    explain(_f, { record: r }) {
      return r.pre.ledger === null
        ? { kind: "refusal", rule: this.name, residue: "no __cluster/state.json" }
        : null;
    },
  },
  {
    name: "ledger-exists",
    says: "import creates the ledger only when there is none",
    codes: ["state_already_exists"],
    explain(_f, { record: r }) {
      return r.pre.ledger !== null
        ? { kind: "refusal", rule: this.name, residue: "__cluster/state.json" }
        : null;
    },
  },
  {
    name: "lock-held",
    says: "a command meets the ledger lock held by a concurrent command or left by a dead one",
    codes: ["state_lock_held"],
    explain(f, ctx) {
      const other = otherActor(f, ctx.record, LOCKING);
      if (other !== null) return { kind: "contention", rule: this.name, with: other };
      if (!ctx.record.pre.lockPresent) return null;
      const residue = leftByDisturbance("__cluster/lock.json", ctx);
      return residue === null ? null : { kind: "refusal", rule: this.name, residue };
    },
  },
  {
    name: "ledger-cas-lost",
    says: "of two concurrent ledger writers, the one whose compare-and-swap loses fails",
    codes: ["state_cas_mismatch"],
    explain(f, { record: r }) {
      const other = otherActor(f, r, LEDGER_WRITERS);
      return other === null ? null : { kind: "contention", rule: this.name, with: other };
    },
  },
  {
    name: "partial-root",
    says: "a graph root left partial by an interrupted create is reported for removal",
    codes: ["graph_create_incomplete"],
    explain(f, ctx) {
      const g = f.graph;
      const v = g === null ? undefined : ctx.record.pre.graphs[g];
      if (g === null || !v?.exists || (v.mainVersion !== null && v.schemaText !== null))
        return null;
      const t = ctx.history.taintBefore(g, ctx.record.index);
      return t === null
        ? null
        : {
            kind: "refusal",
            rule: this.name,
            residue: `partial ${ROOT_OF(g)}, left by step ${t.step} (${t.by})`,
          };
    },
  },
  {
    name: "non-main-branches",
    says: "schema apply needs a graph with only main: the branch must exist (or be made concurrently)",
    codes: ["schema_apply_failed"],
    message: /schema apply requires a graph with only main; found non-main branches: (.*)$/,
    explain(f, { record: r }) {
      const g = f.graph;
      if (g === null) return null;
      const names = (this.message?.exec(f.message)?.[1] ?? "").split(", ");
      const had = r.pre.graphs[g]?.branches ?? [];
      if (names.every((b) => had.includes(b)))
        return {
          kind: "refusal",
          rule: this.name,
          residue: `branches ${names.join(", ")} of ${g}`,
        };
      const other = otherActor(f, r, new Set(["branch-create"]), g);
      return other === null ? null : { kind: "contention", rule: this.name, with: other };
    },
  },
  {
    name: "branch-exists",
    says: "a branch create names a branch the graph already has, or one a concurrent create made first",
    codes: ["branch_exists"],
    message: /branch '([^']+)' already exists/,
    explain(f, { record: r }) {
      const g = f.graph;
      const b = this.message?.exec(f.message)?.[1];
      if (g === null || b === undefined || f.op !== "branch-create") return null;
      if ((r.pre.graphs[g]?.branches ?? []).includes(b))
        return { kind: "refusal", rule: this.name, residue: `branch ${b} of ${g}` };
      const other = otherActor(f, r, new Set(["branch-create"]), g);
      return other === null ? null : { kind: "contention", rule: this.name, with: other };
    },
  },
  {
    name: "branch-absent",
    says: "a branch delete names a branch the graph does not have, or one a concurrent delete removed first",
    codes: ["branch_not_found"],
    message: /branch '([^']+)' not found/,
    explain(f, { record: r }) {
      const g = f.graph;
      const b = this.message?.exec(f.message)?.[1];
      if (g === null || b === undefined || f.op !== "branch-delete") return null;
      if (!(r.pre.graphs[g]?.branches ?? []).includes(b))
        return { kind: "refusal", rule: this.name, residue: `no branch ${b} on ${g}` };
      const other = otherActor(f, r, new Set(["branch-delete"]), g);
      return other === null ? null : { kind: "contention", rule: this.name, with: other };
    },
  },
  {
    name: "unsupported-change",
    says: "the engine's planner rejects the very change the config asks for, before anything moves",
    codes: ["schema_apply_failed"],
    message: /^schema apply is not supported on '[^']*': (.*)$/,
    explain(f, ctx) {
      const g = f.graph;
      const rejection = this.message?.exec(f.message)?.[1];
      const desired = ctx.record.desired.graphs.find((x) => x.id === g);
      if (g === null || rejection === undefined || desired === undefined) return null;
      if (desired.schema === "parse-error") return null;
      // The live schema as the engine planned against it: as it was before the step, or, when
      // the step's own open completed an interrupted apply's staging, as that left it.
      const r = ctx.record;
      const promoted = promotedStagingIn(ctx.history.events, r.traceFrom, r.traceTo, g);
      const lives = [r.pre.graphs[g]?.schemaText, promoted ? r.post.graphs[g]?.schemaText : null];
      for (const live of lives) {
        if (live == null) continue;
        if (ctx.deps.schemaRejection(live, SCHEMA_TEXT[desired.schema]) === rejection)
          return { kind: "rejection", rule: this.name, change: `${g} to ${desired.schema}` };
      }
      return null;
    },
  },
  {
    name: "schema-apply-busy",
    says: "a schema apply meets the engine's schema-apply lock branch, held concurrently or left by a dead apply",
    codes: ["schema_apply_failed", "unavailable_during_schema_apply"],
    message:
      /(schema apply is already in progress|branch '__schema_apply_lock__' already exists|is unavailable while schema apply is in progress)/,
    explain(f, ctx) {
      const g = f.graph;
      if (g === null) return null;
      const other = otherActor(f, ctx.record, new Set(["apply"]));
      if (other !== null) return { kind: "contention", rule: this.name, with: other };
      if (!(ctx.record.pre.graphs[g]?.branches ?? []).includes(SCHEMA_APPLY_LOCK_BRANCH))
        return null;
      const residue = leftByDisturbance(
        `${ROOT_OF(g)}/__manifest/branches/${SCHEMA_APPLY_LOCK_BRANCH}.json`,
        ctx,
      );
      return residue === null ? null : { kind: "refusal", rule: this.name, residue };
    },
  },
  {
    name: "write-lease-lost",
    says: "a schema apply whose graph another writer moved meanwhile loses its lease",
    codes: ["schema_apply_failed"],
    message: /lost its write lease/,
    explain(f, { record: r }) {
      const other = otherActor(f, r, GRAPH_WRITERS, f.graph);
      return other === null ? null : { kind: "contention", rule: this.name, with: other };
    },
  },
  {
    name: "table-conflict",
    says: "of two concurrent writers of one table, the one with the stale view fails and may retry",
    codes: ["conflict", "schema_apply_failed"],
    message: /stale view of '/,
    explain(f, { record: r }) {
      // An open has no write of its own to lose: a read-write open whose only residue is
      // recoverable must succeed, also when another open recovers the same residue.
      if (f.op === "open-rw" || f.op === "boot") return null;
      const other = otherActor(f, r, GRAPH_WRITERS, f.graph);
      return other === null ? null : { kind: "contention", rule: this.name, with: other };
    },
  },
  {
    name: "graph-deleted-concurrently",
    says: "a graph whose root a concurrent approved delete removed does not open",
    codes: ["graph_open_failed", "not_a_graph", "schema_apply_failed"],
    explain(f, { record: r, history: h }) {
      if (f.graph === null || f.actor < 0) return null;
      const root = ROOT_OF(f.graph);
      if (rootDeleteIn(h, root, r.traceFrom, r.traceTo) === null) return null;
      return { kind: "contention", rule: this.name, with: `the delete of ${root}` };
    },
  },
  {
    name: "graph-deleted-concurrently",
    says: "an engine call that opened a graph before a concurrent approved delete removed its root reads on and finds its files gone: a schema file (missing contract, missing source) or the manifest version it listed",
    codes: ["schema_contract", "schema_missing", "storage"],
    explain(f, { record: r, history: h }) {
      if (f.graph === null || f.actor < 0 || !VANISHED[f.code]?.test(f.message)) return null;
      const root = ROOT_OF(f.graph);
      const del = rootDeleteIn(h, root, r.traceFrom, r.traceTo);
      if (del === null) return null;
      // The failing actor read under the root after the delete: that read met the vanished file.
      const me = pidOf(h, r, `${f.op}#${r.index}.${f.actor}`);
      for (let i = del.at + 1; i < r.traceTo; i++) {
        const e = h.events[i];
        if (e?.t === "call" && e.pid === me && underRoot(e.key, root))
          return { kind: "contention", rule: this.name, with: `the delete of ${root}` };
      }
      return null;
    },
  },
  {
    name: "graph-created-concurrently",
    says: "without the ledger lock, two applies create one graph; the second's init finds it made",
    codes: ["graph_create_failed"],
    message: /graph already initialized at/,
    explain(f, { record: r, history: h }) {
      if (f.graph === null || f.actor < 0 || !this.message?.test(f.message)) return null;
      const other = otherActor(f, r, new Set(["apply"]));
      if (other === null) return null;
      // The other apply claimed the graph's schema file in this step (an init that got there first).
      const claim = `${ROOT_OF(f.graph)}/_schema.pg`;
      for (let i = r.traceFrom; i < r.traceTo; i++) {
        const e = h.events[i];
        if (e?.t === "call" && e.key === claim && e.step === "engine.init.claim_schema_pg")
          return { kind: "contention", rule: this.name, with: other };
      }
      return null;
    },
  },
  {
    name: "graph-created-concurrently",
    says: "without the ledger lock, a refresh observes a declared graph in a concurrent apply's init gap (the root claimed, no manifest yet, or a failed init's cleanup removing what the open reads): the read-only open of that half-made root fails",
    codes: ["graph_observation_error"],
    message: /^(\d+) graph observation\(s\) failed$/,
    explain(f, { record: r, history: h }) {
      const n = Number(this.message?.exec(f.message)?.[1] ?? 0);
      if (f.actor < 0 || n === 0) return null;
      const gaps = openedInInitGap(h, r, `${f.op}#${r.index}.${f.actor}`);
      // Every failed observation must be one of them: any other is not this contention.
      if (gaps.size < n) return null;
      return { kind: "contention", rule: this.name, with: [...new Set(gaps.values())].join(", ") };
    },
  },
  {
    name: "contract-bootstrapped-concurrently",
    says: "an open that reads a graph's schema contract while another process's open is bootstrapping it (the IR written, the state not yet) finds it incomplete",
    codes: [
      "graph_observation_error",
      "graph_open_failed",
      "schema_contract",
      "schema_apply_failed",
      "graph_create_incomplete",
    ],
    explain(f, { record: r, history: h }) {
      if (f.actor < 0) return null;
      const gaps = readInBootstrapGap(h, r, `${f.op}#${r.index}.${f.actor}`);
      if (gaps.size === 0) return null;
      if (f.code === "graph_observation_error") {
        // A refresh's summary: every failed observation must be one of these reads.
        const n = Number(/^(\d+) graph observation\(s\) failed$/.exec(f.message)?.[1] ?? 0);
        if (n === 0 || gaps.size < n) return null;
        return {
          kind: "contention",
          rule: this.name,
          with: [...new Set(gaps.values())].join(", "),
        };
      }
      const by = f.graph === null ? undefined : gaps.get(f.graph);
      return by !== undefined && f.message.includes(INCOMPLETE_CONTRACT)
        ? { kind: "contention", rule: this.name, with: by }
        : null;
    },
  },
  {
    name: "create-swept-concurrently",
    says: "without the ledger lock, an apply's recovery sweep meets a concurrent apply's create sidecar while that init is under way, and reports the half-made root as incomplete",
    codes: ["graph_create_incomplete"],
    explain(f, { record: r, history: h }) {
      if (f.graph === null || f.actor < 0 || r.pre.graphs[f.graph]?.exists) return null;
      if (otherActor(f, r, new Set(["apply"])) === null) return null;
      // Another apply of this step claimed the graph's schema file: the root is that
      // concurrent init's, made during this step, not residue.
      const claim = `${ROOT_OF(f.graph)}/_schema.pg`;
      const actors = new Map<number, string>();
      for (let i = r.traceFrom; i < r.traceTo; i++) {
        const e = h.events[i];
        if (e?.t === "spawn") actors.set(e.pid, e.name);
        if (
          e?.t !== "call" ||
          e.key !== claim ||
          e.step !== "engine.init.claim_schema_pg" ||
          e.result !== "true"
        )
          continue;
        const by = actors.get(e.pid);
        if (by?.startsWith("apply#") && by !== `${f.op}#${r.index}.${f.actor}`)
          return { kind: "contention", rule: this.name, with: by };
      }
      return null;
    },
  },
  {
    name: "rows-misfit-schema",
    says: "an insert whose rows leave a required property of the live schema null is rejected",
    codes: ["invalid_argument"],
    message: /^[A-Za-z_]\w*\[\d+\]\.([A-Za-z_]\w*): non-nullable property got null$/,
    explain(f, { record: r }) {
      const prop = this.message?.exec(f.message)?.[1];
      const live = f.graph === null ? null : r.pre.graphs[f.graph]?.schemaText;
      if (prop === undefined || live == null || r.step.op !== "insert") return null;
      const required = new RegExp(`\\b${prop}:\\s*[A-Za-z0-9]+(?![A-Za-z0-9?])`);
      return required.test(live)
        ? { kind: "rejection", rule: this.name, change: `rows without ${prop}` }
        : null;
    },
  },
  {
    name: "graph-absent",
    says: "an engine action on a graph root that does not exist fails",
    codes: ["not_a_graph"],
    explain(f, { record: r }) {
      const g = f.graph;
      if (g === null || r.pre.graphs[g]?.exists) return null;
      return { kind: "refusal", rule: this.name, residue: `no ${ROOT_OF(g)}` };
    },
  },
  {
    name: "graph-absent",
    says: "an engine action on a graph an approved delete removed fails for want of a manifest, also when an engine call that raced the delete wrote under the root after it (the delete does not fence the data plane): the root holds only those writes",
    codes: ["not_a_graph"],
    message: /no graph manifest found/,
    explain(f, { record: r, history: h }) {
      const g = f.graph;
      const v = g === null ? undefined : r.pre.graphs[g];
      if (g === null || !v?.exists || v.mainVersion !== null) return null;
      const residue = writtenAfterDelete(h, ROOT_OF(g), r.traceFrom);
      return residue === null ? null : { kind: "refusal", rule: this.name, residue };
    },
  },
  {
    name: "graph-damaged",
    says: "a graph that a disturbed step left damaged does not open (the residue is named)",
    codes: [
      "schema_apply_failed",
      "graph_open_failed",
      "not_a_graph",
      "staging_ambiguous",
      "schema_contract",
      "schema_missing",
      "storage",
      "corrupt_object",
      "graph_create_incomplete",
      "graph_create_failed",
    ],
    explain(f, ctx) {
      if (f.graph === null) return null;
      if (f.code === "schema_apply_failed" && !/could not (open|initialize) graph/.test(f.message))
        return null;
      return damageOf(f.graph, f.message, ctx, f);
    },
  },
  {
    name: "graph-damaged",
    says: "a refresh or status reports the graphs whose observation failed on damage",
    codes: ["graph_observation_error"],
    explain(_f, ctx) {
      for (const [g, v] of Object.entries(ctx.record.pre.graphs)) {
        if (!v.exists) continue;
        const t = damageOf(g, null, ctx);
        if (t !== null) return t;
      }
      return null;
    },
  },
  {
    name: "sidecar-pending",
    says: "serve quarantines a graph named by a recovery sidecar that a disturbed step left, or that a concurrent apply holds",
    codes: ["cluster_recovery_pending", "cluster_no_healthy_graphs"],
    explain(f, ctx) {
      const r = ctx.record;
      const other = otherActor(f, r, new Set(["apply"]));
      if (other !== null) return { kind: "contention", rule: this.name, with: other };
      const mine = r.pre.sidecars.filter(
        (s) => s.valid && (f.graph === null || s.graphId === f.graph),
      );
      if (mine.length === 0) return null;
      const residues = mine.map((s) => keptSidecar(s.key, s.graphId, ctx));
      if (residues.some((x) => x === null)) return null;
      return { kind: "refusal", rule: this.name, residue: residues.join("; ") };
    },
  },
  {
    name: "legacy-ledger",
    says: "serve refuses a ledger that predates binding or profile metadata until an apply backfills it",
    codes: [
      "policy_bindings_missing",
      "embedding_provider_profile_missing",
      "embedding_provider_missing",
    ],
    explain(f, { record: r }) {
      const res = r.pre.ledger?.resources ?? {};
      const stripped = Object.entries(res).some(([a, e]) =>
        f.code === "policy_bindings_missing"
          ? a.startsWith("policy.") && !("applies_to" in e)
          : a.startsWith("provider.embedding.") && !("embedding_profile" in e),
      );
      return stripped
        ? { kind: "refusal", rule: this.name, residue: "__cluster/state.json (legacy fields)" }
        : null;
    },
  },
  {
    name: "no-graph-applied",
    says: "serve refuses an applied revision with no graph",
    codes: ["cluster_empty"],
    explain(_f, { record: r }) {
      const any = Object.keys(r.pre.ledger?.resources ?? {}).some((a) => a.startsWith("graph."));
      return any ? null : { kind: "refusal", rule: this.name, residue: "a ledger without graphs" };
    },
  },
  {
    name: "approval-not-required",
    says: "approve refuses a resource whose pending change needs no approval",
    codes: ["approval_not_required"],
    explain(_f, { record: r }) {
      if (r.step.op !== "approve") return null;
      const g = /^graph\.(.+)$/.exec(r.step.resource)?.[1];
      if (g === undefined)
        return { kind: "refusal", rule: this.name, residue: `${r.step.resource} is not gated` };
      const recorded = `graph.${g}` in (r.pre.ledger?.resources ?? {});
      const wanted = r.desired.graphs.some((x) => x.id === g);
      return recorded && !wanted
        ? null
        : {
            kind: "refusal",
            rule: this.name,
            residue: recorded ? `${g} is still in the config` : `${g} is not in the ledger`,
          };
    },
  },
  {
    name: "bundle-unloadable",
    says: "serve quarantines a graph (or refuses boot) whose bound policy bundle its loader refuses",
    codes: ["graph_policy_invalid", "server_policy_invalid"],
    explain(f, ctx) {
      const scope = f.code === "server_policy_invalid" ? "cluster" : `graph.${f.graph ?? ""}`;
      const resources = ctx.record.pre.ledger?.resources ?? {};
      const bound = Object.entries(resources).filter(
        ([, e]) => Array.isArray(e.applies_to) && e.applies_to.includes(scope),
      );
      const [addr, entry] =
        bound.length === 1 ? (bound[0] as [string, Record<string, unknown>]) : [];
      const text =
        typeof entry?.digest === "string" ? ctx.sourcesByDigest.get(entry.digest) : undefined;
      if (addr === undefined || text === undefined) return null;
      const refusal = ctx.deps.bundleRefusal(text, scope);
      return refusal === null
        ? null
        : { kind: "refusal", rule: this.name, residue: `${addr} bound to ${scope}: ${refusal}` };
    },
  },
  {
    name: "bindings-unservable",
    says: "serve refuses to boot a ledger that binds two policy bundles to one scope",
    codes: ["policy_binding_conflict"],
    explain(_f, { record: r }) {
      const owners = new Map<string, string[]>();
      for (const [addr, e] of Object.entries(r.pre.ledger?.resources ?? {})) {
        if (!addr.startsWith("policy.") || !Array.isArray(e.applies_to)) continue;
        for (const scope of e.applies_to)
          if (typeof scope === "string") owners.set(scope, [...(owners.get(scope) ?? []), addr]);
      }
      const shared = [...owners].filter(([, a]) => a.length > 1);
      return shared.length === 0
        ? null
        : {
            kind: "refusal",
            rule: this.name,
            residue: shared.map(([scope, a]) => `${a.join(" and ")} bound to ${scope}`).join("; "),
          };
    },
  },
  {
    name: "provider-key-unset",
    says: "serve quarantines a graph whose applied provider profile names an api key variable the server's environment lacks",
    codes: ["embedding_provider_unresolved"],
    explain(f, { record: r }) {
      const unset = (ledger: Observation["ledger"]): string | null => {
        const res = ledger?.resources ?? {};
        const bound = res[`graph.${f.graph ?? ""}`]?.embedding_provider;
        const profile = typeof bound === "string" ? res[bound]?.embedding_profile : undefined;
        const key =
          typeof profile === "object" && profile !== null
            ? (profile as Record<string, unknown>).api_key
            : undefined;
        const name = typeof key === "string" ? /^\s*\$\{(.+)\}\s*$/.exec(key)?.[1] : undefined;
        return name !== undefined && !Object.hasOwn(SIM_ENV, name) && f.message.includes(name)
          ? `${bound} names unset \${${name}}`
          : null;
      };
      const before = unset(r.pre.ledger);
      if (before !== null) return { kind: "refusal", rule: this.name, residue: before };
      // Serve reads the ledger unlocked: a concurrent apply that recorded the profile before
      // the boot read the ledger is what the boot enforced.
      const other = otherActor(f, r, LEDGER_WRITERS);
      const after = other === null ? null : unset(r.post.ledger);
      return after === null
        ? null
        : { kind: "refusal", rule: this.name, residue: `${after}, applied by ${other}` };
    },
  },
  {
    name: "boot-aggregate",
    says: "a refused boot whose cause is its quarantines is explained by theirs",
    codes: [
      "no_graphs_opened",
      "no_healthy_graphs",
      "cluster_no_healthy_graphs",
      "strict_open_failed",
      "strict_settings_quarantine",
    ],
    explain(f, { record: r }) {
      // The boot's own outcome (a concurrent step's boot actor, when there are several).
      const o =
        r.outcome.kind === "concurrent" && f.actor >= 0 ? r.outcome.outcomes[f.actor] : r.outcome;
      if (o?.kind !== "boot") return null;
      const v = o.view;
      // Every applied graph pending: its per-graph warnings are judged as quarantines.
      const pending =
        f.code === "cluster_no_healthy_graphs" &&
        v.diagnostics.some(
          (d) => d.severity === "warning" && d.code === "cluster_recovery_pending",
        );
      return v.quarantined.length > 0 || pending
        ? { kind: "refusal", rule: this.name, residue: "the quarantines of this boot" }
        : null;
    },
  },
];

const BY_CODE = (() => {
  const m = new Map<string, Rule[]>();
  for (const r of RULES) for (const c of r.codes) m.set(c, [...(m.get(c) ?? []), r]);
  return m;
})();

/** The rules that could explain a failure code, by name (for the violation's text). */
export function rulesFor(code: string): readonly string[] {
  return [...new Set((BY_CODE.get(code) ?? []).map((r) => r.name))];
}

/**
 * Explains one failure: first by an injection inside its step (Jepsen's indeterminate
 * outcomes), then by the catalogue. Null: nothing explains it.
 */
export function explain(f: Failure, ctx: ExplainContext): Explanation | null {
  const d = ctx.history.disturbed[ctx.record.index];
  if (d) return { kind: "injected", by: d.by };
  for (const rule of BY_CODE.get(f.code) ?? []) {
    if (rule.message !== undefined && !rule.message.test(f.message)) continue;
    const e = rule.explain(f, ctx);
    if (e !== null) return e;
  }
  return null;
}

/** What each rule promises, for the README and `pnpm sim oracles`. */
export function catalogue(): ReadonlyArray<{
  readonly name: string;
  readonly says: string;
  readonly codes: readonly string[];
}> {
  return RULES.map((r) => ({ name: r.name, says: r.says, codes: r.codes }));
}

/** Whether the step's events promote `graph`'s staging files in an open-time recovery. */
function promotedStagingIn(
  events: ReadonlyArray<TraceEvent>,
  from: number,
  to: number,
  graph: string,
): boolean {
  const prefix = `${ROOT_OF(graph)}/`;
  for (let i = from; i < to; i++) {
    const e = events[i];
    if (e?.t === "call" && e.step === "engine.recovery.promote_staging" && e.key.startsWith(prefix))
      return true;
  }
  return false;
}
