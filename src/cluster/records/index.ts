export {
  type ApprovalArtifact,
  ApprovalArtifactSchema,
  approvalToJson,
  fromParsedApproval,
} from "./approval.ts";
export {
  type EmbeddingProfile,
  EmbeddingProfileSchema,
  profilesEqual,
  profileToJson,
} from "./embeddingProfile.ts";
export { type JsonValue, parseJson } from "./json.ts";
export { type LockOperation, lockToJson, type StateLockFile, StateLockFileSchema } from "./lock.ts";
export {
  fromParsedSidecar,
  type RecoverySidecar,
  type RecoverySidecarKind,
  RecoverySidecarKindSchema,
  RecoverySidecarSchema,
  sidecarToJson,
} from "./sidecar.ts";
export {
  type ClusterState,
  ClusterStateSchema,
  cloneState,
  emptyState,
  fromParsedState,
  type StateResource,
  stateFingerprint,
  stateResourceDigests,
  stateToJson,
} from "./state.ts";
export {
  appliedStatus,
  type ResourceLifecycleStatus,
  ResourceLifecycleStatusSchema,
  type ResourceStatusRecord,
  type ResourceStatusRecordJson,
  ResourceStatusRecordSchema,
  statusToJson,
} from "./status.ts";
export { describeIssues, sortedEntries, sortedObject } from "./zodText.ts";
