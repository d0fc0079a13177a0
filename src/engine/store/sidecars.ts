import type { StepLabel } from "../../catalog/failpoints.ts";
import { EngineError } from "../errors.ts";
import { engineFailpoint } from "../failpoint.ts";
import { RECOVERY_DIR, sidecarKey } from "../layout.ts";
import {
  type RecoverySidecar,
  RecoverySidecarSchema,
  SIDECAR_SCHEMA_VERSION,
  type SidecarKind,
  type SidecarTablePin,
} from "./codecs.ts";
import { decodeJson, type GraphStorage, prettyJson } from "./graphStorage.ts";

export function newSidecar(
  storage: GraphStorage,
  kind: SidecarKind,
  actor: string | null,
  tables: readonly SidecarTablePin[],
): RecoverySidecar {
  return {
    schema_version: SIDECAR_SCHEMA_VERSION,
    operation_id: storage.proc.world.ids.ulid(),
    started_at: storage.proc.world.clock.nowIso(),
    branch: null,
    actor_id: actor,
    writer_kind: kind,
    tables: [...tables],
  };
}

/** Writes the intent record before any table moves (failpoint `recovery.sidecar_write`). */
export async function writeSidecar(
  storage: GraphStorage,
  step: StepLabel,
  sidecar: RecoverySidecar,
): Promise<void> {
  await engineFailpoint(storage.proc, "recovery.sidecar_write");
  await storage.put(step, sidecarKey(sidecar.operation_id), prettyJson(sidecar));
}

export async function deleteSidecar(
  storage: GraphStorage,
  step: StepLabel,
  operationId: string,
): Promise<void> {
  await engineFailpoint(storage.proc, "recovery.sidecar_delete");
  await storage.delete(step, sidecarKey(operationId));
}

export function parseSidecar(key: string, text: string): RecoverySidecar {
  const sidecar = decodeJson(key, text, RecoverySidecarSchema);
  if (sidecar.schema_version > SIDECAR_SCHEMA_VERSION) {
    throw new EngineError(
      "corrupt_object",
      `recovery sidecar at '${key}' declares schema_version=${sidecar.schema_version}, newer than the maximum this binary supports (schema_version=${SIDECAR_SCHEMA_VERSION}); refusing to interpret — upgrade omnigraph or remove the sidecar with operator review`,
      key,
    );
  }
  return sidecar;
}

/** Every engine sidecar in creation (ULID) order (failpoint `recovery.sidecar_list`). */
export async function listSidecars(storage: GraphStorage): Promise<RecoverySidecar[]> {
  await engineFailpoint(storage.proc, "recovery.sidecar_list");
  const names = (await storage.list(RECOVERY_DIR)).filter((n) => n.endsWith(".json")).sort();
  const out: RecoverySidecar[] = [];
  for (const name of names) {
    const rel = `${RECOVERY_DIR}/${name}`;
    // Read with no allowance for absence, as upstream does: a sidecar a concurrent finisher
    // deleted between the listing and this read fails the whole sweep (and so the open).
    out.push(parseSidecar(storage.key(rel), await storage.read(rel)));
  }
  return out;
}

export async function sidecarExists(storage: GraphStorage, operationId: string): Promise<boolean> {
  return storage.exists(sidecarKey(operationId));
}
