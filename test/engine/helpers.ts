import {
  EngineError,
  type Graph,
  initGraph,
  type OpenMode,
  type OpenOptions,
  openGraph,
} from "../../src/engine/index.ts";
import type { Process } from "../../src/world/process.ts";
import type { MemoryStore } from "../../src/world/store/MemoryStore.ts";
import { World } from "../../src/world/world.ts";

export const ROOT = "graphs/knowledge.omni";

/** The cluster tests' fixture schema, byte for byte. */
export const V1 = "\nnode Person {\n  name: String @key\n  age: I32?\n}\n";
/** V1 plus a nullable property: rewrites `node:Person`. */
export const V2 = "\nnode Person {\n  name: String @key\n  age: I32?\n  bio: String?\n}\n";
/** V1 with `age` widened: unsupported. */
export const V_TYPE_CHANGE = "\nnode Person {\n  name: String @key\n  age: I64?\n}\n";
/** V1 plus a required property: unsupported (needs a backfill). */
export const V_REQUIRED = "\nnode Person {\n  name: String @key\n  age: I32?\n  bio: String\n}\n";

export function dump(world: World): Array<[string, string]> {
  return (world.store as MemoryStore).dump();
}

export function keys(world: World): string[] {
  return dump(world).map(([k]) => k);
}

export class Harness {
  readonly world: World;
  private n = 0;

  constructor(seed: number | string = 1) {
    this.world = World.simulated(seed, { trace: false });
  }

  proc(name = "engine"): Process {
    this.n++;
    return this.world.spawn(`${name}-${this.n}`);
  }

  async init(source = V1, root = ROOT): Promise<void> {
    await initGraph(this.proc("init"), root, source);
  }

  open(mode: OpenMode = "read_write", root = ROOT, opts: OpenOptions = {}): Promise<Graph> {
    return openGraph(this.proc("open"), root, mode, opts);
  }

  /** A fresh process's read-write open, or the error it fails with. */
  async tryOpen(mode: OpenMode = "read_write", root = ROOT): Promise<Graph | EngineError> {
    try {
      return await this.open(mode, root);
    } catch (e) {
      if (e instanceof EngineError) return e;
      throw e;
    }
  }
}

export async function engineError(p: Promise<unknown>): Promise<EngineError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof EngineError) return e;
    throw e;
  }
  throw new Error("expected an EngineError, but the call succeeded");
}

export function sidecarKeys(world: World, root = ROOT): string[] {
  return keys(world).filter((k) => k.startsWith(`${root}/__recovery/`));
}

export function stagingKeys(world: World, root = ROOT): string[] {
  return keys(world).filter((k) => k.startsWith(`${root}/`) && k.endsWith(".staging"));
}

export function liveSchema(world: World, root = ROOT): string | null {
  return dump(world).find(([k]) => k === `${root}/_schema.pg`)?.[1] ?? null;
}

export function hasLockBranch(world: World, root = ROOT): boolean {
  return keys(world).includes(`${root}/__manifest/branches/__schema_apply_lock__.json`);
}

/** Whether the commit graph holds a branch for the schema-apply lock (its derived side). */
export function hasCommitGraphLockBranch(world: World, root = ROOT): boolean {
  return keys(world).includes(
    `${root}/_graph_commits.lance/_refs/branches/__schema_apply_lock__.json`,
  );
}

/** Main's version as the store holds it (no engine call, no contract check). */
export function storedMainVersion(world: World, root = ROOT): number {
  const versions = keys(world)
    .filter((k) => k.startsWith(`${root}/__manifest/versions/`))
    .map((k) => Number(k.slice(k.lastIndexOf("/") + 1, -".json".length)));
  return versions.length === 0 ? 0 : Math.max(...versions);
}
