import { describe, expect, it } from "vitest";
import { KNOWN_FINDINGS } from "../../sim/findings/index.ts";
import {
  localLedgerSwapNotAtomic as F15,
  racedLocalLedgerSwap,
} from "../../sim/findings/localLedgerSwapNotAtomic.ts";
import { jobContext } from "../../sim/orchestrator/runJob.ts";
import { findScenario, shippedScenarios } from "../../sim/scenario/registry.ts";
import type { ScriptedScenario } from "../../sim/scenario/schema.ts";
import { runUniverse } from "../../sim/universe/run.ts";

const scenario = findScenario("local-fs-lock-off-lost-write", shippedScenarios());

function onBackend(backend: "object-store" | "s3"): ScriptedScenario {
  const s = scenario as ScriptedScenario;
  return { ...s, fixture: { ...s.fixture, backend } };
}

describe("F15: the local ledger swap with state.lock false", () => {
  it("is reproduced by its scenario and reported as known, not failing", async () => {
    const { result } = await runUniverse({ scenario, seed: 1, defects: [] }, jobContext());
    expect(result.verdict).toBe("pass");
    expect(result.known.map((k) => `${k.finding} ${k.oracle}/${k.code}`)).toEqual([
      "F15-local-ledger-swap-not-atomic concurrent-writes-serialize/lost_concurrent_write",
    ]);
  });

  it("is what keeps that universe green: without the signature two writes win", async () => {
    const others = KNOWN_FINDINGS.filter((f) => f !== F15);
    const { result } = await runUniverse(
      { scenario, seed: 1, defects: [] },
      { ...jobContext(), findings: others },
    );
    expect(result.violations.map((v) => `${v.oracle}/${v.code}@${v.step}`)).toEqual([
      "concurrent-writes-serialize/lost_concurrent_write@1",
    ]);
  });

  it("is local: the same race on object-store or s3 has one winner (a true conditional put)", async () => {
    for (const backend of ["object-store", "s3"] as const) {
      const { result } = await runUniverse(
        { scenario: onBackend(backend), seed: 1, defects: [] },
        jobContext(),
      );
      expect(result.verdict, backend).toBe("pass");
      expect(result.known, backend).toEqual([]);
    }
  });

  it("matches only a lock-off step whose trace shows the check-then-act overlap", async () => {
    const run = await runUniverse({ scenario, seed: 1, defects: [] }, jobContext());
    const u = run.universe;
    const input = u.judgeInput();
    const v = {
      oracle: "concurrent-writes-serialize",
      code: "lost_concurrent_write",
      step: 1,
      expected: "the revision to move by the 2 write(s) the actors acknowledged (from 2)",
      observed: "it moved to 3",
    };
    expect(F15.matches(v, input)).toBe(true);
    expect(F15.matches({ ...v, code: "other" }, input)).toBe(false);
    // The lock on: the finding's precondition (a supported user setting) is not met.
    const locked = input.records.map((r, i) =>
      i === 1 ? { ...r, desired: { ...r.desired, stateLock: true } } : r,
    );
    expect(F15.matches(v, { ...input, records: locked })).toBe(false);
    // A step with no overlapping local swaps (its trace cut away) is not this finding.
    expect(F15.matches(v, { ...input, events: [] })).toBe(false);
  });

  it("recognises the overlap only when the later writer read before the earlier put landed", () => {
    const get = (pid: number) =>
      ({ t: "call", pid, op: "get", key: "__cluster/state.json", result: "ok" }) as const;
    const put = (pid: number, op = "put") =>
      ({
        t: "call",
        pid,
        op,
        key: "__cluster/state.json",
        step: "cluster.state.write",
        result: "ok",
      }) as const;
    expect(racedLocalLedgerSwap([get(1), get(2), put(1), put(2)])).toBe(true);
    // Serial: the second read saw the first write (its compare would have failed or passed on it).
    expect(racedLocalLedgerSwap([get(1), put(1), get(2), put(2)])).toBe(false);
    // Conditional puts (object stores) are not the emulation.
    expect(racedLocalLedgerSwap([get(1), get(2), put(1, "putIfMatch"), put(2, "putIfMatch")])).toBe(
      false,
    );
  });
});
