import { describe, expect, it } from "vitest";
import type { FailpointName } from "../../src/catalog/failpoints.ts";
import { EngineError, type Graph } from "../../src/engine/index.ts";
import { World } from "../../src/world/world.ts";
import {
  Harness,
  hasCommitGraphLockBranch,
  hasLockBranch,
  keys,
  ROOT,
  storedMainVersion,
  V1,
  V2,
} from "./helpers.ts";

/**
 * The graph coordinator's two-sided branches (upstream's `GraphCoordinator::branch_create` and
 * `branch_delete` in crates/omnigraph/src/db/graph_coordinator.rs @7fd23c54), through the
 * schema-apply lock and through the engine's own branch create and delete:
 * - create writes the manifest ref, then the commit-graph branch (dropping a zombie of the
 *   same name first); a failure on the commit-graph side rolls the manifest ref back;
 * - delete removes the manifest ref (the authority), then reclaims the commit-graph branch
 *   best effort behind `branch_delete.before_commit_graph_reclaim`.
 * Failpoints run in both modes: `error` (upstream's injected return) and `crash` (a death).
 */
const MODES = ["error", "crash"] as const;
type Mode = (typeof MODES)[number];

const CG_BRANCHES = `${ROOT}/_graph_commits.lance/_refs/branches/`;

function commitGraphBranches(h: Harness): string[] {
  return keys(h.world)
    .filter((k) => k.startsWith(CG_BRANCHES))
    .map((k) => decodeURIComponent(k.slice(CG_BRANCHES.length, -".json".length)));
}

function manifestBranches(h: Harness): string[] {
  const dir = `${ROOT}/__manifest/branches/`;
  return keys(h.world)
    .filter((k) => k.startsWith(dir))
    .map((k) => decodeURIComponent(k.slice(dir.length, -".json".length)));
}

/** A graph at main v2 (init and one insert), opened read-write. */
async function seeded(name: string): Promise<{ h: Harness; g: Graph }> {
  const h = new Harness(name);
  await h.init(V1);
  const g = await h.open();
  await g.insert("Person", [{ name: "ada", age: 36 }]);
  return { h, g };
}

/** Runs `f` with `name` armed in `mode`: "ok", the injected error, or "died". */
async function withFailpoint(
  h: Harness,
  g: Graph,
  name: FailpointName,
  mode: Mode,
  f: () => Promise<unknown>,
): Promise<"ok" | "died" | EngineError> {
  h.world.failpoints.set(name, mode);
  const run = await World.run(g.context.proc, async () => {
    try {
      await f();
      return "ok" as const;
    } catch (e) {
      if (e instanceof EngineError) return e;
      throw e;
    }
  });
  h.world.failpoints.clearAll();
  if (run.kind === "died") {
    expect(run.cause).toBe(`crash at ${name}`);
    return "died";
  }
  return run.value;
}

function expectInjected(out: "ok" | "died" | EngineError, name: string): void {
  expect(out).toBeInstanceOf(EngineError);
  expect((out as EngineError).code).toBe("injected");
  expect((out as EngineError).message).toBe(`injected failpoint triggered: ${name}`);
}

/** What an apply does with a graph whose lock branch a failure left behind: it refuses. */
async function expectStaleLock(h: Harness): Promise<void> {
  const g = await h.open();
  const err = await g.applySchema(V2, { allowDataLoss: false }).catch((e) => e);
  expect(err).toBeInstanceOf(EngineError);
  expect(err.code).toBe("schema_apply_in_progress");
}

