/** The cluster control plane model (upstream omnigraph-cluster @7fd23c54). */
export * from "./addresses.ts";
export * from "./catalogCheck.ts";
export * from "./classify.ts";
export { type ApplyOptions, apply } from "./commands/apply.ts";
export { approve } from "./commands/approve.ts";
export {
  type ClusterContext,
  dependenciesJson,
  digestsJson,
  planChangeJson,
  resourcesJson,
  statusesJson,
} from "./commands/context.ts";
export { forceUnlock } from "./commands/forceUnlock.ts";
export { selectStore, storeForOutcome, withLockedLedger } from "./commands/open.ts";
export { plan } from "./commands/plan.ts";
export { rereadSchemaSource, writeResourcePayload } from "./commands/source.ts";
export { status } from "./commands/status.ts";
export { importState, refresh, type StateSyncOperation } from "./commands/sync.ts";
export { validate } from "./commands/validate.ts";
export * from "./config/desired.ts";
export { secretRefName, validateEmbeddingProfile } from "./config/embedding.ts";
export { type ClusterSettings, storageRootOf, validateClusterHeader } from "./config/header.ts";
export * from "./config/ids.ts";
export { type LoadOutcome, loadDesired } from "./config/load.ts";
export { decodeClusterYaml, type ParsedConfig, parseClusterConfig } from "./config/parse.ts";
export { resolveQueryDecls, validateQuerySource } from "./config/queries.ts";
export {
  canonicalConfig,
  type GraphConfig,
  type PolicyConfig,
  type QueriesDecl,
  type RawClusterConfig,
  RawClusterConfigSchema,
} from "./config/raw.ts";
export {
  duplicateKeyDiagnostics,
  FUTURE_PHASE_FIELDS,
  futureFieldDiagnostics,
} from "./config/yamlScan.ts";
export * from "./constants.ts";
export * from "./diagnostics.ts";
export * from "./diff.ts";
export * from "./digests.ts";
export * from "./engine.ts";
export * from "./engineLang.ts";
export { maybeFail } from "./failpoints.ts";
export * from "./format.ts";
export { observeDeclaredGraphs, observeLiveGraph } from "./observe.ts";
export * from "./outputs.ts";
export * from "./plan.ts";
export * from "./records/index.ts";
export * from "./stateOps.ts";
export type { Result } from "./store/attempt.ts";
export * from "./store/ClusterStore.ts";
export {
  parseLockText,
  parseStateText,
  serializeApproval,
  serializeLock,
  serializeSidecar,
  serializeState,
} from "./store/codecs.ts";
export type { StateSnapshot } from "./store/ledger.ts";
export * from "./store/locations.ts";
export { type LockGuard, stateLockHeldMessage } from "./store/lock.ts";
export * from "./store/observations.ts";
export * from "./sweep.ts";
export * from "./worktree.ts";
