import { graphIdOf } from "../../src/cluster/addresses.ts";
import { SCHEMA_APPLY_LOCK_BRANCH, STAGING_FILES } from "../../src/engine/layout.ts";
import { AMBIGUOUS_STAGING } from "../findings/metadataOnlyStagingAmbiguity.ts";
import type { Step } from "../scenario/schema.ts";
import type { PolicyHostile } from "./desired.ts";
import { ROOT_OF } from "./observe.ts";
import type { LivenessRecord } from "./records.ts";
import type { ApplyView, Diag } from "./system.ts";
import { type QueryVariant, SCHEMA_TEXT, type SchemaVariant } from "./texts.ts";
import type { Universe } from "./Universe.ts";

/** Whether the config's query type-checks against the config's schema (else validation fails). */
export function queryValidAgainst(q: QueryVariant, s: SchemaVariant): boolean {
  if (q === "parse-error" || q === "type-error" || q === "non-utf8") return false;
  if (q === "use-bio") return s === "add-optional" || s === "add-required";
  return true;
}

/**
 * Whether a hostile policy edit stops a clean apply or boot (validation, the payload phase or
 * the policy loader says so, naming the bundle). A misspelled scope key is refused by none of
 * them, so the operator has nothing to react to.
 */
function blocksServing(h: PolicyHostile | null): boolean {
  return h !== null && h !== "misspelled-scope";
}

export const LIVENESS_ROUNDS = 5;
/** Rounds the operator gets to make apply converge once the server serves. */
export const CONVERGENCE_ROUNDS = 10;

/** The operator's hand removal of schema staging the engine refused as ambiguous. */
async function removeAmbiguousStaging(
  u: Universe,
  graphs: readonly string[],
  notes: string[],
): Promise<void> {
  for (const g of graphs) {
    for (const f of STAGING_FILES) await u.world.store.delete(`${ROOT_OF(g)}/${f}`);
    u.world.trace.push({
      t: "note",
      text: `operator removes the ambiguous schema staging files of ${g}, keeping its live schema`,
    });
    notes.push(`removed ambiguous staging ${g}`);
  }
}

/** The operator's hand removal of a schema-apply lock branch no running apply holds. */
async function removeStaleLockBranch(u: Universe, g: string): Promise<void> {
  await u.world.store.delete(`${ROOT_OF(g)}/__manifest/branches/${SCHEMA_APPLY_LOCK_BRANCH}.json`);
  u.world.trace.push({
    t: "note",
    text: `operator removes the stale schema-apply lock branch of ${g}`,
  });
}

/** Graphs (sorted, once each) whose schema apply failed with `fragment` in its message. */
function schemaFailures(
  diags: ReadonlyArray<{ readonly code: string; readonly path: string; readonly message: string }>,
  fragment: string,
): string[] {
  const graphs = diags
    .filter((x) => x.code === "schema_apply_failed" && x.message.includes(fragment))
    .map((x) => x.path.replace(/^schema\./, ""));
  return [...new Set(graphs)].sort();
}

/**
 * The liveness phase, VOPR style: stop every fault, then follow the operator's documented
 * remedy and require a booting server within a bounded number of rounds. The remedy, from
 * the spec: fix an invalid config; force-unlock a lock no command holds; import when there is
 * no ledger yet; run apply (its sweep
 * reconciles sidecars); remove a partial root the sweep reports as incomplete
 * (`graph_create_incomplete`, remove-and-retry); when the sweep keeps a graph pending
 * (`cluster_recovery_pending`), make it openable with a read-write open (the engine's own
 * repair, which the sweep's read-only observation never runs) and record its live state with
 * refresh; remove a stale schema-apply lock branch, or schema staging the engine refuses as
 * ambiguous (both by hand, as the engine's messages say); then boot.
 */
