import { graphIdOf } from "../../src/cluster/addresses.ts";
import type { Violation } from "../universe/result.ts";
import { type Oracle, reporter } from "./Oracle.ts";

const NAME = "ledger-converges-to-reality";
const CODES = ["recorded_graph_missing", "recorded_schema_differs"] as const;
const report = reporter(NAME, CODES);

/**
 * When apply reports convergence, the ledger describes the graphs as they are: every graph
 * it records has a root, and the schema it records compiles to the schema the graph holds.
 * Compared by compiled meaning through `sameSchema`, because a comment-only edit changes the
 * digest but not the graph (spec appendix A.2).
 */
export function makeLedgerConvergesToReality(
  sameSchema: (a: string, b: string) => boolean,
): Oracle {
  return {
    name: NAME,
    codes: CODES,
    description: "a converged ledger records exactly the graphs and schemas that exist",
    judge(input) {
      const out: Violation[] = [];
      for (const r of input.records) {
        if (r.outcome.kind !== "apply" || !r.outcome.view.converged || !r.outcome.view.ok) continue;
        const ledger = r.post.ledger;
        if (!ledger) continue;
        for (const addr of Object.keys(ledger.resources)) {
          const g = graphIdOf(addr);
          if (g === null) continue;
          const view = r.post.graphs[g];
          if (!view?.exists) {
            out.push(
              report(
                "recorded_graph_missing",
                r.index,
                `a root for '${g}', which the converged ledger records`,
                "no graph root",
              ),
            );
            continue;
          }
          // A recovery sidecar for the graph is the explicit record that its state may differ
          // from the ledger until a sweep reconciles it.
          if (r.post.sidecars.some((sc) => sc.graphId === g)) continue;
          const recorded = ledger.resources[`schema.${g}`]?.digest;
          if (
            typeof recorded !== "string" ||
            view.schemaText === null ||
            recorded === view.schemaDigest
          )
            continue;
          const recordedText = input.sourcesByDigest.get(recorded);
          if (recordedText !== undefined && sameSchema(recordedText, view.schemaText)) continue;
          out.push(
            report(
              "recorded_schema_differs",
              r.index,
              `'${g}' holds the schema the converged ledger records (${recorded.slice(0, 12)})`,
              `live schema ${String(view.schemaDigest).slice(0, 12)}`,
            ),
          );
        }
      }
      return out;
    },
  };
}
