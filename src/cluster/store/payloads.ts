import type { ResourceKind } from "../addresses.ts";
import { CLUSTER_RESOURCES_DIR } from "../constants.ts";
import { error } from "../diagnostics.ts";
import { sha256Hex } from "../digests.ts";
import { type Attempt, attempt, fail, ok, type Result } from "./attempt.ts";
import type { StoreSite } from "./site.ts";

/** Content-addressed location of a query/policy payload; other kinds have none. */
export function payloadRelative(kind: ResourceKind, digest: string): string | null {
  switch (kind.kind) {
    case "query":
      return `${CLUSTER_RESOURCES_DIR}/query/${kind.graph}/${kind.name}/${digest}.gq`;
    case "policy":
      return `${CLUSTER_RESOURCES_DIR}/policy/${kind.name}/${digest}.yaml`;
    default:
      return null;
  }
}

/** The catalog's payload blobs (query and policy sources), stored under their digest. */
export class PayloadStore {
  constructor(private readonly site: StoreSite) {}

  /** Probe before a payload write; a failing probe reads as "absent" (the write decides). */
  async exists(kind: ResourceKind, digest: string): Promise<boolean> {
    const rel = payloadRelative(kind, digest);
    if (rel === null) return false;
    const r = await attempt(() => this.site.storage.exists(this.site.key(rel)));
    return r.ok && r.value;
  }

  /** The blob text, null when absent; a transport failure is reported as text. */
  async read(kind: ResourceKind, digest: string): Promise<Attempt<string | null>> {
    const rel = payloadRelative(kind, digest);
    if (rel === null) return { ok: true, value: null };
    const r = await attempt(() => this.site.storage.tryRead(this.site.key(rel)));
    if (r.ok) return r;
    return {
      ok: false,
      message: `could not read catalog payload '${this.site.display(rel)}': ${r.message}`,
    };
  }

  /** Idempotent: an object already at its digest is by definition identical. */
  async write(kind: ResourceKind, digest: string, content: string): Promise<string | null> {
    const rel = payloadRelative(kind, digest);
    if (rel === null) return "resource kind has no payload";
    const { storage } = this.site;
    const key = this.site.key(rel);
    const r = await attempt(async () => {
      if (await storage.exists(key)) return;
      await storage.put("cluster.payload.write", key, content);
    });
    return r.ok ? null : r.message;
  }

  /** Reads a payload and checks it against its recorded digest (the serving snapshot's read). */
  async readVerified(kind: ResourceKind, digest: string, address: string): Promise<Result<string>> {
    const rel = payloadRelative(kind, digest);
    if (rel === null)
      return fail(error("catalog_payload_missing", address, "resource kind has no payload"));
    const remedy = "run `cluster refresh` then `cluster apply`, and restart";
    const blob = this.site.display(rel);
    const r = await attempt(() => this.site.storage.tryRead(this.site.key(rel)));
    if (!r.ok) {
      return fail(
        error(
          "catalog_payload_missing",
          address,
          `catalog blob '${blob}' unreadable (${r.message}); ${remedy}`,
        ),
      );
    }
    if (r.value === null) {
      return fail(
        error(
          "catalog_payload_missing",
          address,
          `catalog blob '${blob}' unreadable (object does not exist); ${remedy}`,
        ),
      );
    }
    if (sha256Hex(r.value) !== digest) {
      return fail(
        error(
          "catalog_payload_digest_mismatch",
          address,
          `catalog blob '${blob}' does not match its recorded digest; ${remedy}`,
        ),
      );
    }
    return ok(r.value);
  }
}
