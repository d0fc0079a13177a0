import type { Violation } from "../universe/result.ts";
import { type Oracle, reporter } from "./Oracle.ts";

const NAME = "ledger-never-rolls-back";
const CODES = ["ledger_vanished", "revision_went_back", "rewritten_without_revision"] as const;
const report = reporter(NAME, CODES);

/**
 * The ledger only moves forward: once it exists it never disappears, its revision never
 * decreases, and every change of its content comes with a higher revision (the legacy-strip
 * step, which plays an old Omnigraph rewriting it in place, is the one exemption).
 */
export const ledgerNeverRollsBack: Oracle = {
  name: NAME,
  codes: CODES,
  description:
    "the ledger never disappears, never goes back a revision, and never changes without a new revision",
  judge(input) {
    const out: Violation[] = [];
    for (const r of input.records) {
      const a = r.pre.ledger;
      const b = r.post.ledger;
      if (a === null || r.step.op === "legacy-strip") continue;
      if (b === null) {
        out.push(
          report("ledger_vanished", r.index, "the ledger to keep existing", "state.json is gone"),
        );
        continue;
      }
      if (a.revision !== null && b.revision !== null) {
        if (b.revision < a.revision) {
          out.push(
            report(
              "revision_went_back",
              r.index,
              `state_revision >= ${a.revision}`,
              `state_revision ${b.revision}`,
            ),
          );
        } else if (b.text !== a.text && b.revision === a.revision) {
          out.push(
            report(
              "rewritten_without_revision",
              r.index,
              `a content change to come with state_revision > ${a.revision}`,
              `content changed at revision ${b.revision}`,
            ),
          );
        }
      }
    }
    return out;
  },
};
