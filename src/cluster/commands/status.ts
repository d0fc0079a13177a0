import { payloadFindingDiagnostic, verifyCatalogPayloads } from "../catalogCheck.ts";
import { storageRootOf, validateClusterHeader } from "../config/header.ts";
import { parseClusterConfig } from "../config/parse.ts";
import { CLUSTER_STATE_FILE } from "../constants.ts";
import { hasErrors, warning } from "../diagnostics.ts";
import type { StatusOutput } from "../outputs.ts";
import { stateResourceDigests } from "../records/state.ts";
import { sortedObject } from "../records/zodText.ts";
import { emptyObservations } from "../store/observations.ts";
import { warnPendingRecoverySidecars } from "../sweep.ts";
import { type ClusterContext, digestsJson, guarded, statusesJson } from "./context.ts";
import { selectStore } from "./open.ts";

/**
 * `cluster status`: observes the lock, pending sidecars, the ledger and its payload blobs.
 * Never locks, never sweeps, never writes; findings are diagnostics only.
 */
export async function status(ctx: ClusterContext): Promise<StatusOutput> {
  return guarded(
    () => statusInner(ctx),
    (diag) => ({
      ok: false,
      config_dir: ctx.configDir,
      state_observations: emptyObservations(),
      resource_digests: {},
      resource_statuses: {},
      observations: {},
      diagnostics: [diag],
    }),
  );
}

async function statusInner(ctx: ClusterContext): Promise<StatusOutput> {
  // Status reads only cluster.yaml (not the files it references): it must work on a
  // cluster whose working tree is incomplete.
  const parsed = await parseClusterConfig(ctx.workTree, ctx.configDir);
  const diagnostics = parsed.diagnostics;
  const store = selectStore(
    ctx,
    parsed.raw === null ? null : storageRootOf(parsed.raw),
    diagnostics,
  );
  const obs = store.observations();
  await store.lock.observe(obs, diagnostics);
  await warnPendingRecoverySidecars(store, diagnostics);

  let out: Pick<StatusOutput, "resource_digests" | "resource_statuses" | "observations"> = {
    resource_digests: {},
    resource_statuses: {},
    observations: {},
  };
  if (parsed.raw !== null) {
    validateClusterHeader(parsed.raw, diagnostics);
    if (!hasErrors(diagnostics)) {
      const read = await store.ledger.read(obs);
      if (!read.ok) diagnostics.push(read.diagnostic);
      else if (read.value.state === null) {
        diagnostics.push(
          warning(
            "state_missing",
            CLUSTER_STATE_FILE,
            "state.json is missing; no applied cluster revision has been recorded",
          ),
        );
      } else {
        const state = read.value.state;
        for (const [address, finding] of await verifyCatalogPayloads(store, state)) {
          diagnostics.push(payloadFindingDiagnostic(address, finding));
        }
        out = {
          resource_digests: digestsJson(stateResourceDigests(state)),
          resource_statuses: statusesJson(state.resource_statuses),
          observations: sortedObject(state.observations),
        };
      }
    }
  }
  return {
    ok: !hasErrors(diagnostics),
    config_dir: parsed.configDir,
    state_observations: obs,
    ...out,
    diagnostics,
  };
}
