import { describe, expect, it } from "vitest";
import { KNOWN_FINDINGS } from "../../sim/findings/index.ts";
import {
  s3LeftoversHideFromRootProbe as F16,
  rootHiddenThenInitCollides,
} from "../../sim/findings/s3LeftoversHideFromRootProbe.ts";
import { jobContext } from "../../sim/orchestrator/runJob.ts";
import { findScenario, shippedScenarios } from "../../sim/scenario/registry.ts";
import type { ScriptedScenario } from "../../sim/scenario/schema.ts";
import { runUniverse } from "../../sim/universe/run.ts";

const scenario = findScenario("s3-failed-create-wedged", shippedScenarios()) as ScriptedScenario;

describe("F16: on S3 a failed create's datasets hide from the cluster's root probe", () => {
  it("is reproduced by its scenario and reported as known, not failing", async () => {
    const { result } = await runUniverse({ scenario, seed: 1, defects: [] }, jobContext());
    expect(result.verdict).toBe("pass");
    expect(result.violations).toEqual([]);
    const hits = new Set(result.known.map((k) => `${k.finding} ${k.oracle}/${k.code}`));
    expect([...hits].sort()).toEqual([
      "F16-s3-leftovers-hide-from-root-probe outcomes-are-explained/unexplained_failure",
      "F16-s3-leftovers-hide-from-root-probe serve-liveness/remedy_not_converged",
    ]);
  });

  it("is what keeps that universe green: without the signature the retries are unexplained", async () => {
    const others = KNOWN_FINDINGS.filter((f) => f !== F16);
    const { result } = await runUniverse(
      { scenario, seed: 1, defects: [] },
      { ...jobContext(), findings: others },
    );
    expect(result.verdict).toBe("fail");
    expect(new Set(result.violations.map((v) => `${v.oracle}/${v.code}`))).toEqual(
      new Set([
        "outcomes-are-explained/unexplained_failure",
        "serve-liveness/remedy_not_converged",
      ]),
    );
  });

  it("is S3's: on object-store and local-fs the partial root is reported and the remedy converges", async () => {
    for (const backend of ["object-store", "local-fs"] as const) {
      const s = { ...scenario, fixture: { ...scenario.fixture, backend } };
      const { result } = await runUniverse({ scenario: s, seed: 1, defects: [] }, jobContext());
      expect(result.verdict, backend).toBe("pass");
      expect(result.known, backend).toEqual([]);
    }
  });

  it("needs the root reported absent, then a dataset found under it, in one process", () => {
    const exists = (pid: number, result: string) =>
      ({ t: "call", pid, op: "exists", key: "graphs/people.omni", result }) as const;
    const create = (pid: number, result: string) =>
      ({
        t: "call",
        pid,
        op: "putIfAbsent",
        key: "graphs/people.omni/nodes/x/v0000000001.json",
        step: "engine.init.create_table",
        result,
      }) as const;
    expect(rootHiddenThenInitCollides([exists(1, "false"), create(1, "false")], "people")).toBe(
      true,
    );
    // The root was seen (the partial root is reported instead): not this finding.
    expect(rootHiddenThenInitCollides([exists(1, "true"), create(1, "false")], "people")).toBe(
      false,
    );
    // The create found nothing there: an ordinary create.
    expect(rootHiddenThenInitCollides([exists(1, "false"), create(1, "true")], "people")).toBe(
      false,
    );
    expect(rootHiddenThenInitCollides([exists(1, "false"), create(2, "false")], "people")).toBe(
      false,
    );
    expect(rootHiddenThenInitCollides([exists(1, "false"), create(1, "false")], "notes")).toBe(
      false,
    );
  });

  it("needs no probe in the colliding step when a dataset that had landed was hidden from an earlier one", () => {
    const key = "graphs/people.omni/nodes/x/v0000000001.json";
    const exists = (pid: number, result: string) =>
      ({ t: "call", pid, op: "exists", key: "graphs/people.omni", result }) as const;
    const create = (pid: number, result: string) =>
      ({
        t: "call",
        pid,
        op: "putIfAbsent",
        key,
        step: "engine.init.create_table",
        result,
      }) as const;
    const del = (pid: number, k: string) =>
      ({
        t: "call",
        pid,
        op: "delete",
        key: k,
        step: "cluster.graph.delete_root",
        result: "ok",
      }) as const;
    // A failed init's dataset landed (p1), a refresh's sweep read the root as absent (p2),
    // and a later apply's init (p3, no probe of its own) collided with that dataset.
    expect(
      rootHiddenThenInitCollides(
        [create(1, "true"), exists(2, "false"), create(3, "false")],
        "people",
      ),
    ).toBe(true);
    // The probe said absent before anything landed: it was right then; not this finding.
    expect(
      rootHiddenThenInitCollides(
        [exists(2, "false"), create(1, "true"), create(3, "false")],
        "people",
      ),
    ).toBe(false);
    // The dataset was deleted after it landed: the probe hid nothing of it.
    expect(
      rootHiddenThenInitCollides(
        [create(1, "true"), del(4, key), exists(2, "false"), create(3, "false")],
        "people",
      ),
    ).toBe(false);
    // A collision before `from` (an earlier step's) does not answer for this step.
    expect(
      rootHiddenThenInitCollides(
        [create(1, "true"), exists(2, "false"), create(3, "false")],
        "people",
        3,
      ),
    ).toBe(false);
  });

  it("is a refresh's sweep retiring the create too: the next apply collides without probing (default-guided seed 13527 u129)", async () => {
    const steps = [
      { op: "add-graph", graph: "people" },
      {
        op: "apply",
        crash: { kind: "failpoint", name: "init.after_coordinator_init", mode: "error", skip: 0 },
      },
      { op: "refresh" },
      { op: "apply" },
    ] as unknown as ScriptedScenario["steps"];
    const s = { ...scenario, name: "s3-refresh-retires-create", steps };
    const { result } = await runUniverse({ scenario: s, seed: 1, defects: [] }, jobContext());
    expect(result.violations).toEqual([]);
    expect(result.known.map((k) => `${k.finding} ${k.oracle}/${k.code}@${k.step}`)).toContain(
      "F16-s3-leftovers-hide-from-root-probe outcomes-are-explained/unexplained_failure@3",
    );
    // On object-store the refresh sees the partial root: nothing of F16.
    const o = { ...s, fixture: { ...s.fixture, backend: "object-store" as const } };
    const other = await runUniverse({ scenario: o, seed: 1, defects: [] }, jobContext());
    expect(other.result.known.filter((k) => k.finding === F16.id)).toEqual([]);
  });

  it("a concurrent sweep that recorded the hidden root: the converged ledger records a graph the probe cannot see (default seed 33093, lock off)", async () => {
    const def = findScenario("default", shippedScenarios());
    const run = await runUniverse({ scenario: def, seed: 33093, defects: [] }, jobContext());
    expect(run.result.violations).toEqual([]);
    expect(
      run.result.known.filter((k) => k.finding === F16.id && k.code === "recorded_graph_missing"),
    ).toHaveLength(1);
    const bare = await runUniverse(
      { scenario: def, seed: 33093, defects: [] },
      { ...jobContext(), findings: KNOWN_FINDINGS.filter((f) => f !== F16) },
    );
    const v = bare.result.violations.find((x) => x.code === "recorded_graph_missing");
    if (v === undefined) throw new Error("no recorded_graph_missing without F16");
    expect(v.expected).toBe("a root for 'people', which the converged ledger records");
    // Without the wedge on record (no init collided under a hidden root), not F16.
    const input = bare.universe.judgeInput();
    const events = input.events.map((e) =>
      e.t === "call" && e.step === "engine.init.create_table" && e.result === "false"
        ? { ...e, result: "true" }
        : e,
    );
    expect(F16.matches(v, input)).toBe(true);
    expect(F16.matches(v, { ...input, events })).toBe(false);
  });
});
