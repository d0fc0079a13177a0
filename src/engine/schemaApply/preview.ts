import { EngineError } from "../errors.ts";
import { compileOrReject } from "../init.ts";
import type { CompiledSchema } from "../schema/compile.ts";
import { type MigrationPlan, planMigration, planRejection } from "../schema/plan.ts";
import { listBranches } from "../store/branches.ts";
import type { GraphStorage } from "../store/graphStorage.ts";
import { readAcceptedIr, validateSchemaContract } from "../store/schemaFiles.ts";
import { blockingBranches, nonMainBranchesError } from "./lock.ts";

/** What a preview returns: the (supported) plan and the desired compiled schema. */
export interface SchemaApplyPreview {
  readonly plan: MigrationPlan;
  readonly catalog: CompiledSchema;
}

export interface SchemaApplyOptions {
  readonly allowDataLoss: boolean;
}

/**
 * Upstream's `plan_schema_for_apply` (spec §4.5), shared by preview and apply: contract,
 * non-main branches, accepted IR, desired source, plan. Reads only.
 */
export async function planForApply(
  storage: GraphStorage,
  source: string,
  opts: SchemaApplyOptions,
): Promise<SchemaApplyPreview> {
  await validateSchemaContract(storage);
  const blocking = blockingBranches(await listBranches(storage));
  if (blocking.length > 0) throw nonMainBranchesError(blocking);
  const accepted = await readAcceptedIr(storage);
  const desired = compileOrReject(source);
  const plan = planMigration(accepted, desired, opts);
  const rejection = planRejection(plan);
  if (rejection !== null) throw new EngineError("unsupported_migration", rejection);
  return { plan, catalog: desired };
}
