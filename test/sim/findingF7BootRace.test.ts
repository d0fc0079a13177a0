import { describe, expect, it } from "vitest";
import { acceptedPolicyUnservable as F7 } from "../../sim/findings/acceptedPolicyUnservable.ts";
import { KNOWN_FINDINGS } from "../../sim/findings/index.ts";
import type { JudgeInput } from "../../sim/oracles/Oracle.ts";
import { jobContext } from "../../sim/orchestrator/runJob.ts";
import { parseScenarioText } from "../../sim/scenario/load.ts";
import { runUniverse } from "../../sim/universe/run.ts";

/** The shortest history `pnpm sim explore --depth 3 --crashes none --ops edit-policy,apply,boot,concurrently` finds. */
const RACE = parseScenarioText(
  `kind: scripted
name: f7-boot-races-apply
description: a boot racing the apply that records a bundle the policy loader refuses
fixture:
  graphs: [knowledge, archive]
  provider: true
  policy: true
  stateLock: true
  converged: true
  rows: 3
steps:
  - op: edit-policy
    change: touch
  - op: edit-policy
    change: dangling-group
  - op: concurrently
    actors:
      - op: apply
      - op: boot
`,
  "test",
);

function run(findings = KNOWN_FINDINGS) {
  return runUniverse({ scenario: RACE, seed: 1, defects: [] }, { ...jobContext(), findings });
}

function inputOf(u: Awaited<ReturnType<typeof run>>["universe"]): JudgeInput {
  return u.judgeInput();
}

const QUARANTINE = (g: string) => ({
  oracle: "outcomes-are-explained",
  code: "unexplained_failure",
  step: 2,
  expected: "every failed outcome explained (rules for graph_policy_invalid: bundle-unloadable)",
  observed: `boot (actor 1) quarantine failed with graph_policy_invalid on '${g}': policy rule 'writers-change' references unknown group 'writers'`,
});

describe("F7 met by a boot racing the apply that accepts the bundle", () => {
  it("is a known F7 hit for each graph the racing boot quarantines", async () => {
    const { result } = await run();
    expect(result.violations).toEqual([]);
    const graphOf = (o: string) => /on '([^']+)'/.exec(o)?.[1];
    expect(
      result.known.map(
        (k) => `${k.finding} ${k.oracle}/${k.code}@${k.step} ${graphOf(k.observed)}`,
      ),
    ).toEqual([
      "F7-accepted-policy-unservable outcomes-are-explained/unexplained_failure@2 archive",
      "F7-accepted-policy-unservable outcomes-are-explained/unexplained_failure@2 knowledge",
    ]);
  });

  it("is what keeps that history green: without F7 the racing boot's quarantines are unexplained", async () => {
    const { result } = await run(KNOWN_FINDINGS.filter((f) => f !== F7));
    expect(result.violations.map((v) => `${v.oracle}/${v.code}@${v.step}`)).toEqual([
      "outcomes-are-explained/unexplained_failure@2",
      "outcomes-are-explained/unexplained_failure@2",
    ]);
  });

  it("needs the boot to read the ledger the apply wrote, and a bundle that truly fails to load", async () => {
    const { universe } = await run();
    const input = inputOf(universe);
    expect(F7.matches(QUARANTINE("archive"), input)).toBe(true);
    // A graph the bundle does not fail for, or a step that is not the race: not this.
    expect(F7.matches({ ...QUARANTINE("archive"), step: 1 }, input)).toBe(false);
    // The bundle the ledger now binds loads after all: a model quarantining over a good bundle.
    const rec = input.records[2];
    const loadable = input.records[0]?.pre.ledger?.resources["policy.base"]?.digest;
    const bound = rec?.post.ledger?.resources["policy.base"]?.digest;
    expect(typeof loadable).toBe("string");
    expect(typeof bound).toBe("string");
    const good = new Map(input.sourcesByDigest);
    good.set(bound as string, input.sourcesByDigest.get(loadable as string) as string);
    expect(F7.matches(QUARANTINE("archive"), { ...input, sourcesByDigest: good })).toBe(false);
    // The boot read the ledger before any apply wrote it: the racing apply recorded nothing it saw.
    const noWrite = input.events.map((e) =>
      e.t === "call" && e.step === "cluster.state.write" ? { ...e, result: "error:io" } : e,
    );
    expect(F7.matches(QUARANTINE("archive"), { ...input, events: noWrite })).toBe(false);
    // Another refusal of the boot is not this finding.
    const other = {
      ...QUARANTINE("archive"),
      observed: "boot (actor 1) quarantine failed with graph_open_failed on 'archive': x",
    };
    expect(F7.matches(other, input)).toBe(false);
  });
});
