import { CLUSTER_STATE_FILE } from "../constants.ts";
import { type Diagnostic, error } from "../diagnostics.ts";
import { casToken } from "../digests.ts";
import type { ClusterState } from "../records/state.ts";
import { attempt, fail, ok, type Result } from "./attempt.ts";
import { fingerprintOfText, parseStateText, serializeState } from "./codecs.ts";
import type { StateObservations } from "./observations.ts";
import type { StoreSite } from "./site.ts";

export interface StateSnapshot {
  readonly state: ClusterState | null;
  /** `sha256:<hex>` of the bytes read: the public CAS vocabulary. */
  readonly stateCas: string | null;
  /** `stateFingerprint(state)` as read (null when absent), remembered by the text. */
  readonly fingerprint: string | null;
}

/** The state ledger, `state.json`: read whole, written only by compare-and-swap. */
export class LedgerStore {
  constructor(private readonly site: StoreSite) {}

  async read(obs: StateObservations): Promise<Result<StateSnapshot>> {
    const site = this.site;
    const r = await attempt(() => site.storage.tryReadVersioned(site.key(CLUSTER_STATE_FILE)));
    if (!r.ok) {
      return fail(
        error("state_read_error", CLUSTER_STATE_FILE, `could not read state file: ${r.message}`),
      );
    }
    const read = r.value;
    if (read === null) return ok({ state: null, stateCas: null, fingerprint: null });
    obs.state_found = true;
    const cas = casToken(read.text);
    obs.state_cas = cas;
    const parsed = parseStateText(read.text);
    if (!parsed.ok) return parsed;
    const state = parsed.value;
    if (state.applied_revision.config_digest !== null) {
      obs.applied_config_digest = state.applied_revision.config_digest;
    }
    obs.state_revision = state.state_revision;
    obs.resource_count = state.applied_revision.resources.size;
    return ok({ state, stateCas: cas, fingerprint: fingerprintOfText(read.text) });
  }

  /**
   * The ledger CAS: a fresh read must still hash to `expectedCas` (null: still absent), then
   * a token-conditioned replace (or create-if-absent), so a writer racing us loses loudly.
   */
  async write(
    state: ClusterState,
    expectedCas: string | null,
    obs: StateObservations,
  ): Promise<Diagnostic | null> {
    const site = this.site;
    const key = site.key(CLUSTER_STATE_FILE);
    const r = await attempt(() => site.storage.tryReadVersioned(key));
    if (!r.ok) {
      return error(
        "state_write_error",
        CLUSTER_STATE_FILE,
        `could not read state file before write: ${r.message}`,
      );
    }
    const current = r.value;
    const currentCas = current === null ? null : casToken(current.text);
    if (currentCas !== expectedCas && !site.proc.world.hasDefect("cas-blind-write"))
      return stateCasMismatch();
    const payload = serializeState(state);
    const written = await attempt(async () =>
      current === null
        ? await site.storage.putIfAbsent("cluster.state.create", key, payload)
        : (await site.storage.putIfMatch("cluster.state.write", key, payload, current.token)) !==
          null,
    );
    if (!written.ok) {
      const what = current === null ? "create" : "replace";
      return error(
        "state_write_error",
        CLUSTER_STATE_FILE,
        `could not ${what} state.json: ${written.message}`,
      );
    }
    if (!written.value) return stateCasMismatch();
    obs.state_found = true;
    if (state.applied_revision.config_digest !== null) {
      obs.applied_config_digest = state.applied_revision.config_digest;
    } else {
      delete obs.applied_config_digest;
    }
    obs.state_revision = state.state_revision;
    obs.state_cas = casToken(payload);
    obs.resource_count = state.applied_revision.resources.size;
    return null;
  }
}

function stateCasMismatch(): Diagnostic {
  return error(
    "state_cas_mismatch",
    CLUSTER_STATE_FILE,
    "state.json changed while the command was running; re-run the command against the latest state",
  );
}
