import type { ResourceKind } from "../addresses.ts";
import { type Diagnostic, error, errorText } from "../diagnostics.ts";
import { sha256Hex } from "../digests.ts";
import type { ClusterStore } from "../store/ClusterStore.ts";
import { decodeUtf8, type WorkTree } from "../worktree.ts";

/**
 * Re-reads a schema source under the lock and checks it still hashes to the digest the run
 * planned with: the working tree may have changed since phase A (a TOCTOU detector).
 */
export async function rereadSchemaSource(
  workTree: WorkTree,
  path: string | undefined,
  expectedDigest: string,
  failCode: "graph_create_failed" | "schema_apply_failed",
  failPath: string,
  schemaAddr: string,
): Promise<{ ok: true; source: string } | { ok: false; diagnostic: Diagnostic }> {
  if (path === undefined) {
    return {
      ok: false,
      diagnostic: error(failCode, failPath, "no schema source recorded for graph"),
    };
  }
  let source: string;
  try {
    source = await workTree.readText(path);
  } catch (e) {
    return {
      ok: false,
      diagnostic: error(
        failCode,
        failPath,
        `could not read schema source '${path}': ${errorText(e)}`,
      ),
    };
  }
  if (sha256Hex(source) !== expectedDigest) {
    return {
      ok: false,
      diagnostic: error(
        "resource_content_changed",
        schemaAddr,
        "schema source changed while apply was running; re-run `cluster apply`",
      ),
    };
  }
  return { ok: true, source };
}

/**
 * Publishes one content-addressed payload blob. An existing blob at the digest is trusted;
 * otherwise the working-tree file is re-read, re-verified and must be UTF-8.
 */
export async function writeResourcePayload(
  store: ClusterStore,
  workTree: WorkTree,
  kind: ResourceKind,
  sourcePath: string,
  expectedDigest: string,
  resource: string,
  opts: {
    /** Defect `payload-decodes-lossily`: bytes that are not UTF-8 are decoded with U+FFFD. */
    readonly lossyUtf8?: boolean;
  } = {},
): Promise<Diagnostic | null> {
  if (await store.payloads.exists(kind, expectedDigest)) return null;
  let bytes: Uint8Array;
  try {
    bytes = await workTree.readFile(sourcePath);
  } catch (e) {
    return error(
      "resource_payload_write_error",
      resource,
      `could not read resource source '${sourcePath}': ${errorText(e)}`,
    );
  }
  if (sha256Hex(bytes) !== expectedDigest) {
    return error(
      "resource_content_changed",
      resource,
      `resource source '${sourcePath}' changed while apply was running; re-run \`cluster apply\``,
    );
  }
  let content: string;
  try {
    content =
      opts.lossyUtf8 === true
        ? new TextDecoder("utf-8", { ignoreBOM: true }).decode(bytes)
        : decodeUtf8(bytes);
  } catch (e) {
    return error(
      "resource_payload_write_error",
      resource,
      `resource source is not valid UTF-8: ${errorText(e)}`,
    );
  }
  const failure = await store.payloads.write(kind, expectedDigest, content);
  return failure === null
    ? null
    : error("resource_payload_write_error", resource, `could not write payload: ${failure}`);
}