export async function livenessPhase(u: Universe): Promise<LivenessRecord> {
  u.world.failpoints.clearAll();
  u.world.setWriteTrigger({ mode: "off" });
  const fixes: Step[] = [];
  for (const g of u.desired.graphs) {
    if (g.schema === "parse-error")
      fixes.push({ op: "edit-schema", graph: g.id, change: "revert" });
    if (!queryValidAgainst(g.query, g.schema === "parse-error" ? "v1" : g.schema)) {
      fixes.push({ op: "edit-query", graph: g.id, change: "revert" });
    }
  }
  // Validation accepts a bundle whose rule names an undeclared group; serve refuses to load
  // it, and its load error is what tells the operator to fix the bundle.
  if (u.desired.policy.danglingGroup || blocksServing(u.desired.policy.hostile))
    fixes.push({ op: "edit-policy", change: "revert" });
  // A provider profile validation refuses, or one whose key the server's environment lacks
  // (serve quarantines every graph it embeds for, naming the variable).
  if (u.desired.provider.hostile !== null) fixes.push({ op: "edit-provider", change: "revert" });
  // A cluster.yaml that validation refuses: every hostile edit of it is one.
  if (u.desired.cluster !== null) fixes.push({ op: "edit-cluster", change: "revert" });
  for (const f of fixes) await u.run(f, "liveness");

  let converged = false;
  let lastDiags: readonly Diag[] = [];
  let bootOk = false;
  let ready: readonly string[] = [];
  let expected: string[] = [];
  let rounds = 0;
  const notes: string[] = [];
  for (rounds = 1; rounds <= LIVENESS_ROUNDS; rounds++) {
    const round = await remedyApply(u, notes);
    let acted = round.acted;
    if (round.view !== null) {
      converged = round.view.converged;
      lastDiags = round.view.diagnostics;
      // An approved graph delete skipped because an earlier graph-moving change of the run
      // failed keeps the graph recorded and unservable until that failure is fixed: the
      // operator fixes what the config asks the engine for now, not after the server serves.
      if (lastDiags.some((d) => d.code === "graph_delete_skipped"))
        acted = (await fixBlockingConfig(u, lastDiags)) || acted;
    }
    const post = u.latest();
    expected = Object.keys(post?.ledger?.resources ?? {})
      .flatMap((a) => graphIdOf(a) ?? [])
      .sort();
    const boot = await u.run({ op: "boot" }, "liveness");
    if (boot.outcome.kind === "boot") {
      bootOk = boot.outcome.view.ok;
      ready = boot.outcome.view.ready;
      // The same ambiguity can show first at boot (a graph apply had nothing to do for).
      const refused = boot.outcome.view.quarantined
        .filter((q) => q.reason.includes(AMBIGUOUS_STAGING))
        .map((q) => q.graphId)
        .sort();
      await removeAmbiguousStaging(u, refused, notes);
      if (refused.length > 0) acted = true;
      // Done when the server serves every applied graph, unless this round's remedy removed
      // something (a partial root, a stale lock branch, ambiguous staging) that the next
      // round has to redo.
      if (bootOk && expected.every((g) => ready.includes(g)) && !acted) break;
      notes.push(
        bootOk
          ? `round ${rounds}: not ready: ${expected.filter((g) => !ready.includes(g)).join(", ")}`
          : `round ${rounds}: boot failed: ${boot.outcome.view.failureCode}`,
      );
    }
  }
  const settled = converged
    ? { converged, note: "" }
    : await convergencePhase(u, bootOk && expected.every((g) => ready.includes(g)), notes, {
        diags: lastDiags,
      });
  if (settled.note !== "") notes.push(settled.note);
  return {
    ran: true,
    rounds: Math.min(rounds, LIVENESS_ROUNDS),
    converged: settled.converged,
    expectedReady: expected,
    ready,
    bootOk,
    note: notes.join("; "),
  };
}

/**
 * One apply of the documented remedy: force-unlock a lock no command holds, import when there
 * is no ledger, apply, then repair what that apply reports (remove a partial root, make a
 * pending graph openable and refresh it, remove a stale schema-apply lock branch or ambiguous
 * staging). `acted`: something was removed that the next apply has to redo.
 */
