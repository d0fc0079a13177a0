/**
 * Typed resource addresses: `graph.<g>`, `schema.<g>`, `query.<g>.<name>`, `policy.<name>`,
 * `provider.embedding.<name>`.
 */
export function graphAddress(graphId: string): string {
  return `graph.${graphId}`;
}

export function schemaAddress(graphId: string): string {
  return `schema.${graphId}`;
}

export function queryAddress(graphId: string, name: string): string {
  return `query.${graphId}.${name}`;
}

export function policyAddress(name: string): string {
  return `policy.${name}`;
}

export function embeddingProviderAddress(name: string): string {
  return `provider.embedding.${name}`;
}

export type ResourceKind =
  | { readonly kind: "graph"; readonly graph: string }
  | { readonly kind: "schema"; readonly graph: string }
  | { readonly kind: "query"; readonly graph: string; readonly name: string }
  | { readonly kind: "policy"; readonly name: string }
  | { readonly kind: "embedding_provider"; readonly name: string }
  | { readonly kind: "unknown" };

/** Classifies an address by its prefix; a query address splits at its first dot after `query.`. */
export function resourceKind(address: string): ResourceKind {
  if (address.startsWith("graph.")) return { kind: "graph", graph: address.slice(6) };
  if (address.startsWith("schema.")) return { kind: "schema", graph: address.slice(7) };
  if (address.startsWith("query.")) {
    const rest = address.slice(6);
    const dot = rest.indexOf(".");
    if (dot < 0) return { kind: "unknown" };
    return { kind: "query", graph: rest.slice(0, dot), name: rest.slice(dot + 1) };
  }
  if (address.startsWith("policy.")) return { kind: "policy", name: address.slice(7) };
  if (address.startsWith("provider.embedding.")) {
    return { kind: "embedding_provider", name: address.slice(19) };
  }
  return { kind: "unknown" };
}

/** The graph id of a `graph.<g>` address, or null for any other address. */
export function graphIdOf(address: string): string | null {
  return address.startsWith("graph.") ? address.slice(6) : null;
}
