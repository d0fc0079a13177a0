import { payloadFindingDiagnostic, verifyCatalogPayloads } from "../catalogCheck.ts";
import { loadDesired } from "../config/load.ts";
import { CLUSTER_GRAPHS_DIR, CLUSTER_STATE_FILE } from "../constants.ts";
import { error, hasErrors } from "../diagnostics.ts";
import { observeDeclaredGraphs } from "../observe.ts";
import type { StateSyncOutput } from "../outputs.ts";
import { type ClusterState, emptyState, stateResourceDigests } from "../records/state.ts";
import { sortedObject } from "../records/zodText.ts";
import { setStatus } from "../stateOps.ts";
import { emptyObservations } from "../store/observations.ts";
import { markApprovalsConsumed, sweepRecoverySidecars } from "../sweep.ts";
import { type ClusterContext, digestsJson, guarded, statusesJson } from "./context.ts";
import { storeForOutcome, withLockedLedger } from "./open.ts";

export type StateSyncOperation = "refresh" | "import";

/** `cluster refresh`: re-observe graphs and payloads into an existing ledger (always writes). */
export function refresh(ctx: ClusterContext): Promise<StateSyncOutput> {
  return sync(ctx, "refresh");
}

/** `cluster import`: create the first ledger from what the graphs observably are. */
export function importState(ctx: ClusterContext): Promise<StateSyncOutput> {
  return sync(ctx, "import");
}

function sync(ctx: ClusterContext, operation: StateSyncOperation): Promise<StateSyncOutput> {
  return guarded(
    () => syncInner(ctx, operation),
    (diag) => ({
      ok: false,
      operation,
      config_dir: ctx.configDir,
      state_observations: emptyObservations(),
      resource_digests: {},
      resource_statuses: {},
      observations: {},
      diagnostics: [diag],
    }),
  );
}

async function syncInner(
  ctx: ClusterContext,
  operation: StateSyncOperation,
): Promise<StateSyncOutput> {
  const outcome = await loadDesired(ctx.workTree, ctx.configDir);
  const diagnostics = outcome.diagnostics;
  const store = storeForOutcome(ctx, outcome, diagnostics);
  const obs = store.observations();
  const desired = outcome.desired;
  const output = (
    digests: Record<string, string>,
    state: ClusterState | null,
  ): StateSyncOutput => ({
    ok: !hasErrors(diagnostics),
    operation,
    config_dir: outcome.configDir,
    state_observations: obs,
    resource_digests: digests,
    resource_statuses: state === null ? {} : statusesJson(state.resource_statuses),
    observations: state === null ? {} : sortedObject(state.observations),
    diagnostics,
  });
  if (desired === null) return output({}, null);
  const desiredDigests = digestsJson(desired.resourceDigests);
  if (hasErrors(diagnostics)) return output(desiredDigests, null);

  return withLockedLedger(
    { store, stateLock: desired.stateLock, operation, verb: "wrote state", obs, diagnostics },
    () => output(desiredDigests, null),
    async (ledger) => {
      const expectedCas = ledger.stateCas;
      let state: ClusterState;
      if (operation === "refresh") {
        if (ledger.state === null) {
          diagnostics.push(
            error(
              "state_missing",
              CLUSTER_STATE_FILE,
              "refresh requires an existing state.json; run `cluster import` to bootstrap state",
            ),
          );
          return output({}, null);
        }
        state = ledger.state;
      } else {
        if (ledger.state !== null) {
          diagnostics.push(
            error(
              "state_already_exists",
              CLUSTER_STATE_FILE,
              "import creates initial state only when state.json is missing; use `cluster refresh` for an existing state ledger",
            ),
          );
          return output(digestsJson(stateResourceDigests(ledger.state)), ledger.state);
        }
        state = emptyState(desired.configDigest);
      }

      // The sweep first, so a rolled-forward outcome is what the checks below observe.
      const sweep = await sweepRecoverySidecars(store, state, diagnostics);

      // Payloads before graphs: a dropped query digest must already be out of the ledger
      // when the graph composite is recomputed from it.
      for (const [address, finding] of await verifyCatalogPayloads(store, state)) {
        diagnostics.push(payloadFindingDiagnostic(address, finding));
        if (finding.kind === "missing") {
          state.applied_revision.resources.delete(address);
          setStatus(
            state,
            address,
            "drifted",
            "payload_missing",
            "catalog payload blob is missing; re-run `cluster apply` to republish",
          );
        } else if (finding.kind === "mismatch") {
          state.applied_revision.resources.delete(address);
          setStatus(
            state,
            address,
            "drifted",
            "payload_mismatch",
            "catalog payload blob does not match the recorded digest; re-run `cluster apply` to republish",
          );
        } else {
          // A transient read failure must not trigger a spurious republish: keep the digest.
          setStatus(state, address, "error", "payload_read_error", finding.message);
        }
      }

      const graphErrors = await observeDeclaredGraphs(desired, store, state);
      if (graphErrors > 0) {
        diagnostics.push(
          error(
            "graph_observation_error",
            CLUSTER_GRAPHS_DIR,
            `${graphErrors} graph observation(s) failed`,
          ),
        );
      }

      if (operation === "import" && hasErrors(diagnostics)) {
        return output(digestsJson(stateResourceDigests(state)), state);
      }
      state.state_revision = operation === "import" ? 1 : state.state_revision + 1;

      const failure = await store.ledger.write(state, expectedCas, obs);
      if (failure === null) {
        for (const uri of sweep.completedSidecars) {
          await store.deleteObject("cluster.sidecar.delete_completed", uri);
        }
        await markApprovalsConsumed(store, sweep.consumedApprovals);
      } else {
        diagnostics.push(failure);
      }
      return output(digestsJson(stateResourceDigests(state)), state);
    },
  );
}
