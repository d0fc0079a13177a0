import { z } from "zod";
import { prettyJsonLine, tryParseJson } from "../../src/util/json.ts";
import type { World } from "../../src/world/world.ts";
import { harnessOp } from "./OpSpec.ts";

/** What an older Omnigraph's ledger lacked: strippable at birth and mid-life (an upgrade). */
export const LEDGER_LEGACY_KINDS = ["policy-bindings", "embedding-profile"] as const;
/**
 * Every legacy shape a fixture can be born with. `schema-contract`: graphs created before the
 * schema contract existed (no `_schema.ir.json`, no `__schema_state.json`), which upstream's
 * every open bootstraps (load_or_bootstrap_schema_contract); birth only, since a graph cannot
 * lose its contract mid-life by an upgrade.
 */
export const LEGACY_KINDS = [...LEDGER_LEGACY_KINDS, "schema-contract"] as const;
export type LegacyKind = (typeof LEGACY_KINDS)[number];
type LedgerLegacyKind = (typeof LEDGER_LEGACY_KINDS)[number];

const CONTRACT_FILES = ["_schema.ir.json", "__schema_state.json"] as const;

/**
 * Removes every graph's schema contract, as a graph created before the contract has none
 * (harness privilege: no process, no failpoint). True when something was removed.
 */
async function stripContracts(world: World, graphs: readonly string[]): Promise<boolean> {
  let changed = false;
  for (const g of graphs) {
    for (const f of CONTRACT_FILES) {
      const key = `graphs/${g}.omni/${f}`;
      if ((await world.store.get(key)) === null) continue;
      await world.store.delete(key);
      changed = true;
    }
  }
  world.trace.push({
    t: "note",
    text: `legacy-strip schema-contract${changed ? "" : " (nothing to strip)"}`,
  });
  return changed;
}

/**
 * Rewrites the ledger as an older Omnigraph would have left it (harness privilege: no
 * process, no failpoint). True when something was stripped.
 */
export async function stripLegacy(
  world: World,
  what: LegacyKind,
  graphs: readonly string[] = [],
): Promise<boolean> {
  if (what === "schema-contract") return stripContracts(world, graphs);
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
}): LedgerLegacyKind[] {
  if (!v.obs.ledger?.parsed) return [];
  const kinds: LedgerLegacyKind[] = [];
  const addrs = Object.keys(v.obs.ledger.resources);
  if (addrs.some((a) => a.startsWith("policy."))) kinds.push("policy-bindings");
  if (addrs.some((a) => a.startsWith("provider.embedding."))) kinds.push("embedding-profile");
  return kinds;
}

/** The ledger aged mid-life, as an upgrade from an older Omnigraph leaves it. */
export const legacyStripOp = harnessOp({
  op: "legacy-strip",
  kind: "harness",
  shape: { what: z.enum(LEDGER_LEGACY_KINDS) },
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
