import { describe, expect, it } from "vitest";
import { crashContract } from "../../sim/oracles/crashContract.ts";
import { jobContext } from "../../sim/orchestrator/runJob.ts";
import { parseScenarioText } from "../../sim/scenario/load.ts";
import { runUniverse } from "../../sim/universe/run.ts";

/** An approved delete of archive dies after its second write of the root's removal. */
const scenario = (backend: string) =>
  parseScenarioText(
    `kind: scripted
name: partial-delete-${backend}
description: an approved delete dies midway through the prefix delete
fixture:
  graphs: [knowledge, archive]
  backend: ${backend}
steps:
  - op: remove-graph
    graph: archive
  - op: apply
  - op: approve
    resource: graph.archive
  - op: apply
    crash: { kind: failpoint, name: cluster.graph.delete_root.after, mode: crash, skip: 1 }
    expect: { died: true }
  - op: force-unlock
  - op: apply
    expect: { ok: true, converged: true }
  - op: boot
    expect: { ready: [knowledge] }
`,
    "partial-delete.yaml",
  );

describe("crash contract: a partial root left by an approved delete that died midway", () => {
  for (const backend of ["local-fs", "s3"]) {
    it(`${backend}: is the state the spec names (L5, sweep row 8), not a graph made unopenable`, async () => {
      const run = await runUniverse(
        { scenario: scenario(backend), seed: 1, defects: [] },
        jobContext(),
      );
      expect(run.result.violations).toEqual([]);
      const u = run.universe;
      const died = u.records[3];
      expect(died?.outcome.kind).toBe("died");
      expect(died?.settled?.post.archive?.kind).toBe("unopenable");
      const input = u.judgeInput();
      expect(crashContract.judge(input)).toEqual([]);
      // Still in the config: the delete was not the operator's wish, and unopenable is a violation.
      const kept = u.records.map((r, i) => {
        const knowledge = r.desired.graphs[0];
        if (i !== 3 || knowledge === undefined) return r;
        const graphs = [...r.desired.graphs, { ...knowledge, id: "archive" }];
        return { ...r, desired: { ...r.desired, graphs } };
      });
      expect(
        crashContract.judge({ ...input, records: kept }).map((v) => `${v.code}@${v.step}`),
      ).toEqual(["graph_unopenable@3"]);
      // No delete of that root in the step's trace: the same symptom is a violation.
      const events = input.events.map((e) =>
        e.t === "call" && e.step === "cluster.graph.delete_root" ? { ...e, step: "other" } : e,
      );
      expect(crashContract.judge({ ...input, events }).map((v) => `${v.code}@${v.step}`)).toEqual([
        "graph_unopenable@3",
      ]);
    });
  }
});
