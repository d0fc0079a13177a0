import { describe, expect, it } from "vitest";
import { HANDLER_STEPS, onHandlerStep } from "../../sim/universe/handlerSteps.ts";
import { ALL_FAILPOINTS } from "../../src/catalog/failpoints.ts";

describe("handler steps (second faults on error and cleanup paths)", () => {
  it.each(HANDLER_STEPS)("%s names at least one catalogued failpoint", (prefix) => {
    expect(ALL_FAILPOINTS.filter((f) => f.startsWith(prefix)).length).toBeGreaterThan(0);
  });

  it("covers the commit-graph cleanup writes of branch deletion and the schema-apply lock", () => {
    expect(
      ALL_FAILPOINTS.filter((f) => f.startsWith("engine.commits.")).filter(onHandlerStep),
    ).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^engine\.commits\.reclaim_branch\./),
        expect.stringMatching(/^engine\.commits\.delete_zombie_branch\./),
      ]),
    );
    expect(onHandlerStep("engine.commits.create_branch.before")).toBe(false);
  });
});
