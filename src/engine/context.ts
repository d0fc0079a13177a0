import type { Process } from "../world/process.ts";
import { EngineError } from "./errors.ts";
import type { CompiledSchema } from "./schema/compile.ts";
import type { GraphStorage } from "./store/graphStorage.ts";

export type OpenMode = "read_write" | "read_only";

/** The engine-layer policy actions the model gates (upstream's `PolicyAction` subset). */
export type PolicyAction = "schema_apply" | "branch_create" | "branch_delete" | "change";

/** Returns a denial reason, or null to allow. */
export type PolicyChecker = (action: PolicyAction, actor: string) => string | null;

/** What one open graph handle holds in memory: the process, its storage, the live schema. */
export interface GraphContext {
  readonly proc: Process;
  readonly storage: GraphStorage;
  readonly mode: OpenMode;
  readonly policy: PolicyChecker | null;
  live: { source: string; compiled: CompiledSchema };
}

export function ensureWritable(ctx: GraphContext, operation: string): void {
  if (ctx.mode !== "read_write") {
    throw new EngineError(
      "read_only",
      `${operation} requires a read-write open of '${ctx.storage.root}'`,
    );
  }
}

/**
 * Upstream's `enforce`: no checker → allowed; a checker and no actor → refused (forgetting
 * the actor must not be a silent bypass); otherwise the checker decides.
 */
export function enforcePolicy(
  ctx: GraphContext,
  action: PolicyAction,
  actor: string | null | undefined,
): void {
  if (ctx.policy === null) return;
  if (actor === null || actor === undefined) {
    throw new EngineError(
      "policy_denied",
      "policy: no actor for engine-layer policy check (policy is configured but the call site didn't thread an actor through — this is almost certainly a bug, not an intended bypass)",
    );
  }
  const denial = ctx.policy(action, actor);
  if (denial !== null) throw new EngineError("policy_denied", `policy: ${denial}`);
}
