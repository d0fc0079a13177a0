import { SCHEMA_APPLY_LOCK_BRANCH, STAGING_FILES } from "../../src/engine/layout.ts";
import { AMBIGUOUS_STAGING } from "../findings/metadataOnlyStagingAmbiguity.ts";
import type { Step } from "../scenario/schema.ts";
import { ROOT_OF } from "./observe.ts";
import type { LivenessRecord } from "./records.ts";
import type { QueryVariant, SchemaVariant } from "./texts.ts";
import type { Universe } from "./Universe.ts";

/** Whether the config's query type-checks against the config's schema (else validation fails). */
export function queryValidAgainst(q: QueryVariant, s: SchemaVariant): boolean {
  if (q === "parse-error") return false;
  if (q === "use-bio") return s === "add-optional" || s === "add-required";
  return true;
}

export const LIVENESS_ROUNDS = 5;

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
  if (u.desired.policy.danglingGroup) fixes.push({ op: "edit-policy", change: "revert" });
  for (const f of fixes) await u.run(f, "liveness");

  let converged = false;
  let bootOk = false;
  let ready: readonly string[] = [];
  let expected: string[] = [];
  let rounds = 0;
  const notes: string[] = [];
  for (rounds = 1; rounds <= LIVENESS_ROUNDS; rounds++) {
    let acted = false;
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
      converged = applied.outcome.view.converged;
      for (const d of diags.filter((x) => x.code === "graph_create_incomplete")) {
        const g = d.path.replace(/^graph\./, "");
        await u.world.store.deletePrefix(ROOT_OF(g));
        u.world.trace.push({ t: "note", text: `operator removes the partial root of ${g}` });
        notes.push(`removed partial root ${g}`);
      }
      const pending = [
        ...new Set(
          diags
            .filter((x) => x.code === "cluster_recovery_pending" && x.path.startsWith("graph."))
            .map((x) => x.path.slice(6)),
        ),
      ].sort();
      for (const g of pending) {
        if (u.latest()?.graphs[g]?.exists) await u.run({ op: "open-rw", graph: g }, "liveness");
      }
      if (pending.length > 0) await u.run({ op: "refresh" }, "liveness");
      // A crashed engine's schema-apply lock branch blocks every later schema apply on the
      // graph ("already in progress"); with no apply running, the operator removes it by
      // hand (spec §4.8, §8.4 item 2), since no engine API deletes the internal branch.
      const stuck = schemaFailures(diags, "schema apply is already in progress");
      for (const g of stuck) {
        await u.world.store.delete(
          `${ROOT_OF(g)}/__manifest/branches/${SCHEMA_APPLY_LOCK_BRANCH}.json`,
        );
        u.world.trace.push({
          t: "note",
          text: `operator removes the stale schema-apply lock branch of ${g}`,
        });
        notes.push(`removed stale lock branch ${g}`);
      }
      // A metadata-only schema apply interrupted around its staging leaves staging the engine
      // cannot tell pre- from post-commit (spec A.4); its refusal tells the operator what to
      // do, and keeping the live schema is the choice that needs no knowledge of the crash:
      // remove the staging files (the next apply re-applies the change).
      const ambiguous = schemaFailures(diags, AMBIGUOUS_STAGING);
      await removeAmbiguousStaging(u, ambiguous, notes);
      acted =
        stuck.length > 0 ||
        ambiguous.length > 0 ||
        diags.some((x) => x.code === "graph_create_incomplete");
    }
    const post = u.latest();
    expected = Object.keys(post?.ledger?.resources ?? {})
      .filter((a) => a.startsWith("graph."))
      .map((a) => a.slice(6))
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
  return {
    ran: true,
    rounds: Math.min(rounds, LIVENESS_ROUNDS),
    converged,
    expectedReady: expected,
    ready,
    bootOk,
    note: notes.join("; "),
  };
}
