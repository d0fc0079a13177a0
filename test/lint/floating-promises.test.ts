import { describe, expect, it } from "vitest";
import { lintAs } from "./lintProbe.ts";

/** A model function over the real Process type: the rule must follow the import to see it. */
function probe(body: string): string {
  return `import type { Process } from "../world/process.ts";

export async function release(proc: Process): Promise<void> {
${body}
}`;
}

const DROPPED = `  proc.storage.delete("cluster.lock.release", "__cluster/lock.json");`;

describe("dropped awaits are lint errors in src/ and sim/", () => {
  it("a durable write whose promise floats, in the model", () => {
    const r = lintAs("src/cluster/probe.ts", probe(DROPPED), { withSrc: true });
    expect(r.status).not.toBe(0);
    expect(r.out).toContain("lint/nursery/noFloatingPromises");
  });

  it("the same write awaited passes", () => {
    const awaited = DROPPED.replace("proc.storage", "await proc.storage");
    expect(lintAs("src/cluster/probe.ts", probe(awaited), { withSrc: true }).status).toBe(0);
  });

  it("a floating promise in the harness", () => {
    const code =
      "async function write(): Promise<void> {}\nexport function f(): void {\n  write();\n}";
    const r = lintAs("sim/universe/probe.ts", code);
    expect(r.status).not.toBe(0);
    expect(r.out).toContain("lint/nursery/noFloatingPromises");
  });

  it("a promise where a condition or a plain callback is expected", () => {
    const code = `async function exists(): Promise<boolean> {
  return true;
}
export async function f(keys: string[]): Promise<void> {
  if (exists()) return;
  keys.forEach(async () => {
    await exists();
  });
}`;
    const r = lintAs("src/cluster/probe.ts", code);
    expect(r.status).not.toBe(0);
    expect(r.out.match(/lint\/nursery\/noMisusedPromises/g)?.length).toBe(2);
  });
});