async function remedyApply(
  u: Universe,
  notes: string[],
): Promise<{
  readonly view: ApplyView | null;
  readonly acted: boolean;
  readonly refreshed: boolean;
}> {
  let acted = false;
  let refreshed = false;
  if (u.latest()?.lockPresent) await u.run({ op: "force-unlock" }, "liveness");
  let applied = await u.run({ op: "apply" }, "liveness");
  if (
    applied.outcome.kind === "apply" &&
    applied.outcome.view.diagnostics.some((d) => d.code === "state_missing")
  ) {
    // No ledger: the documented remedy is `cluster import`, then apply.
    await u.run({ op: "import" }, "liveness");
    applied = await u.run({ op: "apply" }, "liveness");
  }
  if (applied.outcome.kind === "apply") {
    const diags = applied.outcome.view.diagnostics;
    for (const d of diags.filter((x) => x.code === "graph_create_incomplete")) {
      const g = graphIdOf(d.path) ?? d.path;
      await u.world.store.deletePrefix(ROOT_OF(g));
      u.world.trace.push({ t: "note", text: `operator removes the partial root of ${g}` });
      notes.push(`removed partial root ${g}`);
    }
    const pending = [
      ...new Set(
        diags
          .filter((x) => x.code === "cluster_recovery_pending")
          .flatMap((x) => graphIdOf(x.path) ?? []),
      ),
    ].sort();
    for (const g of pending) {
      if (u.latest()?.graphs[g]?.exists) await u.run({ op: "open-rw", graph: g }, "liveness");
    }
    if (pending.length > 0) {
      await u.run({ op: "refresh" }, "liveness");
      refreshed = true;
    }
    // A crashed engine's schema-apply lock branch blocks every later schema apply on the
    // graph ("already in progress"); with no apply running, the operator removes it by
    // hand (spec §4.8, §8.4 item 2), since no engine API deletes the internal branch.
    const stuck = schemaFailures(diags, "schema apply is already in progress");
    for (const g of stuck) {
      await removeStaleLockBranch(u, g);
      notes.push(`removed stale lock branch ${g}`);
    }
    // A metadata-only schema apply interrupted around its staging leaves staging the engine
    // cannot tell pre- from post-commit (spec A.4); its refusal tells the operator what to
    // do, and keeping the live schema is the choice that needs no knowledge of the crash:
    // remove the staging files (the next apply re-applies the change).
    const ambiguous = schemaFailures(diags, AMBIGUOUS_STAGING);
    await removeAmbiguousStaging(u, ambiguous, notes);
    // A graph delete the operator approved, whose approval a later config edit made stale
    // (it binds the config digest): apply says to re-run `cluster approve` (spec §1.5, §2.6); until
    // then a delete that stopped half way leaves the graph recorded and unopenable.
    for (const g of staleDeleteApprovals(u, diags)) {
      await u.run({ op: "approve", resource: `graph.${g}` }, "liveness");
      notes.push(`re-approved delete ${g}`);
    }
    acted =
      stuck.length > 0 ||
      ambiguous.length > 0 ||
      diags.some((x) => x.code === "graph_create_incomplete");
  }
  return {
    view: applied.outcome.kind === "apply" ? applied.outcome.view : null,
    acted,
    refreshed,
  };
}

/**
 * Graphs the desired config no longer has whose delete apply refused as `approval_stale`
 * (sorted, once each): deletes the operator approved already, so approving again follows the
 * diagnostic's own advice rather than approving a new delete.
 */
export function staleDeleteApprovals(u: Universe, diags: readonly Diag[]): string[] {
  const wanted = new Set(u.desired.graphs.map((g) => g.id));
  const graphs = diags
    .filter((d) => d.code === "approval_stale")
    .flatMap((d) => {
      const id = graphIdOf(d.path);
      return id !== null && !wanted.has(id) ? [id] : [];
    });
  return [...new Set(graphs)].sort();
}

/** The variant whose source is the live schema text, if the operator wrote one. */
function variantOf(text: string | null): SchemaVariant | null {
  if (text === null) return null;
  for (const [v, t] of Object.entries(SCHEMA_TEXT)) if (t === text) return v as SchemaVariant;
  return null;
}

