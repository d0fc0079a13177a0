import { acceptedPolicyUnservable } from "./acceptedPolicyUnservable.ts";
import { bootRacesSidecarRetirement } from "./bootRacesSidecarRetirement.ts";
import { bootstrapContractNotAtomic } from "./bootstrapContractNotAtomic.ts";
import { commentOnlyDigestDefeatsProof } from "./commentOnlyDigestDefeatsProof.ts";
import { deleteTombstoneLost } from "./deleteTombstoneLost.ts";
import { droppedTypeCannotReturn } from "./droppedTypeCannotReturn.ts";
import { initCleanupDestroysCommittedGraph } from "./initCleanupDestroysCommittedGraph.ts";
import type { KnownFinding } from "./KnownFinding.ts";
import { lateEngineCompletion } from "./lateEngineCompletion.ts";
import { legacyBindingsDemoted } from "./legacyBindingsDemoted.ts";
import { localLedgerSwapNotAtomic } from "./localLedgerSwapNotAtomic.ts";
import { metadataOnlyStagingAmbiguity } from "./metadataOnlyStagingAmbiguity.ts";
import { openTimeRecoveryRaces } from "./openTimeRecoveryRaces.ts";
import { partialDeleteTakenBack } from "./partialDeleteTakenBack.ts";
import { partialStagingPromotion } from "./partialStagingPromotion.ts";
import { promotionCopyCleanedAsNoop } from "./promotionCopyCleanedAsNoop.ts";
import { providerKeyUnresolvedAtServe } from "./providerKeyUnresolvedAtServe.ts";
import { refreshDropsLiveGraph } from "./refreshDropsLiveGraph.ts";
import { removedGraphStaysPending } from "./removedGraphStaysPending.ts";
import { rolledBackDatasetBlocksRetry } from "./rolledBackDatasetBlocksRetry.ts";
import { s3LeftoversHideFromRootProbe } from "./s3LeftoversHideFromRootProbe.ts";
import { schemaSidecarOutlivesDelete } from "./schemaSidecarOutlivesDelete.ts";
import { stagingPromotedThenRolledBack } from "./stagingPromotedThenRolledBack.ts";
import { twoBundlesOneScope } from "./twoBundlesOneScope.ts";

/** Upstream defects the model reproduces on purpose, reported as known instead of failing. */
export const KNOWN_FINDINGS: readonly KnownFinding[] = [
  partialStagingPromotion,
  legacyBindingsDemoted,
  lateEngineCompletion,
  metadataOnlyStagingAmbiguity,
  commentOnlyDigestDefeatsProof,
  initCleanupDestroysCommittedGraph,
  openTimeRecoveryRaces,
  stagingPromotedThenRolledBack,
  acceptedPolicyUnservable,
  refreshDropsLiveGraph,
  rolledBackDatasetBlocksRetry,
  droppedTypeCannotReturn,
  providerKeyUnresolvedAtServe,
  twoBundlesOneScope,
  localLedgerSwapNotAtomic,
  s3LeftoversHideFromRootProbe,
  partialDeleteTakenBack,
  schemaSidecarOutlivesDelete,
  removedGraphStaysPending,
  bootRacesSidecarRetirement,
  bootstrapContractNotAtomic,
  promotionCopyCleanedAsNoop,
  deleteTombstoneLost,
];
