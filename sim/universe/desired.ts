import type { CLUSTER_CHANGES } from "../ops/editCluster.ts";
import type { HOSTILE_POLICY_CHANGES } from "../ops/editPolicy.ts";
import type { HOSTILE_PROVIDER_CHANGES } from "../ops/editProvider.ts";
import type { Fixture } from "../scenario/schema.ts";
import {
  nonUtf8,
  QUERY_TEXT,
  type QueryVariant,
  SCHEMA_TEXT,
  type SchemaVariant,
} from "./texts.ts";

/** A hostile policy edit in force (see editPolicy.ts), or none. */
export type PolicyHostile = (typeof HOSTILE_POLICY_CHANGES)[number];
/** A hostile provider profile in force (see editProvider.ts), or none. */
export type ProviderHostile = (typeof HOSTILE_PROVIDER_CHANGES)[number];
/** A hostile cluster.yaml edit in force (see editCluster.ts), or none. */
export type ClusterHostile = Exclude<(typeof CLUSTER_CHANGES)[number], "revert">;

/** The environment variable a hostile provider profile names and the server never has. */
export const UNSET_KEY_VAR = "OMNIGRAPH_SIM_UNSET_KEY";

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
  policy: {
    readonly present: boolean;
    revision: number;
    danglingGroup: boolean;
    /** A hostile edit of the bundle or its bindings (null: none). */
    hostile: PolicyHostile | null;
  };
  provider: { readonly present: boolean; model: string; hostile: ProviderHostile | null };
  /** A hostile edit of cluster.yaml itself (null: none). */
  cluster: ClusterHostile | null;
}

export function desiredFromFixture(f: Fixture): DesiredConfig {
  return {
    graphs: [...f.graphs].sort().map((id) => ({ id, schema: "v1", query: "v1" })),
    stateLock: f.stateLock,
    policy: { present: f.policy, revision: 0, danglingGroup: false, hostile: null },
    provider: { present: f.provider, model: "mock-m1", hostile: null },
    cluster: null,
  };
}

export function cloneDesired(d: DesiredConfig): DesiredConfig {
  return {
    graphs: d.graphs.map((g) => ({ ...g })),
    stateLock: d.stateLock,
    policy: { ...d.policy },
    provider: { ...d.provider },
    cluster: d.cluster,
  };
}

/**
 * A graph-bound policy bundle in the server's format; the revision only changes its bytes. With
 * `danglingGroup` it grants `change` to a `writers` group it does not declare: well-formed
 * YAML that the policy loader rejects.
 */
export function policyText(
  revision: number,
  danglingGroup = false,
  hostile: PolicyHostile | null = null,
): string {
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
    ...(hostile === null ? [] : (HOSTILE_RULES[hostile] ?? [])),
    `# revision ${revision}`,
    "",
  ].join("\n");
}

/**
 * Rules a hostile bundle adds. `scope-on-query`: a branch scope on an action that has no branch
 * (the loader refuses it); `server-action`: the server-scoped `graph_list` in a graph-bound
 * bundle (the wrong kind of bundle for its binding); `misspelled-scope`: `branch_scope` spelled
 * wrong, so a decoder that ignores unknown keys drops the rule's scope and the rule applies on
 * every branch.
 */
const HOSTILE_RULES: Partial<Record<PolicyHostile, readonly string[]>> = {
  "scope-on-query": [
    "  - id: readers-scoped",
    "    allow:",
    "      actors: { group: readers }",
    "      actions: [invoke_query]",
    "      branch_scope: protected",
  ],
  "server-action": [
    "  - id: readers-list",
    "    allow:",
    "      actors: { group: readers }",
    "      actions: [graph_list]",
  ],
  "misspelled-scope": [
    "  - id: readers-export",
    "    allow:",
    "      actors: { group: readers }",
    "      actions: [export]",
    "      branch_scpoe: protected",
  ],
};

/** A second, valid bundle (the `second-bundle` edit binds it to a scope the first holds). */
export const SECOND_BUNDLE_TEXT = policyText(0).replace("# revision 0", "# audit bundle");

/** A file's content: text, or bytes when the operator wrote something that is not UTF-8. */
export type FileContent = string | Uint8Array;

/** The files of the config directory, by relative path, in a stable order. */
export function renderWorkTree(d: DesiredConfig): Array<[string, FileContent]> {
  const files: Array<[string, FileContent]> = [];
  const c = d.cluster;
  const first = d.graphs[0]?.id;
  const y: string[] = ["", "version: 1"];
  if (c === "duplicate-key") y.push("version: 1");
  y.push(
    "state:",
    "  backend: cluster",
    `  ${c === "misspelled-key" ? "lokc" : "lock"}: ${d.stateLock}`,
  );
  if (d.provider.present) {
    const p = d.provider.hostile;
    y.push("providers:", "  embedding:", "    default:");
    if (p === null) y.push("      kind: mock", `      model: ${d.provider.model}`);
    else
      y.push(
        `      kind: ${p === "unknown-kind" ? "cohere" : "openai"}`,
        `      model: ${d.provider.model}`,
        `      api_key: \${${UNSET_KEY_VAR}}`,
      );
  }
  if (d.graphs.length > 0) {
    y.push("graphs:");
    for (const g of d.graphs) {
      y.push(`  ${g.id}:`, `    schema: ./${g.id}.pg`);
      if (c === "dangling-ref" && g.id === first) y.push("    embedding_provider: ghost");
      else if (d.provider.present) y.push("    embedding_provider: default");
      y.push("    queries:", "      find_person:", `        file: ./${g.id}.gq`);
      const query: FileContent =
        g.query === "non-utf8" ? nonUtf8(QUERY_TEXT[g.query], "//") : QUERY_TEXT[g.query];
      files.push([`${g.id}.pg`, SCHEMA_TEXT[g.schema]], [`${g.id}.gq`, query]);
    }
    if (c === "invalid-graph-id") y.push("  bad.id:", `    schema: ./${first}.pg`);
  }
  if (d.policy.present && d.graphs.length > 0) {
    const h = d.policy.hostile;
    const targets = d.graphs.map((g) => g.id);
    if (h === "cluster-and-graph") targets.unshift("cluster");
    if (h === "wrong-kind-binding") targets.push(`schema.${first}`);
    if (h === "ghost-graph") targets.push("ghost");
    y.push(
      "policies:",
      "  base:",
      "    file: ./base.policy.yaml",
      `    applies_to: [${targets.join(", ")}]`,
    );
    const text = policyText(d.policy.revision, d.policy.danglingGroup, h);
    files.push(["base.policy.yaml", h === "non-utf8" ? nonUtf8(text) : text]);
    if (h === "second-bundle") {
      y.push("  audit:", "    file: ./audit.policy.yaml", `    applies_to: [${first}]`);
      files.push(["audit.policy.yaml", SECOND_BUNDLE_TEXT]);
    }
  }
  if (c === "unknown-field") y.push("telemetry: true");
  if (c === "future-field") y.push("ui:", "  port: 8080");
  files.push(["cluster.yaml", `${y.join("\n")}\n`]);
  return files.sort((a, b) => (a[0] < b[0] ? -1 : 1));
}