/** The engine's advice on a stale view: refresh the handle and run the command again. */
const RETRY_ADVISED = /stale view of '[^']+'.* refresh and retry/;

/**
 * After the server boots, the operator makes apply converge: what still blocks it is the
 * config asking for what the engine refuses (an unsupported schema change: put back the live
 * schema), agent branches a schema apply refuses (delete them), and graph deletes waiting for
 * approval (approve them). The serve verdicts come from the rounds before this, so a crash
 * loop that only a config fix ends is still reported; this phase judges that a cluster can be
 * brought to its desired state at all.
 */
async function convergencePhase(
  u: Universe,
  served: boolean,
  notes: string[],
  from: { readonly diags: readonly Diag[] },
): Promise<{ readonly converged: boolean; readonly note: string }> {
  if (!served) return { converged: false, note: "" };
  // Starts from the serving rounds' last apply: its diagnostics say what to fix, so the first
  // apply here already runs on a fixed config.
  let last = from.diags;
  let redo = false;
  // Apply stops moving graphs at the first one that fails, so each round may reveal one more
  // graph to fix: allow a round per fix of every graph, and then some.
  for (let round = 1; round <= CONVERGENCE_ROUNDS; round++) {
    const fixed = await fixBlockingConfig(u, last);
    // The first round always applies again: a sweep may settle what the last one left.
    if (round > 1 && !fixed && !redo) break;
    // A refresh of a pending graph lets the next apply's sweep retire its sidecar.
    const { view, acted, refreshed } = await remedyApply(u, notes);
    if (view === null) break;
    if (view.converged) return { converged: true, note: "" };
    last = view.diagnostics;
    // A stale view asks for a retry ("refresh and retry"): the failed apply's own sidecar,
    // rolled back by the next open, re-pins the table the stale view tripped on.
    redo = acted || refreshed || view.diagnostics.some((d) => RETRY_ADVISED.test(d.message));
  }
  const blocking = last
    .filter((d) => d.severity === "error" || d.code === "apply_dependency_blocked")
    .map((d) => `${d.code}@${d.path}: ${d.message}`);
  return { converged: false, note: `not converged: ${blocking.join("; ") || "no diagnostic"}` };
}

/**
 * The operator's answer to what the engine refuses of the config: put back the live schema of a
 * graph whose change is unsupported (and a query that no longer type-checks against it), delete
 * the agent branches a schema apply refuses, approve the graph deletes waiting for approval.
 * Returns whether anything was done.
 */
async function fixBlockingConfig(u: Universe, diags: readonly Diag[]): Promise<boolean> {
  const obs = u.latest();
  let acted = false;
  for (const g of schemaFailures(diags, "is not supported in schema migration")) {
    const back = variantOf(obs?.graphs[g]?.schemaText ?? null) ?? "v1";
    await u.run(
      { op: "edit-schema", graph: g, change: back === "v1" ? "revert" : back },
      "liveness",
    );
    const q = u.desired.graphs.find((x) => x.id === g)?.query;
    if (q !== undefined && !queryValidAgainst(q, back))
      await u.run({ op: "edit-query", graph: g, change: "revert" }, "liveness");
    acted = true;
  }
  for (const g of schemaFailures(diags, "schema apply requires a graph with only main")) {
    const branches = obs?.graphs[g]?.branches ?? [];
    // A stale schema-apply lock branch refuses branch deletes too; no apply is running.
    if (branches.includes(SCHEMA_APPLY_LOCK_BRANCH)) await removeStaleLockBranch(u, g);
    for (const b of branches) {
      if (b === "main" || b === SCHEMA_APPLY_LOCK_BRANCH) continue;
      await u.run({ op: "branch-delete", graph: g, branch: b }, "liveness");
      acted = true;
    }
  }
  const wanted = new Set(u.desired.graphs.map((g) => g.id));
  for (const addr of Object.keys(obs?.ledger?.resources ?? {})) {
    const id = graphIdOf(addr);
    if (id === null || wanted.has(id)) continue;
    await u.run({ op: "approve", resource: addr }, "liveness");
    acted = true;
  }
  return acted;
}