describe("schema-apply lock: the commit-graph side", () => {
  it("acquire writes the commit-graph branch after the manifest branch", async () => {
    const { h, g } = await seeded("cg-order");
    h.world.failpoints.reached.clear();
    await g.applySchema(V2, { allowDataLoss: false });
    const order = [...h.world.failpoints.reached.keys()];
    const at = (n: FailpointName) => order.indexOf(n);
    expect(at("engine.branch.create.after")).toBeGreaterThanOrEqual(0);
    expect(at("engine.branch.create.after")).toBeLessThan(
      at("branch_create.after_manifest_branch_create"),
    );
    expect(at("branch_create.after_manifest_branch_create")).toBeLessThan(
      at("engine.commits.create_branch.before"),
    );
    // No zombie: nothing to drop.
    expect(at("engine.commits.delete_zombie_branch.before")).toBe(-1);
  });

  it("both sides of the lock branch exist while the lock is held", async () => {
    const { h, g } = await seeded("cg-held");
    let seen: [boolean, boolean] | null = null;
    h.world.failpoints.setCallback("recovery.sidecar_write", () => {
      seen = [hasLockBranch(h.world), hasCommitGraphLockBranch(h.world)];
      return "continue";
    });
    await g.applySchema(V2, { allowDataLoss: false });
    expect(seen).toEqual([true, true]);
  });

  it("release reclaims the commit-graph branch", async () => {
    const { h, g } = await seeded("cg-release");
    const r = await g.applySchema(V2, { allowDataLoss: false });
    expect(r.applied).toBe(true);
    expect(hasLockBranch(h.world)).toBe(false);
    expect(hasCommitGraphLockBranch(h.world)).toBe(false);
    expect(commitGraphBranches(h)).toEqual([]);
  });

  for (const name of [
    "branch_create.after_manifest_branch_create",
    "engine.commits.create_branch.before",
  ] as const) {
    it(`a failure on the commit-graph side rolls the manifest branch back (${name}, error)`, async () => {
      const { h, g } = await seeded(`cg-rollback-${name}`);
      const out = await withFailpoint(h, g, name, "error", () =>
        g.applySchema(V2, { allowDataLoss: false }),
      );
      expectInjected(out, name);
      expect(hasLockBranch(h.world)).toBe(false);
      expect(hasCommitGraphLockBranch(h.world)).toBe(false);
      // Nothing moved; the next apply runs.
      expect(storedMainVersion(h.world)).toBe(2);
      const again = await (await h.open()).applySchema(V2, { allowDataLoss: false });
      expect(again.applied).toBe(true);
    });

    it(`a crash between the manifest branch and the commit-graph branch leaves a lock branch with no commit-graph side (${name}, crash)`, async () => {
      const { h, g } = await seeded(`cg-crash-${name}`);
      const out = await withFailpoint(h, g, name, "crash", () =>
        g.applySchema(V2, { allowDataLoss: false }),
      );
      expect(out).toBe("died");
      expect(hasLockBranch(h.world)).toBe(true);
      expect(hasCommitGraphLockBranch(h.world)).toBe(false);
      // Upstream has no repair on open: the open leaves it, and the next acquire refuses.
      await h.open();
      expect(hasLockBranch(h.world)).toBe(true);
      await expectStaleLock(h);
    });
  }

  it("an ack-lost commit-graph create rolls the manifest branch back and leaves a zombie the next acquire drops (error)", async () => {
    const { h, g } = await seeded("cg-ack-lost");
    const name = "engine.commits.create_branch.after";
    const out = await withFailpoint(h, g, name, "error", () =>
      g.applySchema(V2, { allowDataLoss: false }),
    );
    expectInjected(out, name);
    expect(hasLockBranch(h.world)).toBe(false);
    expect(hasCommitGraphLockBranch(h.world)).toBe(true);
    const g2 = await h.open();
    h.world.failpoints.reached.clear();
    const again = await g2.applySchema(V2, { allowDataLoss: false });
    expect(again.applied).toBe(true);
    expect(h.world.failpoints.reached.has("engine.commits.delete_zombie_branch.after")).toBe(true);
    expect(hasCommitGraphLockBranch(h.world)).toBe(false);
  });

  it("a failed rollback leaves a stale lock branch", async () => {
    const { h, g } = await seeded("cg-failed-rollback");
    h.world.failpoints.set("engine.branch.delete.before", "error");
    const name = "engine.commits.create_branch.before";
    const out = await withFailpoint(h, g, name, "error", () =>
      g.applySchema(V2, { allowDataLoss: false }),
    );
    // The commit-graph side's error is returned, not the rollback's.
    expectInjected(out, name);
    expect(hasLockBranch(h.world)).toBe(true);
    expect(hasCommitGraphLockBranch(h.world)).toBe(false);
    await expectStaleLock(h);
  });

  for (const mode of MODES) {
    it(`a failure before the reclaim leaves a zombie the next acquire force-deletes (${mode})`, async () => {
      const { h, g } = await seeded(`cg-zombie-${mode}`);
      const name = "branch_delete.before_commit_graph_reclaim";
      const out = await withFailpoint(h, g, name, mode, () =>
        g.applySchema(V2, { allowDataLoss: false }),
      );
      // The reclaim is best effort: an error there does not fail the (completed) apply.
      expect(out).toBe(mode === "error" ? "ok" : "died");
      expect(storedMainVersion(h.world)).toBe(3);
      expect(hasLockBranch(h.world)).toBe(false);
      expect(hasCommitGraphLockBranch(h.world)).toBe(true);

      const V3 = `${V2}node Company {\n  name: String @key\n}\n`;
      const g2 = await h.open();
      h.world.failpoints.reached.clear();
      const again = await g2.applySchema(V3, { allowDataLoss: false });
      expect(again.applied).toBe(true);
      const order = [...h.world.failpoints.reached.keys()];
      expect(order.indexOf("engine.commits.delete_zombie_branch.after")).toBeLessThan(
        order.indexOf("engine.commits.create_branch.before"),
      );
      expect(order.indexOf("engine.commits.delete_zombie_branch.after")).toBeGreaterThan(
        order.indexOf("engine.branch.create.after"),
      );
      expect(hasLockBranch(h.world)).toBe(false);
      expect(hasCommitGraphLockBranch(h.world)).toBe(false);
    });
  }

  for (const mode of MODES) {
    it(`a failed zombie drop rolls the manifest branch back and keeps the zombie (${mode})`, async () => {
      const { h, g } = await seeded(`cg-zombie-drop-${mode}`);
      h.world.failpoints.set("branch_delete.before_commit_graph_reclaim", "error");
      await g.applySchema(V2, { allowDataLoss: false });
      h.world.failpoints.clearAll();
      expect(hasCommitGraphLockBranch(h.world)).toBe(true);

      const V3 = `${V2}node Company {\n  name: String @key\n}\n`;
      const name = "engine.commits.delete_zombie_branch.before";
      const out = await withFailpoint(h, g, name, mode, () =>
        g.applySchema(V3, { allowDataLoss: false }),
      );
      if (mode === "error") {
        expectInjected(out, name);
        expect(hasLockBranch(h.world)).toBe(false);
        expect(hasCommitGraphLockBranch(h.world)).toBe(true);
        const again = await (await h.open()).applySchema(V3, { allowDataLoss: false });
        expect(again.applied).toBe(true);
        expect(hasCommitGraphLockBranch(h.world)).toBe(false);
      } else {
        expect(out).toBe("died");
        expect(hasLockBranch(h.world)).toBe(true);
        expect(hasCommitGraphLockBranch(h.world)).toBe(true);
        await expectStaleLock(h);
      }
    });
  }
});

