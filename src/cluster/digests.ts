import { sha256Hex } from "../util/digest.ts";
import { type EmbeddingProfile, profileToJson } from "./records/embeddingProfile.ts";
import { sortedEntries } from "./records/zodText.ts";

export { sha256Hex };

/** The state CAS token: content identity of the ledger bytes. */
export function casToken(text: string): string {
  return `sha256:${sha256Hex(text)}`;
}

/**
 * The composite `graph.<g>` digest (spec §1.9): changes iff the schema digest, any query
 * digest, the set of query names, the provider binding, or the bound provider's digest does.
 * Queries are folded in name order.
 */
export function graphDigest(
  graphId: string,
  schemaDigest: string | undefined,
  queryDigests: ReadonlyMap<string, string> | undefined,
  embeddingProvider: string | undefined,
  embeddingProviderDigest: string | undefined,
): string {
  let input = `graph\0${graphId}\0schema\0${schemaDigest ?? ""}\0`;
  if (queryDigests !== undefined) {
    for (const [name, digest] of sortedEntries(queryDigests)) {
      input += `query\0${name}\0${digest}\0`;
    }
  }
  if (embeddingProvider !== undefined) {
    input += `embedding_provider\0${embeddingProvider}\0${embeddingProviderDigest ?? ""}\0`;
  }
  return sha256Hex(input);
}

/** A provider's digest covers its profile with `${ENV}` references unresolved. */
export function embeddingProviderDigest(profile: EmbeddingProfile): string {
  return sha256Hex(`embedding-provider\0${JSON.stringify(profileToJson(profile))}`);
}

/**
 * The desired config digest: the parsed configuration (so comments and layout do not count)
 * followed by every desired resource digest in address order.
 */
export function desiredConfigDigest(
  canonicalConfig: unknown,
  resourceDigests: ReadonlyMap<string, string>,
): string {
  let input = `cluster-config\0${JSON.stringify(canonicalConfig)}\0`;
  for (const [address, digest] of sortedEntries(resourceDigests)) {
    input += `${address}\0${digest}\0`;
  }
  return sha256Hex(input);
}
