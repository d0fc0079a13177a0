import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { bundle } from "../../sim/bundle.mjs";
import { UniversePool } from "../../sim/orchestrator/pool.ts";
import { jobContext, runJob } from "../../sim/orchestrator/runJob.ts";
import { BUNDLE_DIR, workerEntry } from "../../sim/orchestrator/workerBundle.ts";
import { findScenario, shippedScenarios } from "../../sim/scenario/registry.ts";
import type { UniverseResult } from "../../sim/universe/result.ts";

describe("the worker bundle", () => {
  it("builds: fleet workers load precompiled JavaScript, not tsx", async () => {
    const entry = await workerEntry();
    expect(entry.reason).toBeUndefined();
    expect(entry.kind).toBe("bundle");
    const path = fileURLToPath(entry.url);
    expect(path.startsWith(BUNDLE_DIR)).toBe(true);
    expect(existsSync(path)).toBe(true);
    // Same sources, same bundle (named by content), and no TypeScript left in it.
    expect((await workerEntry()).url.href).toBe(entry.url.href);
    expect(readFileSync(path, "utf8")).not.toMatch(/from "[^"]+\.ts"/);
  });

  it("is found from inside a bundle too (the bundled CLI builds its workers' bundle)", async () => {
    // The pool's own module, itself bundled, as `pnpm sim` loads it: its idea of the
    // repository root must still be the repository, or its workers fall back to tsx.
    const outer = await bundle("sim/orchestrator/workerBundle.ts", "test-worker-entry");
    if (!outer.ok) throw new Error(outer.reason);
    const mod = (await import(outer.url.href)) as { workerEntry: typeof workerEntry };
    const entry = await mod.workerEntry();
    expect(entry.reason).toBeUndefined();
    expect(entry.kind).toBe("bundle");
    expect(fileURLToPath(entry.url).startsWith(BUNDLE_DIR)).toBe(true);
  });

  it("a bundled worker judges a universe exactly as this thread does", async () => {
    const scenario = findScenario("default", shippedScenarios());
    const jobs = [1, 2, 3].map((seed) => ({ scenario, seed, defects: [] }));
    const pool = await UniversePool.start(1);
    expect(pool.entry.kind).toBe("bundle");
    const got = new Map<number, UniverseResult>();
    try {
      await pool.runAll(
        jobs,
        false,
        (job, r) => got.set(job.seed, r),
        () => false,
      );
    } finally {
      await pool.close();
    }
    const ctx = jobContext();
    for (const job of jobs) expect(got.get(job.seed)).toEqual(await runJob(job, false, ctx));
  });
});
