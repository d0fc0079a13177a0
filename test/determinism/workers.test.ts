import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "../..");
const DIR = mkdtempSync(join(tmpdir(), "sim-workers-"));
afterAll(() => rmSync(DIR, { recursive: true, force: true }));

/** Fields that measure wall time: the only ones allowed to differ between runs. */
const TIMING = /^(elapsedMs|universesPerSecond|durationMs|wallMs|startedAt|finishedAt)$/;

function withoutTimings(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutTimings);
  if (v !== null && typeof v === "object")
    return Object.fromEntries(
      Object.entries(v)
        .filter(([k]) => !TIMING.test(k))
        .map(([k, x]) => [k, withoutTimings(x)]),
    );
  return v;
}

/** How the CLI is started: from TypeScript through tsx, or as `pnpm sim` does (a bundle). */
const ENTRY = {
  tsx: ["--import", "tsx", "sim/cli/main.ts"],
  bundle: ["sim/cli/launch.mjs"],
} as const;

function fleet(
  workers: number,
  extra: readonly string[],
  entry: keyof typeof ENTRY = "tsx",
): unknown {
  const out = join(DIR, `w${workers}-${entry}.json`);
  const r = spawnSync(
    "node",
    [
      ...ENTRY[entry],
      "--seeds",
      "5",
      "--from",
      "40",
      "--workers",
      String(workers),
      "--json",
      out,
      ...extra,
    ],
    { cwd: ROOT, encoding: "utf8", env: { ...process.env, CI: "1" } },
  );
  expect([0, 1], `exit ${r.status}: ${r.stderr}`).toContain(r.status);
  return JSON.parse(readFileSync(out, "utf8"));
}

describe("the fleet's report does not depend on the number of workers", () => {
  it("--workers 1 and --workers 2 give identical JSON reports, timings aside", () => {
    const one = withoutTimings(fleet(1, [])) as { universes: unknown[] };
    const two = withoutTimings(fleet(2, []));
    expect(one.universes.length).toBeGreaterThan(50);
    expect(two).toEqual(one);
  });

  it("the CLI from its bundle (`pnpm sim`) reports exactly what it reports from TypeScript", () => {
    const tsx = withoutTimings(fleet(1, [])) as { universes: unknown[] };
    expect(withoutTimings(fleet(2, [], "bundle"))).toEqual(tsx);
  });
});
