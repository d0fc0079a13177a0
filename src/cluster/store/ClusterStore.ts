import type { StepLabel } from "../../catalog/failpoints.ts";
import { prettyJson, prettyJsonLine } from "../../util/json.ts";
import { memoByText } from "../../util/memo.ts";
import type { Process } from "../../world/process.ts";
import { rethrowDeath } from "../../world/process.ts";
import type { ResourceKind } from "../addresses.ts";
import {
  CLUSTER_APPROVALS_DIR,
  CLUSTER_GRAPHS_DIR,
  CLUSTER_LOCK_FILE,
  CLUSTER_RECOVERIES_DIR,
  CLUSTER_RESOURCES_DIR,
  CLUSTER_STATE_FILE,
} from "../constants.ts";
import { type Diagnostic, error, errorText, warning } from "../diagnostics.ts";
import { casToken, sha256Hex } from "../digests.ts";
import {
  type ApprovalArtifact,
  ApprovalArtifactSchema,
  approvalToJson,
  fromParsedApproval,
} from "../records/approval.ts";
import { parseJson } from "../records/json.ts";
import {
  type LockOperation,
  lockToJson,
  type StateLockFile,
  StateLockFileSchema,
} from "../records/lock.ts";
import {
  fromParsedSidecar,
  type RecoverySidecar,
  RecoverySidecarSchema,
  sidecarToJson,
} from "../records/sidecar.ts";
import {
  type ClusterState,
  ClusterStateSchema,
  fromParsedState,
  type ParsedState,
  stateFingerprint,
  stateToJson,
} from "../records/state.ts";
import { describeIssues } from "../records/zodText.ts";
import {
  configDirRoot,
  joinKey,
  locationKey,
  type StorageRoot,
  storageRootFor,
} from "./locations.ts";
import { emptyObservations, type StateObservations } from "./observations.ts";

export type Result<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly diagnostic: Diagnostic };

function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}
function fail<T>(diagnostic: Diagnostic): Result<T> {
  return { ok: false, diagnostic };
}

export interface StateSnapshot {
  readonly state: ClusterState | null;
  /** `sha256:<hex>` of the bytes read: the public CAS vocabulary. */
  readonly stateCas: string | null;
  /** `stateFingerprint(state)` as read (null when absent), remembered by the text. */
  readonly fingerprint: string | null;
}

/** The canonical fingerprint of valid ledger text: a pure function of it, so remembered. */
const fingerprintOfText = memoByText(
  (text: string): string | null => {
    const r = parseStateText(text);
    return r.ok ? stateFingerprint(r.value) : null;
  },
  { freeze: false },
);

/**
 * Parses ledger text: `invalid_state_json` for bad JSON or any stray field, version gate after.
 * The decode is a pure function of the text (remembered, frozen); the ledger handed back is the
 * caller's own (fresh maps over shared, immutable entries).
 */
export function parseStateText(text: string): Result<ClusterState> {
  const r = decodeStateText(text);
  return r.ok ? ok(fromParsedState(r.value)) : r;
}

const decodeStateText = memoByText((text: string): Result<ParsedState> => {
  const json = parseJson(text);
  if (!json.ok) {
    return fail(
      error(
        "invalid_state_json",
        CLUSTER_STATE_FILE,
        `could not parse state JSON: ${json.message}`,
      ),
    );
  }
  const parsed = ClusterStateSchema.safeParse(json.value, { reportInput: true });
  if (!parsed.success) {
    return fail(
      error(
        "invalid_state_json",
        CLUSTER_STATE_FILE,
        `could not parse state JSON: ${describeIssues(parsed.error.issues)}`,
      ),
    );
  }
  if (parsed.data.version !== 1) {
    return fail(
      error(
        "unsupported_state_version",
        "state.version",
        `unsupported cluster state version ${parsed.data.version}; this build supports version 1`,
      ),
    );
  }
  return ok(parsed.data);
});

export function serializeState(state: ClusterState): string {
  return prettyJsonLine(stateToJson(state));
}

export function serializeSidecar(sidecar: RecoverySidecar): string {
  return prettyJsonLine(sidecarToJson(sidecar));
}

export function serializeApproval(a: ApprovalArtifact): string {
  return prettyJsonLine(approvalToJson(a));
}

