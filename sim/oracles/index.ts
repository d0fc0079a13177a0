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
import { quarantineLocality } from "./quarantineLocality.ts";
import { serveLiveness } from "./serveLiveness.ts";
import { sidecarLostAfterMovement } from "./sidecarLostAfterMovement.ts";
import { sidecarOrphanedByRejection } from "./sidecarOrphanedByRejection.ts";

export interface OracleDeps {
  /** Whether two schema sources compile to the same schema. */
  readonly sameSchema: (a: string, b: string) => boolean;
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
    expectations,
  ];
}
