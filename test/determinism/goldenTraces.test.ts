import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { diffGolden, type Golden } from "../../sim/cli/golden.ts";
import {
  encodeGoldenTraces,
  firstDifference,
  hashTraceLines,
  readGoldenTraces,
} from "../../sim/cli/goldenTraces.ts";

const golden = (hash: string): Golden => ({ seeds: [1, 2, 3], hashes: { s: { "1": hash } } });

describe("golden traces: what a changed seed shows", () => {
  const was = ["spawn   p1 cli", "call    p1 get a -> ok", "call    p1 put b [x] -> ok", "end"];
  const now = ["spawn   p1 cli", "call    p1 get a -> ok", "call    p1 put c [x] -> ok", "end"];

  it("the first differing line, old and new, after the lines shared before it", () => {
    const out = diffGolden(golden(hashTraceLines(was)), golden(hashTraceLines(now)), {
      committed: { s: { "1": was } },
      now: { s: { "1": now } },
    });
    expect(out).toEqual([
      `s seed 1: ${hashTraceLines(was)} -> ${hashTraceLines(now)}`,
      "  first difference at line 3 (was 4 lines, now 4):",
      "      1  spawn   p1 cli",
      "      2  call    p1 get a -> ok",
      "    - 3  call    p1 put b [x] -> ok",
      "    + 3  call    p1 put c [x] -> ok",
    ]);
  });

  it("a trace that ends early is shown as its end", () => {
    expect(firstDifference(was, [...was, "more"])?.slice(-2)).toEqual([
      "  -    (trace ended)",
      "  + 5  more",
    ]);
    expect(firstDifference(was, was)).toBeNull();
  });

  it("a committed trace that does not hash to the committed hash is not used", () => {
    const out = diffGolden(golden("0000000000000000"), golden(hashTraceLines(now)), {
      committed: { s: { "1": was } },
      now: { s: { "1": now } },
    });
    expect(out).toHaveLength(2);
    expect(out[1]).toMatch(/missing or stale; the changed line cannot be shown/);
  });

  it("round-trips through the compressed file; a missing or corrupt file reads as none", () => {
    const dir = mkdtempSync(join(tmpdir(), "golden-traces-"));
    const path = join(dir, "t.json.br");
    writeFileSync(path, encodeGoldenTraces({ s: { "1": was } }));
    expect(readGoldenTraces(path)).toEqual({ s: { "1": was } });
    writeFileSync(path, "not brotli");
    expect(readGoldenTraces(path)).toBeNull();
    expect(readGoldenTraces(join(dir, "absent"))).toBeNull();
  });
});
