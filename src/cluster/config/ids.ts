import { graphIdOf } from "../addresses.ts";
import { type Diagnostic, error } from "../diagnostics.ts";

const ID = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/**
 * Graph ids, query, policy and provider names: a letter or `_`, then letters, digits, `_`
 * or `-`. This is also what keeps `/`, `.` and `..` out of derived graph roots and keys.
 */
export function isValidId(value: string): boolean {
  return ID.test(value);
}

export function validateId(
  kind: string,
  path: string,
  value: string,
  diagnostics: Diagnostic[],
): void {
  if (!isValidId(value)) {
    diagnostics.push(
      error(
        "invalid_resource_id",
        path,
        `${kind} \`${value}\` must start with a letter or \`_\` and contain only ASCII letters, digits, \`_\`, or \`-\``,
      ),
    );
  }
}

export type PolicyTarget =
  | { readonly kind: "cluster" }
  | { readonly kind: "graph"; readonly graphId: string }
  | { readonly kind: "wrong_kind"; readonly value: string };

/** `cluster` stays; `graph.x` and bare `x` name graph x; anything else dotted is the wrong kind. */
export function normalizePolicyTarget(value: string): PolicyTarget {
  if (value === "cluster") return { kind: "cluster" };
  const graphId = graphIdOf(value);
  if (graphId !== null) return { kind: "graph", graphId };
  if (value.includes(".")) return { kind: "wrong_kind", value };
  return { kind: "graph", graphId: value };
}

export type ProviderTarget =
  | { readonly kind: "provider"; readonly name: string }
  | { readonly kind: "wrong_kind"; readonly value: string };

export function normalizeEmbeddingProviderTarget(value: string): ProviderTarget {
  if (value.startsWith("provider.embedding.")) return { kind: "provider", name: value.slice(19) };
  if (value.includes(".")) return { kind: "wrong_kind", value };
  return { kind: "provider", name: value };
}
