import { describe, expect, it } from "vitest";
import { OP_NAMES, OPS, opSpec } from "../../sim/ops/index.ts";
import { findScenario, shippedScenarios } from "../../sim/scenario/registry.ts";
import { ScriptedScenarioSchema, StepSchema } from "../../sim/scenario/schema.ts";
import { modelSystem } from "../../sim/universe/modelSystem.ts";
import { drawView } from "../../sim/universe/sampler.ts";
import { Universe } from "../../sim/universe/Universe.ts";
import { ALL_FAILPOINTS } from "../../src/catalog/failpoints.ts";
import { Rng } from "../../src/world/rng.ts";

/** A universe of the default fixture, born, and the view its operations draw from. */
async function born() {
  const scenario = findScenario("default", shippedScenarios());
  const u = new Universe(scenario, 1, [], modelSystem(), { trace: false });
  await u.birth();
  const obs = u.latest();
  if (obs === null) throw new Error("no observation after birth");
  return { u, view: drawView({ desired: u.desired, obs, reachedByOp: u.reachedByOp }) };
}

describe("the operation table", () => {
  it("files each row under its own name, and the step schema accepts exactly its operations", () => {
    for (const op of OP_NAMES) expect(OPS[op].op).toBe(op);
    expect(StepSchema.safeParse({ op: "not-an-op" }).success).toBe(false);
    const scripted = ScriptedScenarioSchema.safeParse({
      kind: "scripted",
      name: "x",
      description: "x",
      steps: [{ op: "apply", unknownField: 1 }],
    });
    expect(scripted.success).toBe(false);
  });

  it("names, in every row's failpoint prefixes, only failpoints the catalog has", () => {
    for (const op of OP_NAMES)
      for (const prefix of OPS[op].failpoints)
        expect(
          ALL_FAILPOINTS.some((f) => f.startsWith(prefix)),
          `${op}: ${prefix}`,
        ).toBe(true);
  });

  it("draws and enumerates only steps the schema accepts as steps of that operation", async () => {
    const { view } = await born();
    const rng = Rng.root("op-table");
    for (const op of OP_NAMES) {
      const spec = opSpec(op);
      const hostile = { ...view, hostile: true };
      const drawn = [
        ...Array.from({ length: 20 }, () => spec.draw(rng, view)),
        ...Array.from({ length: 20 }, () => spec.draw(rng, hostile)),
      ].filter((s) => s !== null);
      for (const step of [...drawn, ...spec.examples(view), ...spec.examples(hostile)]) {
        expect((step as { op: string }).op).toBe(op);
        expect(StepSchema.safeParse(step).success, JSON.stringify(step)).toBe(true);
      }
    }
  });

  it("gives every operation that applies after birth an example that a universe runs", async () => {
    const { u, view } = await born();
    const ran: string[] = [];
    for (const op of OP_NAMES) {
      // Hostile examples too: the operator's hand edit of cluster.yaml is drawn only there.
      const [example] = opSpec(op).examples({ ...view, hostile: true });
      if (example === undefined) continue;
      const rec = await u.run(StepSchema.parse(example));
      expect(rec.outcome.kind, op).not.toBe("skipped");
      ran.push(op);
    }
    // after the default fixture's birth only these have nothing to act on
    expect(OP_NAMES.filter((o) => !ran.includes(o))).toEqual([
      "approve",
      "force-unlock",
      "branch-delete",
    ]);
  });
});
