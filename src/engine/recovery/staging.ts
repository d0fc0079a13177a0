import { EngineError } from "../errors.ts";
import {
  SCHEMA_IR,
  SCHEMA_IR_STAGING,
  SCHEMA_PG,
  SCHEMA_PG_STAGING,
  SCHEMA_STATE,
  SCHEMA_STATE_STAGING,
  STAGING_FILES,
} from "../layout.ts";
import { expectedTableKeys } from "../schema/catalog.ts";
import { type Manifest, SchemaStateSchema } from "../store/codecs.ts";
import { decodeJson, type GraphStorage } from "../store/graphStorage.ts";
import { compileStoredSource, lockConflict, readLiveSource } from "../store/schemaFiles.ts";
import { listSidecars } from "../store/sidecars.ts";

/** What reconciling leftover schema staging files did (upstream's `SchemaStateRecovery`). */
export type StagingOutcome =
  | { readonly kind: "noop" }
  | { readonly kind: "cleaned" }
  | { readonly kind: "completed"; readonly schemaApplySidecar: boolean };

export function completedForSchemaApply(o: StagingOutcome): boolean {
  return o.kind === "completed" && o.schemaApplySidecar;
}

const PAIRS = [
  [SCHEMA_PG_STAGING, SCHEMA_PG],
  [SCHEMA_IR_STAGING, SCHEMA_IR],
  [SCHEMA_STATE_STAGING, SCHEMA_STATE],
] as const;

/** Each rename is independent and skipped when already done: a crash may stop mid-way. */
async function completeStagingRename(storage: GraphStorage): Promise<void> {
  for (const [from, to] of PAIRS) {
    if (await storage.exists(from))
      await storage.rename("engine.recovery.promote_staging", from, to);
  }
}

async function cleanupStaging(storage: GraphStorage): Promise<void> {
  for (const f of STAGING_FILES) await storage.delete("engine.recovery.delete_staging", f);
}

function debugSet(keys: readonly string[]): string {
  return `{${keys.map((k) => `"${k}"`).join(", ")}}`;
}

function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((k, i) => k === b[i]);
}

/**
 * Reconciles leftover `*.staging` files against main's manifest (upstream's
 * `recover_schema_state_files`). With a SchemaApply sidecar present the apply reached its
 * table rewrites, so staging is promoted for the roll-forward to see the new catalog;
 * otherwise the manifest's table set tells a pre-commit crash (drop staging) from a
 * post-commit one (promote), and a property-only change, which cannot be told apart, is
 * refused.
 */
export async function reconcileStaging(
  storage: GraphStorage,
  head: Manifest,
): Promise<StagingOutcome> {
  const present = {
    pg: await storage.exists(SCHEMA_PG_STAGING),
    ir: await storage.exists(SCHEMA_IR_STAGING),
    state: await storage.exists(SCHEMA_STATE_STAGING),
  };
  if (!present.pg && !present.ir && !present.state) return { kind: "noop" };

  const sidecars = await listSidecars(storage);
  if (sidecars.some((s) => s.writer_kind === "SchemaApply")) {
    await completeStagingRename(storage);
    return { kind: "completed", schemaApplySidecar: true };
  }

  if (!present.pg) {
    const live = compileStoredSource(await readLiveSource(storage));
    if (present.state) {
      const text = await storage.read(SCHEMA_STATE_STAGING);
      const stagingHash = decodeJson(
        storage.key(SCHEMA_STATE_STAGING),
        text,
        SchemaStateSchema,
      ).schema_ir_hash;
      if (stagingHash !== live.irHash) {
        throw lockConflict(
          `found schema staging files (ir/state) without _schema.pg.staging, and the live _schema.pg does not match the staging schema state hash; manual operator action required (manifest v${head.version})`,
        );
      }
    }
    await completeStagingRename(storage);
    return { kind: "completed", schemaApplySidecar: false };
  }

  const staging = compileStoredSource(await storage.read(SCHEMA_PG_STAGING), SCHEMA_PG_STAGING);
  const live = compileStoredSource(await readLiveSource(storage));
  if (staging.irHash === live.irHash) {
    await cleanupStaging(storage);
    return { kind: "cleaned" };
  }
  const liveKeys = expectedTableKeys(live.ir);
  const stagingKeys = expectedTableKeys(staging.ir);
  const actualKeys = Object.keys(head.tables).sort();
  if (sameKeys(liveKeys, stagingKeys)) {
    throw new EngineError(
      "staging_ambiguous",
      lockConflict(
        `found schema staging files but cannot disambiguate pre- vs post-commit crash: live and staging schemas imply identical table sets (likely a property-only migration). Inspect _schema.pg.staging vs _schema.pg manually and either remove the staging files (to keep the live schema) or replace _schema.pg with the staging file (to apply the new schema). Manifest version: v${head.version}`,
      ).message,
    );
  }
  if (sameKeys(actualKeys, liveKeys)) {
    await cleanupStaging(storage);
    return { kind: "cleaned" };
  }
  if (sameKeys(actualKeys, stagingKeys)) {
    await completeStagingRename(storage);
    return { kind: "completed", schemaApplySidecar: false };
  }
  throw lockConflict(
    `found schema staging files but the manifest's table set (${debugSet(actualKeys)}) matches neither the live schema (${debugSet(liveKeys)}) nor the staging schema (${debugSet(stagingKeys)}); manual operator action required`,
  );
}
