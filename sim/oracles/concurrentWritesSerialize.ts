import type { Outcome } from "../universe/records.ts";
import type { Violation } from "../universe/result.ts";
import { type Oracle, reporter } from "./Oracle.ts";

const NAME = "concurrent-writes-serialize";
const CODES = ["lost_concurrent_write"] as const;
const report = reporter(NAME, CODES);

/**
 * A write whose outcome the actor cannot know (it died, or the write call itself failed), or
 * cannot tell from its output: a refresh writes the ledger even when it reports errors (spec
 * §2.18, "always (revision + 1), even with errors"), so an unsuccessful refresh may or may not
 * have written.
 */
function indeterminate(o: Outcome): boolean {
  if (o.kind === "died") return true;
  if (o.kind === "command" && !o.view.ok)
    if ((o.view as { operation?: string }).operation === "refresh") return true;
  if (o.kind === "apply" || o.kind === "command")
    return o.view.diagnostics.some((d) => d.code === "state_write_error");
  return false;
}

function wrote(o: Outcome): boolean {
  if (o.kind === "apply") return o.view.state_written;
  if (o.kind === "command")
    return o.view.ok && (o.view as { operation?: string }).operation !== undefined;
  return false;
}

/**
 * Concurrent state-mutating commands serialise through the ledger's compare-and-swap: every
 * write that reports success advances the revision by exactly one, so a write is never lost
 * under another (the revision moves by as many as reported writing), and a loser of the race
 * says so (`state_cas_mismatch`) instead of reporting success.
 */
export const concurrentWritesSerialize: Oracle = {
  name: NAME,
  codes: CODES,
  description:
    "concurrent ledger writes serialise: each acknowledged write advances the revision by one",
  judge(input) {
    const out: Violation[] = [];
    for (const r of input.records) {
      if (r.outcome.kind !== "concurrent") continue;
      const before = r.pre.ledger?.revision ?? null;
      const after = r.post.ledger?.revision ?? null;
      if (before === null || after === null) continue;
      const acknowledged = r.outcome.outcomes.filter(wrote).length;
      // A write that failed in flight may still have landed (a lost acknowledgement): it may
      // or may not count, like Jepsen's :info operations.
      const unknown = r.outcome.outcomes.filter(indeterminate).length;
      if (after - before < acknowledged || after - before > acknowledged + unknown) {
        out.push(
          report(
            "lost_concurrent_write",
            r.index,
            `the revision to move by the ${acknowledged} write(s) the actors acknowledged${unknown ? ` (+ up to ${unknown} in doubt)` : ""} (from ${before})`,
            `it moved to ${after}`,
          ),
        );
      }
    }
    return out;
  },
};
