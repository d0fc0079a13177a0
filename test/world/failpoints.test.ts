import { describe, expect, it } from "vitest";
import { FailpointConfigError } from "../../src/world/failpoints/Failpoints.ts";
import { formatTerm, parseTerm } from "../../src/world/failpoints/terms.ts";
import { World } from "../../src/world/world.ts";

describe("failpoint terms", () => {
  it.each([
    ["off", [{ task: "off", probability: 1 }]],
    ["crash", [{ task: "crash", probability: 1 }]],
    ["panic", [{ task: "crash", probability: 1 }]],
    ["return", [{ task: "error", probability: 1 }]],
    ["error(disk full)", [{ task: "error", probability: 1, arg: "disk full" }]],
    ["print", [{ task: "probe", probability: 1 }]],
    ["25%crash", [{ task: "crash", probability: 0.25 }]],
    [
      "2*off->error",
      [
        { task: "off", probability: 1, count: 2 },
        { task: "error", probability: 1 },
      ],
    ],
    [
      "50%1*probe->off",
      [
        { task: "probe", probability: 0.5, count: 1 },
        { task: "off", probability: 1 },
      ],
    ],
  ])("parses %s", (term, steps) => {
    const r = parseTerm(term);
    expect(r).toEqual({ ok: true, steps });
  });

  it.each([
    ["", "is empty"],
    ["explode", "unknown task 'explode'"],
    ["crash->error", "has no count"],
    ["0%crash", "must be in (0, 100]"],
    ["150%crash", "must be in (0, 100]"],
    ["0*crash", "must be at least 1"],
    ["crash(now)", "takes no argument"],
    ["2*", "is not of the form"],
    ["%crash", "is not of the form"],
  ])("rejects %j with a message naming the term", (term, fragment) => {
    const r = parseTerm(term);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.code).toBe("failpoint_term_invalid");
      expect(r.message).toContain(fragment);
      expect(r.message).toContain(`'${term}'`);
    }
  });

  it("formats what it parses", () => {
    for (const t of ["crash", "2*off->error(x)", "25%probe", "1*off->50%crash"]) {
      const r = parseTerm(t);
      if (!r.ok) throw new Error(r.message);
      expect(formatTerm(r.steps)).toBe(t);
    }
  });
});

describe("failpoint registry", () => {
  it("off by default, and every evaluation is counted as reached", () => {
    const w = World.simulated(1);
    expect(w.failpoints.evaluate("cluster_apply.after_payload_phase")).toBeNull();
    expect(w.failpoints.evaluate("cluster_apply.after_payload_phase")).toBeNull();
    expect(w.failpoints.reached.get("cluster_apply.after_payload_phase")).toBe(2);
    expect(w.failpoints.fired.size).toBe(0);
  });

  it("counts move through a chain and the last step repeats", () => {
    const w = World.simulated(1);
    w.failpoints.set("cluster_apply.before_state_write", "2*off->1*error->probe");
    const seen = Array.from(
      { length: 5 },
      () => w.failpoints.evaluate("cluster_apply.before_state_write")?.kind ?? "off",
    );
    expect(seen).toEqual(["off", "off", "error", "probe", "probe"]);
  });

  it("an error carries upstream's injected message unless the term names one", () => {
    const w = World.simulated(1);
    w.failpoints.set("schema_apply.before_staging_write", "error");
    expect(w.failpoints.evaluate("schema_apply.before_staging_write")).toEqual({
      kind: "error",
      message: "injected failpoint triggered: schema_apply.before_staging_write",
    });
    w.failpoints.set("schema_apply.before_staging_write", "error(boom)");
    expect(w.failpoints.evaluate("schema_apply.before_staging_write")).toEqual({
      kind: "error",
      message: "boom",
    });
  });

  it("probabilities draw from the world's seed tree, so the same seed fires the same way", () => {
    const fire = (seed: number) => {
      const w = World.simulated(seed);
      w.failpoints.set("cluster.state.write.before", "30%error");
      return Array.from({ length: 40 }, () =>
        w.failpoints.evaluate("cluster.state.write.before") ? 1 : 0,
      ).join("");
    };
    expect(fire(7)).toBe(fire(7));
    expect(fire(7)).not.toBe(fire(8));
    expect(fire(7)).toMatch(/1/);
    expect(fire(7)).toMatch(/0/);
  });

  it("rejects unknown names and bad terms with coded errors", () => {
    const w = World.simulated(1);
    expect(() => w.failpoints.set("cluster_apply.befor_state_write", "crash")).toThrow(
      FailpointConfigError,
    );
    try {
      w.failpoints.set("cluster_apply.befor_state_write", "crash");
    } catch (e) {
      expect((e as FailpointConfigError).code).toBe("failpoint_unknown");
      expect((e as Error).message).toContain("cluster_apply.befor_state_write");
    }
    try {
      w.failpoints.set("cluster_apply.before_state_write", "kaboom");
    } catch (e) {
      expect((e as FailpointConfigError).code).toBe("failpoint_term_invalid");
      expect((e as Error).message).toContain("kaboom");
    }
  });

  it("two worlds in one process never see each other's failpoints", async () => {
    const a = World.simulated(1);
    const b = World.simulated(1);
    a.failpoints.set("cluster.lock.acquire.before", "crash");
    const pb = b.spawn("b");
    await pb.storage.put("cluster.lock.acquire", "__cluster/lock.json", "{}");
    expect(pb.alive).toBe(true);
    const pa = a.spawn("a");
    const r = await World.run(pa, () =>
      pa.storage.put("cluster.lock.acquire", "__cluster/lock.json", "{}"),
    );
    expect(r.kind).toBe("died");
    expect(await a.store.get("__cluster/lock.json")).toBeNull();
    expect(await b.store.get("__cluster/lock.json")).not.toBeNull();
  });
});