/** The lock is the one record written without a trailing newline. */
export function serializeLock(lock: StateLockFile): string {
  return prettyJson(lockToJson(lock));
}

/** Parses lock text for force-unlock: invalid or wrong-version locks are refused. */
export function parseLockText(text: string): Result<StateLockFile> {
  const json = parseJson(text);
  const parsed = json.ok ? StateLockFileSchema.safeParse(json.value, { reportInput: true }) : null;
  if (parsed === null || !parsed.success) {
    const why = json.ok ? describeIssues(parsed?.error?.issues ?? []) : json.message;
    return fail(
      error("invalid_state_lock", CLUSTER_LOCK_FILE, `could not parse state lock: ${why}`),
    );
  }
  if (parsed.data.version !== 1) {
    return fail(
      error(
        "unsupported_state_lock_version",
        CLUSTER_LOCK_FILE,
        `unsupported cluster state lock version ${parsed.data.version}`,
      ),
    );
  }
  return ok(parsed.data);
}

/** Held while a command runs; `release` is idempotent and never throws except for death. */
export interface LockGuard {
  readonly lockId: string;
  release(): Promise<void>;
}

/**
 * Everything the cluster keeps in storage, read and written through one process's labelled
 * storage. Declared configuration never lives here (that is the working tree).
 */
export class ClusterStore {
  private constructor(
    readonly proc: Process,
    readonly configDir: string,
    readonly root: StorageRoot,
  ) {}

  /** The default layout: the config directory is the storage root. */
  static forConfigDir(proc: Process, configDir: string): ClusterStore {
    return new ClusterStore(proc, configDir, configDirRoot(configDir));
  }

  /** The root a command uses: `storage:` when declared (an unusable one is a diagnostic). */
  static select(
    proc: Process,
    configDir: string,
    storageRoot: string | null,
  ): Result<ClusterStore> {
    if (storageRoot === null) return ok(ClusterStore.forConfigDir(proc, configDir));
    const r = storageRootFor(configDir, storageRoot);
    if (!r.ok) return fail(error("storage_root_invalid", "storage", r.message));
    return ok(new ClusterStore(proc, configDir, r.root));
  }

  private get storage() {
    return this.proc.storage;
  }

  key(relative: string): string {
    return joinKey(this.root.prefix, relative);
  }

  uri(relative: string): string {
    return `${this.root.uri}/${relative}`;
  }

  display(relative: string): string {
    return `${this.root.display}/${relative}`;
  }

  /** Derived graph root as upstream prints and records it (plain path locally, URI on S3). */
  graphRoot(graphId: string): string {
    const rel = `${CLUSTER_GRAPHS_DIR}/${graphId}.omni`;
    return this.root.kind === "local" ? this.display(rel) : this.uri(rel);
  }

  /** Store key prefix of a graph's derived root: what the engine opens. */
  graphKey(graphId: string): string {
    return this.key(`${CLUSTER_GRAPHS_DIR}/${graphId}.omni`);
  }

  /** Store key of a location (a graph uri, a sidecar uri, ...); null if it maps to nothing. */
  keyOf(location: string): string | null {
    return locationKey(this.configDir, location);
  }

  /** "Some object key starts with `<root>/`" (an empty local directory has no model analogue). */
  async graphRootExists(graphUri: string): Promise<boolean> {
    const key = this.keyOf(graphUri);
    if (key === null || key === "") return false;
    try {
      return await this.storage.exists(key);
    } catch (e) {
      rethrowDeath(e);
      return false;
    }
  }

  observations(): StateObservations {
    return emptyObservations(this.display(CLUSTER_STATE_FILE), this.display(CLUSTER_LOCK_FILE));
  }

  // ---- state ledger ----

