import type { Fixture } from "../scenario/schema.ts";
import { QUERY_TEXT, type QueryVariant, SCHEMA_TEXT, type SchemaVariant } from "./texts.ts";

/**
 * The harness's own record of what the operator wants: the reference the oracles compare
 * the cluster against. The working tree is always rendered from it.
 */
export interface DesiredGraph {
  readonly id: string;
  schema: SchemaVariant;
  query: QueryVariant;
}

export interface DesiredConfig {
  graphs: DesiredGraph[];
  /** `state.lock` in cluster.yaml. */
  readonly stateLock: boolean;
  /**
   * `danglingGroup`: a rule names a group the bundle never declares. Config validation never
   * reads a bundle's rules, so apply accepts it; serve refuses to load it.
   */
  policy: { readonly present: boolean; revision: number; danglingGroup: boolean };
  provider: { readonly present: boolean; model: string };
}

export function desiredFromFixture(f: Fixture): DesiredConfig {
  return {
    graphs: [...f.graphs].sort().map((id) => ({ id, schema: "v1", query: "v1" })),
    stateLock: f.stateLock,
    policy: { present: f.policy, revision: 0, danglingGroup: false },
    provider: { present: f.provider, model: "mock-m1" },
  };
}

export function cloneDesired(d: DesiredConfig): DesiredConfig {
  return {
    graphs: d.graphs.map((g) => ({ ...g })),
    stateLock: d.stateLock,
    policy: { ...d.policy },
    provider: { ...d.provider },
  };
}

/**
 * A graph-bound policy bundle in the server's format; the revision only changes its bytes. With
 * `danglingGroup` it grants `change` to a `writers` group it does not declare: well-formed
 * YAML that the policy loader rejects.
 */
export function policyText(revision: number, danglingGroup = false): string {
  const writers = danglingGroup
    ? [
        "  - id: writers-change",
        "    allow:",
        "      actors: { group: writers }",
        "      actions: [change]",
      ]
    : [];
  return [
    "version: 1",
    "groups:",
    "  readers: [act-reader]",
    "rules:",
    "  - id: readers-query",
    "    allow:",
    "      actors: { group: readers }",
    "      actions: [read, invoke_query]",
    ...writers,
    `# revision ${revision}`,
    "",
  ].join("\n");
}

/** The files of the config directory, by relative path, in a stable order. */
export function renderWorkTree(d: DesiredConfig): Array<[string, string]> {
  const files: Array<[string, string]> = [];
  const y: string[] = ["", "version: 1", "state:", "  backend: cluster", `  lock: ${d.stateLock}`];
  if (d.provider.present) {
    y.push(
      "providers:",
      "  embedding:",
      "    default:",
      "      kind: mock",
      `      model: ${d.provider.model}`,
    );
  }
  if (d.graphs.length > 0) {
    y.push("graphs:");
    for (const g of d.graphs) {
      y.push(`  ${g.id}:`, `    schema: ./${g.id}.pg`);
      if (d.provider.present) y.push("    embedding_provider: default");
      y.push("    queries:", "      find_person:", `        file: ./${g.id}.gq`);
      files.push([`${g.id}.pg`, SCHEMA_TEXT[g.schema]], [`${g.id}.gq`, QUERY_TEXT[g.query]]);
    }
  }
  if (d.policy.present && d.graphs.length > 0) {
    y.push(
      "policies:",
      "  base:",
      "    file: ./base.policy.yaml",
      `    applies_to: [${d.graphs.map((g) => g.id).join(", ")}]`,
    );
    files.push(["base.policy.yaml", policyText(d.policy.revision, d.policy.danglingGroup)]);
  }
  files.push(["cluster.yaml", `${y.join("\n")}\n`]);
  return files.sort((a, b) => (a[0] < b[0] ? -1 : 1));
}
