import { z } from "zod";
import { prettyJsonLine, tryParseJson } from "../../src/util/json.ts";
import type { World } from "../../src/world/world.ts";
import { harnessOp } from "./OpSpec.ts";

export const LEGACY_KINDS = ["policy-bindings", "embedding-profile"] as const;
export type LegacyKind = (typeof LEGACY_KINDS)[number];

/**
 * Rewrites the ledger as an older Omnigraph would have left it (harness privilege: no
 * process, no failpoint). True when something was stripped.
 */
export async function stripLegacy(world: World, what: LegacyKind): Promise<boolean> {
  const cur = await world.store.get("__cluster/state.json");
  if (!cur) return false;
  const p = tryParseJson(cur.text);
  if (!p.ok) return false;
  const state = p.value as {
    applied_revision?: { resources?: Record<string, Record<string, unknown>> };
  };
  const resources = state.applied_revision?.resources ?? {};
  let changed = false;
  for (const [addr, entry] of Object.entries(resources)) {
    if (what === "policy-bindings" && addr.startsWith("policy.") && "applies_to" in entry) {
      delete entry.applies_to;
      changed = true;
    }
    if (
      what === "embedding-profile" &&
      addr.startsWith("provider.embedding.") &&
      "embedding_profile" in entry
    ) {
      delete entry.embedding_profile;
      changed = true;
    }
  }
  if (changed) await world.store.put("__cluster/state.json", prettyJsonLine(state));
  world.trace.push({
    t: "note",
    text: `legacy-strip ${what}${changed ? "" : " (nothing to strip)"}`,
  });
  return changed;
}

/** Which legacy shapes the ledger can be stripped to now. */
function strippable(v: {
  readonly obs: {
    readonly ledger: { readonly parsed: boolean; readonly resources: object } | null;
  };
}): LegacyKind[] {
  if (!v.obs.ledger?.parsed) return [];
  const kinds: LegacyKind[] = [];
  const addrs = Object.keys(v.obs.ledger.resources);
  if (addrs.some((a) => a.startsWith("policy."))) kinds.push("policy-bindings");
  if (addrs.some((a) => a.startsWith("provider.embedding."))) kinds.push("embedding-profile");
  return kinds;
}

/** The ledger aged mid-life, as an upgrade from an older Omnigraph leaves it. */
export const legacyStripOp = harnessOp({
  op: "legacy-strip",
  kind: "harness",
  shape: { what: z.enum(LEGACY_KINDS) },
  traits: {
    locks: false,
    writesLedger: false,
    movesGraph: false,
    recovers: false,
    raceable: false,
    concurrent: false,
  },
  failpoints: [],
  draw(rng, v) {
    const kinds = strippable(v);
    return kinds.length ? { op: "legacy-strip", what: rng.pick(kinds) } : null;
  },
  examples: (v) => strippable(v).map((what) => ({ op: "legacy-strip" as const, what })),
  act: async (step, world) =>
    (await stripLegacy(world, step.what))
      ? { kind: "edited" }
      : { kind: "skipped", reason: "nothing to strip" },
});
