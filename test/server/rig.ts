import { Volume } from "memfs";
import { apply, importState } from "../../src/cluster/index.ts";
import { type FsReadLike, fsWorkTree, type WorkTree } from "../../src/cluster/worktree.ts";
import { initGraph } from "../../src/engine/index.ts";
import {
  type BootOptions,
  type BootOutcome,
  bootServerWithRegistry,
  type ServerRegistry,
} from "../../src/server/index.ts";
import type { DefectName } from "../../src/world/defects.ts";
import type { World } from "../../src/world/world.ts";
import { newWorld, SERVER_FIND_PERSON_GQ, SERVER_PEOPLE_PG } from "./fixtures.ts";

export const CONFIG_DIR = "/cluster";

/** Upstream's server-test cluster.yaml (`converged_cluster_dir`), before any `extra`. */
export const SERVER_CLUSTER_YAML =
  "\nversion: 1\ngraphs:\n  knowledge:\n    schema: ./people.pg\n    queries:\n      find_person:\n        file: ./people.gq\n";

/**
 * A cluster driven through the real control plane: a memfs working tree, `cluster import`
 * and `cluster apply` in their own processes, and a server booted in another.
 */
export class ServeRig {
  readonly world: World;
  readonly vol = new Volume();
  readonly workTree: WorkTree;

  constructor(opts: { env?: Record<string, string>; defects?: readonly DefectName[] } = {}) {
    this.world = newWorld(opts);
    this.vol.mkdirSync(CONFIG_DIR, { recursive: true });
    this.workTree = fsWorkTree(this.vol.promises as unknown as FsReadLike);
  }

  write(relative: string, text: string): this {
    this.vol.writeFileSync(`${CONFIG_DIR}/${relative}`, text);
    return this;
  }

  /** Upstream's `converged_cluster_dir(extra)` working tree. */
  serverFixture(extraYaml = ""): this {
    return this.write("people.pg", SERVER_PEOPLE_PG)
      .write("people.gq", SERVER_FIND_PERSON_GQ)
      .write("cluster.yaml", SERVER_CLUSTER_YAML + extraYaml);
  }

  private ctx(name: string) {
    return { proc: this.world.spawn(name), workTree: this.workTree, configDir: CONFIG_DIR };
  }

  /** `cluster import` then `cluster apply`; throws unless the apply converged. */
  async converge(): Promise<void> {
    const imp = await importState(this.ctx("import"));
    if (!imp.ok) throw new Error(`import failed: ${JSON.stringify(imp.diagnostics)}`);
    await this.apply();
  }

  async apply(): Promise<void> {
    const out = await apply(this.ctx("apply"));
    if (!out.ok || !out.converged)
      throw new Error(`apply failed: ${JSON.stringify(out.diagnostics)}`);
  }

  async initGraph(key: string, schema: string): Promise<void> {
    await initGraph(this.world.spawn("init"), key, schema);
  }

  boot(opts: BootOptions = {}): Promise<BootOutcome> {
    return bootServerWithRegistry(this.world.spawn("server"), {
      clusterRoot: CONFIG_DIR,
      workTree: this.workTree,
      ...opts,
    });
  }

  /** Boots and insists on a ready registry. */
  async ready(opts: BootOptions = {}): Promise<ServerRegistry> {
    const b = await this.boot(opts);
    if (b.registry === null) throw new Error(`boot failed: ${JSON.stringify(b.result)}`);
    return b.registry;
  }
}
