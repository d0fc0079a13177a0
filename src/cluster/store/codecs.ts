import { prettyJson, prettyJsonLine } from "../../util/json.ts";
import { memoByText } from "../../util/memo.ts";
import { CLUSTER_LOCK_FILE, CLUSTER_STATE_FILE } from "../constants.ts";
import { error } from "../diagnostics.ts";
import {
  type ApprovalArtifact,
  ApprovalArtifactSchema,
  approvalToJson,
  fromParsedApproval,
} from "../records/approval.ts";
import { parseJson } from "../records/json.ts";
import { lockToJson, type StateLockFile, StateLockFileSchema } from "../records/lock.ts";
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
import { fail, ok, type Result } from "./attempt.ts";

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

/** The canonical fingerprint of valid ledger text: a pure function of it, so remembered. */
export const fingerprintOfText = memoByText(
  (text: string): string | null => {
    const r = parseStateText(text);
    return r.ok ? stateFingerprint(r.value) : null;
  },
  { freeze: false },
);

export function serializeState(state: ClusterState): string {
  return prettyJsonLine(stateToJson(state));
}

/** The lock is the one record written without a trailing newline. */
export function serializeLock(lock: StateLockFile): string {
  return prettyJson(lockToJson(lock));
}

/** Parses lock text: invalid or wrong-version locks are refused (force-unlock errs, status warns). */
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

/**
 * A record kept one file per id in a directory: its text both ways. Decoding hands back the
 * schema version separately, so the directory can leave a newer-version file in place with
 * its own code rather than call it unparseable.
 */
export interface RecordCodec<T> {
  encode(record: T): string;
  decode(value: unknown): Decoded<T>;
}

export type Decoded<T> =
  | { readonly ok: true; readonly value: T; readonly version: number }
  | { readonly ok: false; readonly message: string };

export function serializeSidecar(sidecar: RecoverySidecar): string {
  return prettyJsonLine(sidecarToJson(sidecar));
}

export function serializeApproval(a: ApprovalArtifact): string {
  return prettyJsonLine(approvalToJson(a));
}

export const SIDECAR_CODEC: RecordCodec<RecoverySidecar> = {
  encode: serializeSidecar,
  decode(v) {
    const p = RecoverySidecarSchema.safeParse(v, { reportInput: true });
    return p.success
      ? { ok: true, value: fromParsedSidecar(p.data), version: p.data.schema_version }
      : { ok: false, message: describeIssues(p.error.issues) };
  },
};

export const APPROVAL_CODEC: RecordCodec<ApprovalArtifact> = {
  encode: serializeApproval,
  decode(v) {
    const p = ApprovalArtifactSchema.safeParse(v, { reportInput: true });
    return p.success
      ? { ok: true, value: fromParsedApproval(p.data), version: p.data.schema_version }
      : { ok: false, message: describeIssues(p.error.issues) };
  },
};
