import type { Violation } from "../universe/result.ts";
import { type Oracle, reporter } from "./Oracle.ts";

const NAME = "acknowledged-means-durable";
const CODES = ["acknowledged_write_missing", "acknowledged_change_lost"] as const;
const report = reporter(NAME, CODES);

/**
 * An apply that reported its state written lost nothing: right after it, the ledger holds
 * every change it reports as applied (the after digest, or the absence of a deleted
 * resource), at a revision above the one it read.
 */
export const acknowledgedMeansDurable: Oracle = {
  name: NAME,
  codes: CODES,
  description: "an apply that reports its state written has really persisted every applied change",
  judge(input) {
    const out: Violation[] = [];
    for (const r of input.records) {
      if (r.outcome.kind !== "apply" || !r.outcome.view.state_written) continue;
      const ledger = r.post.ledger;
      if (!ledger) {
        out.push(
          report(
            "acknowledged_write_missing",
            r.index,
            "a ledger after an acknowledged state write",
            "no state.json",
          ),
        );
        continue;
      }
      if (
        r.pre.ledger?.revision != null &&
        ledger.revision !== null &&
        ledger.revision <= r.pre.ledger.revision
      ) {
        out.push(
          report(
            "acknowledged_write_missing",
            r.index,
            `state_revision above ${r.pre.ledger.revision}`,
            `state_revision ${ledger.revision}`,
          ),
        );
      }
      for (const c of r.outcome.view.changes) {
        if (c.disposition !== "applied") continue;
        const entry = ledger.resources[c.resource];
        if (c.operation === "delete") {
          if (entry !== undefined) {
            out.push(
              report(
                "acknowledged_change_lost",
                r.index,
                `${c.resource} removed from the ledger`,
                "still recorded",
              ),
            );
          }
        } else if (entry?.digest !== c.after_digest) {
          out.push(
            report(
              "acknowledged_change_lost",
              r.index,
              `${c.resource} recorded at ${String(c.after_digest).slice(0, 12)}`,
              entry ? `recorded at ${String(entry.digest).slice(0, 12)}` : "not recorded",
            ),
          );
        }
      }
    }
    return out;
  },
};
