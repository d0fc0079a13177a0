import type { Rng } from "../../src/world/rng.ts";
import type { DrawView } from "../ops/OpSpec.ts";
import type { Step } from "../scenario/schema.ts";
import { queryValidAgainst } from "./liveness.ts";

/** Schema classes the loader or the engine refuses: apply stays blocked until the file changes. */
const REFUSED_SCHEMAS: ReadonlySet<string> = new Set([
  "parse-error",
  "add-required",
  "type-change",
]);
/** What an operator rewrites a refused schema to (each one apply accepts). */
const ACCEPTED_SCHEMAS = [
  "revert",
  "add-optional",
  "add-type",
  "comment-only",
  "describe",
] as const;

type Drawn = Step extends infer S
  ? S extends Step
    ? Omit<S, "crash" | "expect" | "race">
    : never
  : never;

/**
 * What an operator who reads apply's diagnostics does next: remove a lock no command holds,
 * rewrite the file apply refuses (a schema or query that does not load, a hostile policy,
 * provider or cluster.yaml edit), approve the deletion apply waits for. Every candidate is
 * read off the universe's own state (the desired config and the last observation), so the
 * draw needs no outcome of an earlier step. Null when nothing blocks apply.
 *
 * Without it a universe spends most of its life with apply blocked by one broken file or one
 * stale lock (measured: 2 in 3 applies of the default fleet changed nothing or failed on
 * config), and the graph-moving paths, where the sidecar choreography lives, are rare.
 */
export function remedyStep(rng: Rng, v: DrawView): Drawn | null {
  const d = v.desired;
  const out: Drawn[] = [];
  if (v.obs.lockPresent) out.push({ op: "force-unlock" });
  for (const g of d.graphs) {
    if (REFUSED_SCHEMAS.has(g.schema))
      out.push({ op: "edit-schema", graph: g.id, change: rng.pick(ACCEPTED_SCHEMAS) });
    else if (!queryValidAgainst(g.query, g.schema))
      out.push({ op: "edit-query", graph: g.id, change: "revert" });
  }
  if (d.policy.hostile !== null || d.policy.danglingGroup)
    out.push({ op: "edit-policy", change: "revert" });
  if (d.provider.hostile !== null) out.push({ op: "edit-provider", change: "revert" });
  if (d.cluster !== null) out.push({ op: "edit-cluster", change: "revert" });
  for (const g of v.ledgerGraphs)
    if (!v.desiredIds.includes(g)) out.push({ op: "approve", resource: `graph.${g}` });
  return out.length === 0 ? null : rng.pick(out);
}