  async readState(obs: StateObservations): Promise<Result<StateSnapshot>> {
    let read: { text: string } | null;
    try {
      read = await this.storage.tryReadVersioned(this.key(CLUSTER_STATE_FILE));
    } catch (e) {
      rethrowDeath(e);
      return fail(
        error("state_read_error", CLUSTER_STATE_FILE, `could not read state file: ${errorText(e)}`),
      );
    }
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
  async writeState(
    state: ClusterState,
    expectedCas: string | null,
    obs: StateObservations,
  ): Promise<Diagnostic | null> {
    const key = this.key(CLUSTER_STATE_FILE);
    let current: { text: string; token: string } | null;
    try {
      current = await this.storage.tryReadVersioned(key);
    } catch (e) {
      rethrowDeath(e);
      return error(
        "state_write_error",
        CLUSTER_STATE_FILE,
        `could not read state file before write: ${errorText(e)}`,
      );
    }
    const currentCas = current === null ? null : casToken(current.text);
    if (currentCas !== expectedCas && !this.proc.world.hasDefect("cas-blind-write"))
      return stateCasMismatch();
    const payload = serializeState(state);
    let written: boolean;
    try {
      if (current === null) {
        written = await this.storage.putIfAbsent("cluster.state.create", key, payload);
      } else {
        written =
          (await this.storage.putIfMatch("cluster.state.write", key, payload, current.token)) !==
          null;
      }
    } catch (e) {
      rethrowDeath(e);
      const what = current === null ? "create" : "replace";
      return error(
        "state_write_error",
        CLUSTER_STATE_FILE,
        `could not ${what} state.json: ${errorText(e)}`,
      );
    }
    if (!written) return stateCasMismatch();
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

  // ---- lock ----

  async acquireLock(operation: LockOperation, obs: StateObservations): Promise<Result<LockGuard>> {
    const key = this.key(CLUSTER_LOCK_FILE);
    const lock: StateLockFile = {
      version: 1,
      lock_id: this.proc.world.ids.ulid(),
      operation,
      created_at: this.proc.world.clock.nowIso(),
      pid: this.proc.pid,
    };
    let created: boolean;
    try {
      created = await this.storage.putIfAbsent("cluster.lock.acquire", key, serializeLock(lock));
    } catch (e) {
      rethrowDeath(e);
      return fail(
        error("state_lock_error", CLUSTER_LOCK_FILE, `could not write state lock: ${errorText(e)}`),
      );
    }
    if (!created) {
      await this.observeLockMetadataLossy(obs);
      return fail(error("state_lock_held", CLUSTER_LOCK_FILE, stateLockHeldMessage(obs)));
    }
    obs.lock_acquired = true;
    obs.acquired_lock_id = lock.lock_id;
    let released = false;
    return ok({
      lockId: lock.lock_id,
      release: async () => {
        if (released) return;
        released = true;
        // Best effort, as upstream's guard drop: a failed release leaves the lock for
        // force-unlock. Death is not a failed release; it propagates.
        try {
          await this.storage.delete("cluster.lock.release", key);
        } catch (e) {
          rethrowDeath(e);
        }
      },
    });
  }

  async forceUnlock(lockId: string, obs: StateObservations): Promise<Diagnostic | null> {
    const key = this.key(CLUSTER_LOCK_FILE);
    let text: string | null;
    try {
      text = await this.storage.tryRead(key);
    } catch (e) {
      rethrowDeath(e);
      return error(
        "state_lock_read_error",
        CLUSTER_LOCK_FILE,
        `could not read state lock: ${errorText(e)}`,
      );
    }
    if (text === null)
      return error("state_lock_missing", CLUSTER_LOCK_FILE, "no cluster state lock is present");
    const parsed = parseLockText(text);
    if (!parsed.ok) return parsed.diagnostic;
    const lock = parsed.value;
    this.observeLockMetadata(obs, lock);
    obs.locked = true;
    if (lock.lock_id !== lockId) {
      return error(
        "state_lock_id_mismatch",
        CLUSTER_LOCK_FILE,
        `lock id mismatch: held lock is ${lock.lock_id}, refusing to remove (pass the exact id from \`cluster status\`)`,
      );
    }
    try {
      await this.storage.delete("cluster.lock.force_unlock", key);
    } catch (e) {
      rethrowDeath(e);
      return error(
        "state_lock_error",
        CLUSTER_LOCK_FILE,
        `could not remove state lock: ${errorText(e)}`,
      );
    }
    obs.locked = false;
    return null;
  }

  /** Status's view of the lock: problems are warnings, never errors. */
  async observeLock(obs: StateObservations, diagnostics: Diagnostic[]): Promise<void> {
    let text: string | null;
    try {
      text = await this.storage.tryRead(this.key(CLUSTER_LOCK_FILE));
    } catch (e) {
      rethrowDeath(e);
      diagnostics.push(
        warning(
          "state_lock_read_error",
          CLUSTER_LOCK_FILE,
          `could not read state lock: ${errorText(e)}`,
        ),
      );
      return;
    }
    if (text === null) return;
    obs.locked = true;
    const json = parseJson(text);
    const parsed = json.ok
      ? StateLockFileSchema.safeParse(json.value, { reportInput: true })
      : null;
    if (parsed === null || !parsed.success) {
      const why = json.ok ? describeIssues(parsed?.error?.issues ?? []) : json.message;
      diagnostics.push(
        warning("invalid_state_lock", CLUSTER_LOCK_FILE, `could not parse state lock: ${why}`),
      );
      return;
    }
    if (parsed.data.version !== 1) {
      diagnostics.push(
        warning(
          "unsupported_state_lock_version",
          CLUSTER_LOCK_FILE,
          `unsupported cluster state lock version ${parsed.data.version}`,
        ),
      );
      return;
    }
    this.observeLockMetadata(obs, parsed.data);
  }

  private async observeLockMetadataLossy(obs: StateObservations): Promise<void> {
    obs.locked = true;
    let text: string | null = null;
    try {
      text = await this.storage.tryRead(this.key(CLUSTER_LOCK_FILE));
    } catch (e) {
      rethrowDeath(e);
    }
    if (text === null) return;
    const parsed = parseLockText(text);
    if (parsed.ok) this.observeLockMetadata(obs, parsed.value);
  }

  private observeLockMetadata(obs: StateObservations, lock: StateLockFile): void {
    obs.locked = true;
    obs.lock_id = lock.lock_id;
    obs.lock_operation = lock.operation;
    obs.lock_created_at = lock.created_at;
    obs.lock_pid = lock.pid;
    const created = Date.parse(lock.created_at);
    if (Number.isFinite(created)) {
      obs.lock_age_seconds = Math.max(
        0,
        Math.floor((this.proc.world.clock.now() - created) / 1000),
      );
    }
  }

  // ---- generic object helpers ----

  /** Best-effort delete (sidecar retirement, create-path cleanup): failures are silent. */
  async deleteObject(step: StepLabel, location: string): Promise<void> {
    await this.tryDeleteObject(step, location);
  }

  /** Like deleteObject but returns the failure text, for callers that must report it. */
  async tryDeleteObject(step: StepLabel, location: string): Promise<string | null> {
    const key = this.keyOf(location);
    if (key === null || key === "") return `'${location}' is not inside the cluster storage`;
    try {
      await this.storage.delete(step, key);
      return null;
    } catch (e) {
      rethrowDeath(e);
      return errorText(e);
    }
  }

  /** Recursive, idempotent removal of a graph root; returns the failure text. */
  async deleteGraphRoot(graphUri: string): Promise<string | null> {
    const key = this.keyOf(graphUri);
    if (key === null || key === "") return `'${graphUri}' is not inside the cluster storage`;
    try {
      await this.storage.deletePrefix("cluster.graph.delete_root", key);
      return null;
    } catch (e) {
      rethrowDeath(e);
      return errorText(e);
    }
  }

  /**
   * Lists `*.json` under a directory in name order and decodes each; unreadable, unparseable
   * or wrong-version files become warnings and stay where they are for the operator.
   */
  private async listJsonDir<T>(
    dir: string,
    diagnostics: Diagnostic[],
    codes: { list: string; parse: string; version: string },
    decode: (
      value: unknown,
    ) => { ok: true; value: T; version: number } | { ok: false; message: string },
  ): Promise<Array<[string, T]>> {
    let names: string[];
    try {
      names = await this.storage.list(this.key(dir));
    } catch (e) {
      rethrowDeath(e);
      diagnostics.push(warning(codes.list, dir, `could not list '${dir}': ${errorText(e)}`));
      return [];
    }
    const out: Array<[string, T]> = [];
    for (const name of names.filter((n) => n.endsWith(".json")).sort()) {
      const uri = this.uri(`${dir}/${name}`);
      let text: string | null;
      try {
        text = await this.storage.tryRead(this.key(`${dir}/${name}`));
      } catch (e) {
        rethrowDeath(e);
        diagnostics.push(
          warning(codes.parse, uri, `could not read (${errorText(e)}); leaving it in place`),
        );
        continue;
      }
      // A name listed as a directory (objects below it) has no text of its own.
      if (text === null) {
        diagnostics.push(
          warning(codes.parse, uri, "could not read (not an object); leaving it in place"),
        );
        continue;
      }
      const json = parseJson(text);
      const decoded = json.ok ? decode(json.value) : { ok: false as const, message: json.message };
      if (!decoded.ok) {
        diagnostics.push(
          warning(codes.parse, uri, `could not parse (${decoded.message}); leaving it in place`),
        );
      } else if (decoded.version !== 1) {
        diagnostics.push(
          warning(codes.version, uri, "unsupported schema version; leaving it in place"),
        );
      } else {
        out.push([uri, decoded.value]);
      }
    }
    return out;
  }

  // ---- recovery sidecars ----

  async listRecoverySidecars(diagnostics: Diagnostic[]): Promise<Array<[string, RecoverySidecar]>> {
    return this.listJsonDir(
      CLUSTER_RECOVERIES_DIR,
      diagnostics,
      {
        list: "recovery_sidecar_read_error",
        parse: "invalid_recovery_sidecar",
        version: "unsupported_recovery_sidecar_version",
      },
      (v) => {
        const p = RecoverySidecarSchema.safeParse(v, { reportInput: true });
        return p.success
          ? { ok: true, value: fromParsedSidecar(p.data), version: p.data.schema_version }
          : { ok: false, message: describeIssues(p.error.issues) };
      },
    );
  }

  /** Read-only commands only need where sidecars are (display form), not what they say. */
  async listRecoverySidecarLocations(diagnostics: Diagnostic[]): Promise<string[]> {
    let names: string[];
    try {
      names = await this.storage.list(this.key(CLUSTER_RECOVERIES_DIR));
    } catch (e) {
      rethrowDeath(e);
      diagnostics.push(
        warning(
          "recovery_sidecar_read_error",
          CLUSTER_RECOVERIES_DIR,
          `could not list '${CLUSTER_RECOVERIES_DIR}': ${errorText(e)}`,
        ),
      );
      return [];
    }
    return names
      .filter((n) => n.endsWith(".json"))
      .sort()
      .map((n) => this.display(`${CLUSTER_RECOVERIES_DIR}/${n}`));
  }

  /** Arms or rewrites a sidecar (plain put); returns its URI. */
  async writeRecoverySidecar(step: StepLabel, sidecar: RecoverySidecar): Promise<Result<string>> {
    const relative = `${CLUSTER_RECOVERIES_DIR}/${sidecar.operation_id}.json`;
    const key = this.keyOf(this.uri(relative));
    try {
      if (key === null) throw new Error(`invalid operation id '${sidecar.operation_id}'`);
      await this.storage.put(step, key, serializeSidecar(sidecar));
    } catch (e) {
      rethrowDeath(e);
      return fail(
        error(
          "recovery_sidecar_write_error",
          this.display(relative),
          `could not write recovery sidecar: ${errorText(e)}`,
        ),
      );
    }
    return ok(this.uri(relative));
  }

  // ---- approvals ----

  async listApprovalArtifacts(
    diagnostics: Diagnostic[],
  ): Promise<Array<[string, ApprovalArtifact]>> {
    return this.listJsonDir(
      CLUSTER_APPROVALS_DIR,
      diagnostics,
      {
        list: "approval_read_error",
        parse: "invalid_approval_artifact",
        version: "unsupported_approval_version",
      },
      (v) => {
        const p = ApprovalArtifactSchema.safeParse(v, { reportInput: true });
        return p.success
          ? { ok: true, value: fromParsedApproval(p.data), version: p.data.schema_version }
          : { ok: false, message: describeIssues(p.error.issues) };
      },
    );
  }

  async writeApprovalArtifact(
    step: StepLabel,
    artifact: ApprovalArtifact,
  ): Promise<Result<string>> {
    const relative = `${CLUSTER_APPROVALS_DIR}/${artifact.approval_id}.json`;
    const key = this.keyOf(this.uri(relative));
    try {
      if (key === null) throw new Error(`invalid approval id '${artifact.approval_id}'`);
      await this.storage.put(step, key, serializeApproval(artifact));
    } catch (e) {
      rethrowDeath(e);
      return fail(
        error(
          "approval_write_error",
          this.display(relative),
          `could not write approval artifact: ${errorText(e)}`,
        ),
      );
    }
    return ok(this.uri(relative));
  }

  // ---- catalog payloads ----

  /** Content-addressed location of a query/policy payload; other kinds have none. */
  static payloadRelative(kind: ResourceKind, digest: string): string | null {
    switch (kind.kind) {
      case "query":
        return `${CLUSTER_RESOURCES_DIR}/query/${kind.graph}/${kind.name}/${digest}.gq`;
      case "policy":
        return `${CLUSTER_RESOURCES_DIR}/policy/${kind.name}/${digest}.yaml`;
      default:
        return null;
    }
  }

  payloadDisplay(kind: ResourceKind, digest: string): string | null {
    const rel = ClusterStore.payloadRelative(kind, digest);
    return rel === null ? null : this.display(rel);
  }

  /** Probe before a payload write; a failing probe reads as "absent" (the write decides). */
  async payloadExists(kind: ResourceKind, digest: string): Promise<boolean> {
    const rel = ClusterStore.payloadRelative(kind, digest);
    if (rel === null) return false;
    try {
      return await this.storage.exists(this.key(rel));
    } catch (e) {
      rethrowDeath(e);
      return false;
    }
  }

  /** The blob text, null when absent; a transport failure is reported as text. */
  async readPayload(
    kind: ResourceKind,
    digest: string,
  ): Promise<{ ok: true; text: string | null } | { ok: false; message: string }> {
    const rel = ClusterStore.payloadRelative(kind, digest);
    if (rel === null) return { ok: true, text: null };
    try {
      return { ok: true, text: await this.storage.tryRead(this.key(rel)) };
    } catch (e) {
      rethrowDeath(e);
      return {
        ok: false,
        message: `could not read catalog payload '${this.display(rel)}': ${errorText(e)}`,
      };
    }
  }

  /** Idempotent: an object already at its digest is by definition identical. */
  async writePayload(kind: ResourceKind, digest: string, content: string): Promise<string | null> {
    const rel = ClusterStore.payloadRelative(kind, digest);
    if (rel === null) return "resource kind has no payload";
    try {
      if (await this.storage.exists(this.key(rel))) return null;
      await this.storage.put("cluster.payload.write", this.key(rel), content);
      return null;
    } catch (e) {
      rethrowDeath(e);
      return errorText(e);
    }
  }

  /** Reads a payload and checks it against its recorded digest (the serving snapshot's read). */
  async readVerifiedPayload(
    kind: ResourceKind,
    digest: string,
    address: string,
  ): Promise<Result<string>> {
    const rel = ClusterStore.payloadRelative(kind, digest);
    if (rel === null)
      return fail(error("catalog_payload_missing", address, "resource kind has no payload"));
    const remedy = "run `cluster refresh` then `cluster apply`, and restart";
    let text: string | null;
    try {
      text = await this.storage.tryRead(this.key(rel));
    } catch (e) {
      rethrowDeath(e);
      return fail(
        error(
          "catalog_payload_missing",
          address,
          `catalog blob '${this.display(rel)}' unreadable (${errorText(e)}); ${remedy}`,
        ),
      );
    }
    if (text === null) {
      return fail(
        error(
          "catalog_payload_missing",
          address,
          `catalog blob '${this.display(rel)}' unreadable (object does not exist); ${remedy}`,
        ),
      );
    }
    if (sha256Hex(text) !== digest) {
      return fail(
        error(
          "catalog_payload_digest_mismatch",
          address,
          `catalog blob '${this.display(rel)}' does not match its recorded digest; ${remedy}`,
        ),
      );
    }
    return ok(text);
  }
}

function stateCasMismatch(): Diagnostic {
  return error(
    "state_cas_mismatch",
    CLUSTER_STATE_FILE,
    "state.json changed while the command was running; re-run the command against the latest state",
  );
}

export function stateLockHeldMessage(obs: StateObservations): string {
  return obs.lock_id !== undefined
    ? `cluster state lock already exists (lock id ${obs.lock_id}); run \`omnigraph cluster force-unlock ${obs.lock_id}\` only after confirming no cluster operation is active`
    : "cluster state lock already exists; remove it only after confirming no cluster operation is active";
}
