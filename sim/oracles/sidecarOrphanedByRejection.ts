import type { GraphView } from "../universe/observe.ts";
import { ROOT_OF } from "../universe/observe.ts";
import type { Violation } from "../universe/result.ts";
import { type Oracle, reporter, stepEvents } from "./Oracle.ts";

const NAME = "sidecar-orphaned-by-rejection";
const CODES = ["sidecar_survived_pre_movement_rejection"] as const;
const report = reporter(NAME, CODES);

function unmoved(a: GraphView | undefined, b: GraphView | undefined): boolean {
  return (
    a !== undefined &&
    b !== undefined &&
    a.exists === b.exists &&
    a.mainVersion === b.mainVersion &&
    a.schemaDigest === b.schemaDigest &&
    a.staging === b.staging &&
    a.engineSidecars === b.engineSidecars
  );
}

/**
 * After a schema apply the engine rejected before the graph moved, no sidecar for that graph
 * may remain: a stale sidecar quarantines the graph at serve, and re-running apply re-arms it
 * (the #284 crash loop). "Before it moved" is judged from outside: the graph's main version,
 * live schema and engine residue are exactly what they were before the step. A failed cleanup
 * the apply reported (`recovery_sidecar_cleanup_failed`) is a visible, legitimate leftover.
 */
export const sidecarOrphanedByRejection: Oracle = {
  name: NAME,
  codes: CODES,
  description:
    "no recovery sidecar survives a schema change the engine rejected before moving the graph",
  judge(input) {
    const out: Violation[] = [];
    for (const r of input.records) {
      if (r.outcome.kind !== "apply") continue;
      const diags = r.outcome.view.diagnostics;
      const preKeys = new Set(r.pre.sidecars.map((s) => s.key));
      for (const d of diags) {
        if (d.code !== "schema_apply_failed" || !d.path.startsWith("schema.")) continue;
        const g = d.path.slice("schema.".length);
        if (!unmoved(r.pre.graphs[g], r.post.graphs[g])) continue;
        const fresh = r.post.sidecars.filter((s) => s.graphId === g && !preKeys.has(s.key));
        const visible = diags.some(
          (x) =>
            x.code === "recovery_sidecar_cleanup_failed" &&
            fresh.some((s) => x.path.endsWith(s.key)),
        );
        // When reads of the graph failed in this step, the pre-movement proof could not tell,
        // and keeping the sidecar is the specified conservative answer (spec §4.9).
        const root = ROOT_OF(g);
        const couldNotTell = stepEvents(input, r).some(
          (e) => e.t === "fault" && e.kind === "read-error" && e.key.startsWith(root),
        );
        if (fresh.length > 0 && !visible && !couldNotTell) {
          out.push(
            report(
              "sidecar_survived_pre_movement_rejection",
              r.index,
              `no recovery sidecar for '${g}' after its schema apply was rejected with the graph unmoved`,
              `${fresh.length} new sidecar(s) for '${g}' (${fresh.map((s) => s.key).join(", ")}); rejection: ${d.message}`,
            ),
          );
        }
      }
    }
    return out;
  },
};
