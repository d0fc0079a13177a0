import { acceptedMeansServable } from "./acceptedMeansServable.ts";
import { acknowledgedMeansDurable } from "./acknowledgedMeansDurable.ts";
import { backfillHealsLegacyLedger } from "./backfillHealsLegacyLedger.ts";
import { cleanupFailureIsVisible } from "./cleanupFailureIsVisible.ts";
import { concurrentWritesSerialize } from "./concurrentWritesSerialize.ts";
import { crashContract } from "./crashContract.ts";
import { expectations } from "./expectations.ts";
import { makeLedgerConvergesToReality } from "./ledgerConvergesToReality.ts";
import { ledgerNeverRollsBack } from "./ledgerNeverRollsBack.ts";
import type { Oracle } from "./Oracle.ts";
import { observationRecordsReality } from "./observationRecordsReality.ts";
import { makeOutcomesAreExplained } from "./outcomesAreExplained.ts";
import { quarantineLocality } from "./quarantineLocality.ts";
import { serveLiveness } from "./serveLiveness.ts";
import { sidecarLostAfterMovement } from "./sidecarLostAfterMovement.ts";
import { sidecarOrphanedByRejection } from "./sidecarOrphanedByRejection.ts";

export interface OracleDeps {
  /** Whether two schema sources compile to the same schema. */
  readonly sameSchema: (a: string, b: string) => boolean;
  /** What the engine's planner rejects a change from `live` to `desired` with, if anything. */
  readonly schemaRejection: (live: string, desired: string) => string | null;
  /** Why serve's policy loader refuses a bundle for a scope, or null when it loads. */
  readonly bundleRefusal: (text: string, scope: string) => string | null;
}

/** Every oracle, in a fixed order (violations are reported in this order). */
export function allOracles(deps: OracleDeps): readonly Oracle[] {
  return [
    sidecarOrphanedByRejection,
    sidecarLostAfterMovement,
    serveLiveness,
    quarantineLocality,
    ledgerNeverRollsBack,
    makeLedgerConvergesToReality(deps.sameSchema),
    acknowledgedMeansDurable,
    backfillHealsLegacyLedger,
    cleanupFailureIsVisible,
    crashContract,
    concurrentWritesSerialize,
    acceptedMeansServable,
    makeOutcomesAreExplained(deps),
    observationRecordsReality,
    expectations,
  ];
}
