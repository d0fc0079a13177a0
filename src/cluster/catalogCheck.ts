import { resourceKind } from "./addresses.ts";
import { type Diagnostic, error, warning } from "./diagnostics.ts";
import { sha256Hex } from "./digests.ts";
import type { ClusterState } from "./records/state.ts";
import { sortedEntries } from "./records/zodText.ts";
import type { ClusterStore } from "./store/ClusterStore.ts";
import { payloadRelative } from "./store/payloads.ts";

export type PayloadFinding =
  | { readonly kind: "missing" }
  | { readonly kind: "mismatch"; readonly actualDigest: string }
  | { readonly kind: "read_error"; readonly message: string };

/**
 * Checks every payload-backed ledger digest against its content-addressed blob (read-only,
 * address order). Graph, schema and provider entries have no payload and are skipped.
 */
export async function verifyCatalogPayloads(
  store: ClusterStore,
  state: ClusterState,
): Promise<Array<[string, PayloadFinding]>> {
  const out: Array<[string, PayloadFinding]> = [];
  for (const [address, resource] of sortedEntries(state.applied_revision.resources)) {
    const kind = resourceKind(address);
    if (payloadRelative(kind, resource.digest) === null) continue;
    const read = await store.payloads.read(kind, resource.digest);
    if (!read.ok) out.push([address, { kind: "read_error", message: read.message }]);
    else if (read.value === null) out.push([address, { kind: "missing" }]);
    else {
      const actualDigest = sha256Hex(read.value);
      if (actualDigest !== resource.digest) out.push([address, { kind: "mismatch", actualDigest }]);
    }
  }
  return out;
}

export function payloadFindingDiagnostic(address: string, f: PayloadFinding): Diagnostic {
  switch (f.kind) {
    case "missing":
      return warning(
        "catalog_payload_missing",
        address,
        "catalog payload blob is missing; re-run `cluster apply` to republish",
      );
    case "mismatch":
      return warning(
        "catalog_payload_mismatch",
        address,
        `catalog payload blob does not match the recorded digest (actual sha256:${f.actualDigest}); re-run \`cluster apply\` to republish`,
      );
    case "read_error":
      // An unverifiable blob must not read as healthy.
      return error("catalog_payload_read_error", address, f.message);
  }
}
