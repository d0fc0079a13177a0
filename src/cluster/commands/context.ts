import type { Process } from "../../world/process.ts";
import { rethrowDeath } from "../../world/process.ts";
import type { Dependency, ResourceSummary } from "../config/desired.ts";
import { type Diagnostic, error, errorText } from "../diagnostics.ts";
import type { PlanChange } from "../plan.ts";
import {
  type ResourceStatusRecord,
  type ResourceStatusRecordJson,
  statusToJson,
} from "../records/status.ts";
import { sortedObject } from "../records/zodText.ts";
import type { WorkTree } from "../worktree.ts";

/** What every cluster command runs against: a process, the working tree, the config dir in it. */
export interface ClusterContext {
  readonly proc: Process;
  readonly workTree: WorkTree;
  readonly configDir: string;
}

/** Output key order of a plan change, whatever order its fields were filled in. */
export function planChangeJson(c: PlanChange): PlanChange {
  const out: PlanChange = { resource: c.resource, operation: c.operation };
  if (c.before_digest !== undefined) out.before_digest = c.before_digest;
  if (c.after_digest !== undefined) out.after_digest = c.after_digest;
  if (c.disposition !== undefined) out.disposition = c.disposition;
  if (c.reason !== undefined) out.reason = c.reason;
  if (c.binding_change === true) out.binding_change = true;
  if (c.metadata_change !== undefined) out.metadata_change = c.metadata_change;
  if (c.migration !== undefined) out.migration = c.migration;
  return out;
}

export function digestsJson(m: ReadonlyMap<string, string>): Record<string, string> {
  return sortedObject(m);
}

export function statusesJson(
  m: ReadonlyMap<string, ResourceStatusRecord>,
): Record<string, ResourceStatusRecordJson> {
  return sortedObject(m, statusToJson);
}

export function resourcesJson(rs: readonly ResourceSummary[]): ResourceSummary[] {
  return rs.map((r) =>
    r.path === undefined
      ? { address: r.address, kind: r.kind, digest: r.digest }
      : { address: r.address, kind: r.kind, digest: r.digest, path: r.path },
  );
}

export function dependenciesJson(ds: readonly Dependency[]): Dependency[] {
  return ds.map((d) => ({ from: d.from, to: d.to }));
}

/**
 * Last line of defence: a command returns data, never throws. Death is not an error and
 * propagates; anything else escaping the body is a model bug reported as `internal_error`.
 */
export async function guarded<T>(body: () => Promise<T>, failed: (d: Diagnostic) => T): Promise<T> {
  try {
    return await body();
  } catch (e) {
    rethrowDeath(e);
    return failed(error("internal_error", "", `unexpected failure: ${errorText(e)}`));
  }
}
