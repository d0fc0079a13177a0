export {
  type BearerToken,
  bearerTokensFromEnv,
  classifyRuntimeState,
  type Env,
  envFlag,
  type RuntimeState,
  RuntimeStateSchema,
} from "./auth.ts";
export {
  type BootOptions,
  type BootOutcome,
  bootServer,
  bootServerWithRegistry,
  DEFAULT_CLUSTER_ROOT,
} from "./boot.ts";
export {
  type EmbeddingSummary,
  type ResolvedEmbedding,
  resolveEmbeddingProfile,
} from "./embedding.ts";
export {
  type ErrorCode,
  handle,
  InvokeBodySchema,
  SERVER_VERSION,
  type ServerRequest,
  type ServerResponse,
} from "./handler.ts";
export { type HttpServerOptions, type RunningHttpServer, startHttpServer } from "./http/server.ts";
export { paramsFromJson } from "./params.ts";
export {
  type PolicyAction,
  type PolicyConfig,
  type PolicyDecision,
  PolicyEngine,
  type PolicyRequest,
  parsePolicyConfig,
} from "./policy.ts";
export {
  type GraphHandle,
  graphIdProblem,
  requiresBearerAuth,
  type ServerRegistry,
} from "./registry.ts";
export {
  BOOT_FAILURE_CODES,
  type BootFailureCode,
  type BootResult,
  BootResultSchema,
  formatBootResult,
  QUARANTINE_CODES,
  type Quarantine,
  type QuarantineCode,
  type ReadyGraph,
} from "./result.ts";
export { type GraphStartupConfig, loadStartupSettings, type StartupSettings } from "./settings.ts";
export {
  openServingStore,
  readServingSnapshot,
  readSnapshotWithStore,
  type ServingGraph,
  type ServingPolicy,
  type ServingQuery,
  type ServingSnapshot,
  type ServingSource,
} from "./snapshot.ts";