describe("ordinary branches go through the same coordinator", () => {
  it("branch create writes both sides and branch delete reclaims the commit-graph one", async () => {
    const { h, g } = await seeded("cg-ordinary");
    await g.createBranch("feature/x");
    expect(manifestBranches(h)).toEqual(["feature/x"]);
    expect(commitGraphBranches(h)).toEqual(["feature/x"]);
    await g.deleteBranch("feature/x");
    expect(manifestBranches(h)).toEqual([]);
    expect(commitGraphBranches(h)).toEqual([]);
  });

  for (const mode of MODES) {
    it(`a failed commit-graph side of branch create rolls the manifest branch back (${mode})`, async () => {
      const { h, g } = await seeded(`cg-ordinary-create-${mode}`);
      const name = "engine.commits.create_branch.before";
      const out = await withFailpoint(h, g, name, mode, () => g.createBranch("review"));
      if (mode === "error") {
        expectInjected(out, name);
        expect(manifestBranches(h)).toEqual([]);
      } else {
        // A death between the sides: the branch exists in the manifest only.
        expect(out).toBe("died");
        expect(manifestBranches(h)).toEqual(["review"]);
        // Deleting it works: the reclaim tolerates the absent commit-graph branch.
        await (await h.open()).deleteBranch("review");
        expect(manifestBranches(h)).toEqual([]);
      }
      expect(commitGraphBranches(h)).toEqual([]);
    });

    it(`branch delete's reclaim is best effort and the next create of the name drops the zombie (${mode})`, async () => {
      const { h, g } = await seeded(`cg-ordinary-delete-${mode}`);
      await g.createBranch("review");
      const name = "branch_delete.before_commit_graph_reclaim";
      const out = await withFailpoint(h, g, name, mode, () => g.deleteBranch("review"));
      expect(out).toBe(mode === "error" ? "ok" : "died");
      expect(manifestBranches(h)).toEqual([]);
      expect(commitGraphBranches(h)).toEqual(["review"]);
      // A zombie does not count as a branch: a schema apply is not blocked by it.
      const g2 = await h.open();
      expect(await g2.branches()).toEqual(["main"]);
      h.world.failpoints.reached.clear();
      await g2.createBranch("review");
      expect(h.world.failpoints.reached.has("engine.commits.delete_zombie_branch.after")).toBe(
        true,
      );
      expect(manifestBranches(h)).toEqual(["review"]);
      expect(commitGraphBranches(h)).toEqual(["review"]);
    });
  }
});
