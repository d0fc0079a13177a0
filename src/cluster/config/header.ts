import { type Diagnostic, error } from "../diagnostics.ts";
import type { RawClusterConfig } from "./raw.ts";

export interface ClusterSettings {
  readonly stateLock: boolean;
  /** The declared `storage:` root, trimmed (null: the config dir itself). */
  readonly storageRoot: string | null;
}

/** Header checks: version, metadata name, state backend, storage root shape. */
export function validateClusterHeader(
  raw: RawClusterConfig,
  diagnostics: Diagnostic[],
): ClusterSettings {
  if (raw.version !== 1) {
    diagnostics.push(
      error(
        "unsupported_cluster_config_version",
        "version",
        `unsupported cluster config version ${raw.version}; this build supports version 1`,
      ),
    );
  }
  if (raw.metadata.name !== null && raw.metadata.name.trim() === "") {
    diagnostics.push(
      error(
        "empty_metadata_name",
        "metadata.name",
        "metadata.name must not be empty when provided",
      ),
    );
  }
  if (raw.state.backend !== null && raw.state.backend !== "cluster") {
    diagnostics.push(
      error(
        "unsupported_state_backend",
        "state.backend",
        "Stage 2C supports only omitted state.backend or `cluster`",
      ),
    );
  }
  if (raw.storage !== null) {
    const trimmed = raw.storage.trim();
    if (trimmed === "") {
      diagnostics.push(
        error(
          "invalid_storage_root",
          "storage",
          "storage must be a non-empty URI (e.g. s3://bucket/prefix) when provided",
        ),
      );
    } else if (trimmed.startsWith("s3://") && trimmed.slice(5).replace(/^\/+/, "") === "") {
      diagnostics.push(
        error("invalid_storage_root", "storage", "storage s3:// URI must name a bucket"),
      );
    }
  }
  return { stateLock: raw.state.lock ?? true, storageRoot: storageRootOf(raw) };
}

/** The storage root as commands use it: trimmed, trailing slashes dropped, blank = none. */
export function storageRootOf(raw: RawClusterConfig): string | null {
  if (raw.storage === null) return null;
  const trimmed = raw.storage.trim();
  return trimmed === "" ? null : trimmed.replace(/\/+$/, "");
}
