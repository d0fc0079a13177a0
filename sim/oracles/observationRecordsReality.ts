import type { Violation } from "../universe/result.ts";
import { type Oracle, reporter } from "./Oracle.ts";

const NAME = "observation-records-reality";
const CODES = ["live_graph_dropped", "missing_graph_recorded"] as const;
const report = reporter(NAME, CODES);

/**
 * `cluster refresh` and `cluster import` exist to write down what the graphs observably are.
 * When one succeeds, every declared graph whose root is there must be in the ledger, and no
 * declared graph whose root is gone: a storage error while observing is an error to report,
 * never a fact ("the graph is gone") to record. A ledger that forgets a live graph makes the
 * next apply create it again over its own root.
 */
export const observationRecordsReality: Oracle = {
  name: NAME,
  codes: CODES,
  description:
    "a successful refresh or import records every declared graph whose root exists, and none whose root is gone",
  judge(input) {
    const out: Violation[] = [];
    for (const r of input.records) {
      if (r.step.op !== "refresh" && r.step.op !== "import") continue;
      if (r.outcome.kind !== "command" || !r.outcome.view.ok) continue;
      const ledger = r.post.ledger;
      if (ledger === null || !ledger.parsed) continue;
      for (const g of r.desired.graphs) {
        const root = r.post.graphs[g.id];
        const recorded = `graph.${g.id}` in ledger.resources;
        if (root?.exists && !recorded)
          out.push(
            report(
              "live_graph_dropped",
              r.index,
              `'${g.id}' in the ledger: its root exists (main at v${root.mainVersion ?? "?"})`,
              `the ledger no longer records '${g.id}'`,
            ),
          );
        else if (!root?.exists && recorded)
          out.push(
            report(
              "missing_graph_recorded",
              r.index,
              `'${g.id}' not in the ledger: it has no root`,
              `the ledger records '${g.id}'`,
            ),
          );
      }
    }
    return out;
  },
};
