import type { Violation } from "../universe/result.ts";
import { type Oracle, reporter } from "./Oracle.ts";

const NAME = "backfill-heals-legacy-ledger";
const CODES = ["policy_bindings_not_backfilled", "embedding_profile_not_backfilled"] as const;
const report = reporter(NAME, CODES);

/**
 * Metadata the server needs but the digests do not cover (policy bindings, embedding
 * profiles) must be present after any apply that reports convergence without errors (a failed
 * state write reports convergence of what it computed, not of what it persisted): a plain apply heals a
 * ledger an older Omnigraph wrote.
 */
export const backfillHealsLegacyLedger: Oracle = {
  name: NAME,
  codes: CODES,
  description:
    "a converged apply leaves every policy with bindings and every provider with a profile",
  judge(input) {
    const out: Violation[] = [];
    for (const r of input.records) {
      if (r.outcome.kind !== "apply" || !r.outcome.view.converged || !r.outcome.view.ok) continue;
      const ledger = r.post.ledger;
      if (!ledger) continue;
      for (const [addr, entry] of Object.entries(ledger.resources)) {
        if (addr.startsWith("policy.") && entry.applies_to === undefined) {
          out.push(
            report(
              "policy_bindings_not_backfilled",
              r.index,
              `${addr} with applies_to`,
              "applies_to missing after a converged apply",
            ),
          );
        }
        if (addr.startsWith("provider.embedding.") && entry.embedding_profile === undefined) {
          out.push(
            report(
              "embedding_profile_not_backfilled",
              r.index,
              `${addr} with embedding_profile`,
              "embedding_profile missing after a converged apply",
            ),
          );
        }
      }
    }
    return out;
  },
};
