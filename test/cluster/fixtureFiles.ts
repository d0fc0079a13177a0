/**
 * The byte-exact files of upstream's shared cluster fixture, and a memfs working tree to put
 * them in. Split from fixture.ts so tests of pure config code need no engine.
 */
import { createFsFromVolume, Volume } from "memfs";
import { fsWorkTree, type WorkTree } from "../../src/cluster/worktree.ts";

export const CONFIG_DIR = "/cluster";

/** people.pg, byte-exact (leading and trailing newline). */
export const SCHEMA = "\nnode Person {\n  name: String @key\n  age: I32?\n}\n";
/** V2: a supported add-property migration that rewrites the Person table. */
export const SCHEMA_V2 = "\nnode Person {\n  name: String @key\n  age: I32?\n  bio: String?\n}\n";
/** A property type change: the planner rejects it ("changing property type"). */
export const SCHEMA_UNSUPPORTED = "\nnode Person {\n  name: String @key\n  age: I64?\n}\n";
export const QUERY =
  "\nquery find_person($name: String) {\n  match { $p: Person { name: $name } }\n  return { $p.name, $p.age }\n}\n";
/** The query rewritten to read `bio` (valid only against V2). */
export const QUERY_V2 =
  "\nquery find_person($name: String) {\n  match { $p: Person { name: $name } }\n  return { $p.name, $p.bio }\n}\n";
export const POLICY = "rules: []\n";

const CLUSTER_BODY =
  "state:\n  backend: cluster\n  lock: true\ngraphs:\n  knowledge:\n    schema: ./people.pg\n    queries:\n      find_person:\n        file: ./people.gq\npolicies:\n  base:\n    file: ./base.policy.yaml\n    applies_to: [knowledge]\n";

/** tests.rs `fixture()` cluster.yaml. */
export const CLUSTER_YAML = `\nversion: 1\nmetadata:\n  name: test\n${CLUSTER_BODY}`;
/** tests/failpoints.rs `fixture()` cluster.yaml: the same without the `metadata:` block. */
export const CLUSTER_YAML_FAILPOINTS = `\nversion: 1\n${CLUSTER_BODY}`;

/** `write_mock_embedding_cluster(dir, model)`: provider `default` (mock) bound to knowledge. */
export function mockEmbeddingClusterYaml(model: string): string {
  return (
    "\nversion: 1\nmetadata:\n  name: test\nstate:\n  backend: cluster\n  lock: true\n" +
    `providers:\n  embedding:\n    default:\n      kind: mock\n      model: ${model}\n` +
    "graphs:\n  knowledge:\n    schema: ./people.pg\n    embedding_provider: default\n" +
    "    queries:\n      find_person:\n        file: ./people.gq\n" +
    "policies:\n  base:\n    file: ./base.policy.yaml\n    applies_to: [knowledge]\n"
  );
}

/** A memfs volume with the fixture files in the config dir, and its working tree. */
export function fixtureTree(variant: "tests" | "failpoints" = "tests"): {
  vol: Volume;
  workTree: WorkTree;
} {
  const vol = new Volume();
  vol.mkdirSync(CONFIG_DIR, { recursive: true });
  vol.writeFileSync(`${CONFIG_DIR}/people.pg`, SCHEMA);
  vol.writeFileSync(`${CONFIG_DIR}/people.gq`, QUERY);
  vol.writeFileSync(`${CONFIG_DIR}/base.policy.yaml`, POLICY);
  vol.writeFileSync(
    `${CONFIG_DIR}/cluster.yaml`,
    variant === "failpoints" ? CLUSTER_YAML_FAILPOINTS : CLUSTER_YAML,
  );
  return { vol, workTree: fsWorkTree(createFsFromVolume(vol).promises as never) };
}
