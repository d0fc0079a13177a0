import { posix } from "node:path";

/**
 * Where a cluster keeps what it stores, in three spellings: the URI upstream uses for store
 * calls (`file:///abs/dir`, `s3://bucket/prefix`), the display form its diagnostics and
 * observations print (the plain path for local roots), and the key prefix in the model's one
 * object store.
 *
 * The model has a single object store per world, so every storage location maps onto it:
 * the config directory itself (the default root) is the store root (prefix ""), other local
 * paths under the config dir keep their relative path, local paths elsewhere live under
 * `@local/<abs path>`, and `s3://bucket/p` under `@s3/bucket/p`. Relative local roots are
 * resolved against the config dir (upstream resolves them against the process's working
 * directory, which the model does not have).
 */
export interface StorageRoot {
  readonly kind: "local" | "s3";
  readonly uri: string;
  readonly display: string;
  readonly prefix: string;
}

function trimSlashes(p: string): string {
  const t = p.replace(/\/+$/, "");
  return t === "" && p.startsWith("/") ? "/" : t;
}

function normalizeLocal(configDir: string, path: string): string {
  const abs = path.startsWith("/") ? path : posix.join(configDir, path);
  return trimSlashes(posix.normalize(abs));
}

/** The store key prefix of a storage location, or null when it names nothing storable. */
export function locationKey(configDir: string, location: string): string | null {
  if (location.startsWith("s3://")) {
    const segments = location
      .slice(5)
      .split("/")
      .filter((s) => s !== "");
    if (segments.length === 0 || segments.some((s) => s === "." || s === "..")) return null;
    return ["@s3", ...segments].join("/");
  }
  const path = normalizeLocal(
    configDir,
    location.startsWith("file://") ? location.slice(7) : location,
  );
  const base = normalizeLocal("/", configDir);
  if (path === base) return "";
  const under = base === "/" ? "/" : `${base}/`;
  if (path.startsWith(under)) return path.slice(under.length);
  if (!path.startsWith("/")) return null;
  return `@local${path}`;
}

export function configDirRoot(configDir: string): StorageRoot {
  const display = trimSlashes(configDir) || configDir;
  return { kind: "local", uri: `file://${display}`, display, prefix: "" };
}

/** The root a `storage:` value names; an unusable one is `storage_root_invalid` upstream. */
export function storageRootFor(
  configDir: string,
  storage: string,
): { ok: true; root: StorageRoot } | { ok: false; message: string } {
  const trimmed = storage.replace(/\/+$/, "");
  if (trimmed.startsWith("s3://")) {
    const prefix = locationKey(configDir, trimmed);
    if (prefix === null) {
      return {
        ok: false,
        message: `could not initialize storage for '${storage}': invalid bucket`,
      };
    }
    return { ok: true, root: { kind: "s3", uri: trimmed, display: trimmed, prefix } };
  }
  if (trimmed.includes("://") && !trimmed.startsWith("file://")) {
    return {
      ok: false,
      message: `could not initialize storage for '${storage}': unsupported storage scheme`,
    };
  }
  const path = trimmed.startsWith("file://") ? trimmed.slice(7) : trimmed;
  const display = normalizeLocal(configDir, path);
  const prefix = locationKey(configDir, display);
  if (prefix === null) {
    return { ok: false, message: `could not initialize storage for '${storage}': invalid path` };
  }
  return { ok: true, root: { kind: "local", uri: `file://${display}`, display, prefix } };
}

export function joinKey(prefix: string, relative: string): string {
  return prefix === "" ? relative : `${prefix}/${relative}`;
}
