import { ALL_FAILPOINTS } from "../../src/catalog/failpoints.ts";
import { Rng } from "../../src/world/rng.ts";
import { type BackendProfile, DEFAULT_BACKEND_PROFILE } from "../../src/world/store/profiles.ts";
import { LEGACY_KINDS } from "../ops/legacyStrip.ts";
import type { GenerativeScenario, Scenario } from "../scenario/schema.ts";
import { opWeights } from "./sampler.ts";

/**
 * Failpoint families, as name prefixes: a step label's first two segments
 * (`engine.schema_apply.`), a named failpoint's first (`cluster_apply.`). Focusing a
 * universe's crash placement on a few families multiplies the chance of the rare
 * combinations inside them (a rejection's cleanup, a roll-back's restore).
 */
export const FAILPOINT_FAMILIES: readonly string[] = [
  ...new Set(
    ALL_FAILPOINTS.map((f) => {
      const parts = f.split(".");
      const n = parts[0] === "engine" || parts[0] === "cluster" ? 2 : 1;
      return `${parts.slice(0, n).join(".")}.`;
    }),
  ),
].sort();

/**
 * The scenario one universe of a swarm actually lives: its own alphabet, weights, crash plan,
 * weather, races and fixture, drawn from the seed tree under `swarm` (each decision from a
 * child stream of its own, so a decision added later shifts none of these). A scenario
 * without `swarm` is returned as it is. The result has no `swarm` field: it is an ordinary
 * generative scenario, which is what the universe, the shrinker and `serve` work from.
 */
export function resolveSwarm<S extends Scenario>(scenario: S, seed: number | string): S {
  if (scenario.kind !== "generative" || scenario.swarm === undefined) return scenario;
  return resolveGenerative(scenario as GenerativeScenario, seed) as S;
}

function resolveGenerative(
  scenario: GenerativeScenario,
  seed: number | string,
): GenerativeScenario {
  const sw = scenario.swarm;
  if (sw === undefined) return scenario;
  const rng = Rng.root(seed).child("swarm");
  const f = sw.features;

  const keep = rng.child("ops");
  const scale = rng.child("spread");
  const log2 = Math.log2(sw.spread);
  const weights: Partial<Record<string, number>> = {};
  for (const [op, w] of opWeights(scenario)) {
    const kept = keep.chance(sw.ops) || sw.always.includes(op);
    const factor = 2 ** ((scale.next() * 2 - 1) * log2);
    if (kept) weights[op] = Math.round(w * factor * 1000) / 1000 || 0.001;
  }

  const lockOff = rng.child("lock-off").chance(f.lockOff);
  // With the lock off, what the feature is for is concurrency: two commands meeting the CAS.
  const together = opWeights(scenario).find(([op]) => op === "concurrently")?.[1];
  if (lockOff && together !== undefined)
    weights.concurrently = Math.max(weights.concurrently ?? 0, together) * 4;

  const crashes = rng.child("crashes").chance(f.crashes);
  const focusRng = rng.child("focus");
  const focused = focusRng.chance(sw.focus);
  const families = FAILPOINT_FAMILIES.filter(() => focusRng.chance(0.5));
  const only =
    focused && families.length > 0 && scenario.crash.only === undefined
      ? families
      : scenario.crash.only;

  const novelty = rng.child("novelty").chance(sw.novelty);
  // How often and how many: some universes crash rarely and live long after, some often.
  const rate = rng.child("crash-rate");
  const probability = Math.min(0.6, scenario.crash.probability * 2 ** (rate.next() * 2.5 - 1));
  const max = rate.range(scenario.crash.max, 4 * scenario.crash.max);
  const weather = rng.child("faults").chance(f.faults);
  const hostile = rng.child("hostile-faults").chance(f.hostileFaults);
  const races = rng.child("races").chance(f.races);
  const hostileConfig =
    scenario.hostileConfig || rng.child("hostile-config").chance(f.hostileConfig);
  const legacyRng = rng.child("legacy");
  const aged = legacyRng.chance(f.legacy);
  const legacy = aged
    ? (() => {
        const picked = LEGACY_KINDS.filter(() => legacyRng.chance(0.5));
        return picked.length > 0 ? picked : [legacyRng.pick(LEGACY_KINDS)];
      })()
    : [];

  // Drawn last, so every decision above is what it was before the feature existed.
  const respond = rng.child("respond").chance(f.respond) ? 0.5 : scenario.respond;
  const backendRng = rng.child("backend");
  const backend: BackendProfile =
    scenario.fixture.backend === DEFAULT_BACKEND_PROFILE && backendRng.chance(f.backend)
      ? backendRng.pick(["s3", "local-fs"] as const)
      : scenario.fixture.backend;

  const { swarm: _swarm, faults: rules, ...rest } = scenario;
  const resolved: GenerativeScenario = {
    ...rest,
    weights,
    crash: crashes
      ? {
          ...scenario.crash,
          probability: Math.round(probability * 1000) / 1000,
          max,
          rare: true,
          novelty: novelty ? 1 : 0,
          ...(only !== undefined ? { only: [...only] } : {}),
        }
      : { ...scenario.crash, probability: 0, max: 0 },
    ...(rules !== undefined && weather
      ? { faults: { ...rules, hostile: rules.hostile || hostile } }
      : {}),
    races: races ? scenario.races : 0,
    hostileConfig,
    respond,
    fixture: {
      ...scenario.fixture,
      stateLock: scenario.fixture.stateLock && !lockOff,
      legacy: [...new Set([...scenario.fixture.legacy, ...legacy])].sort(),
      backend,
    },
  };
  return resolved;
}

/** One line for the trace and reports: what a swarm universe enabled. */
export function describeSwarm(s: GenerativeScenario): string {
  const ops = opWeights(s)
    .map(([op, w]) => `${op}=${w}`)
    .join(" ");
  const where = s.crash.only === undefined ? "any" : s.crash.only.join(",");
  const crash =
    s.crash.max === 0 || s.crash.probability === 0
      ? "off"
      : `p=${s.crash.probability} max=${s.crash.max} at ${where}${s.crash.novelty > 0 ? ", novelty" : ""}`;
  const faults = s.faults === undefined ? "off" : s.faults.hostile ? "honest+hostile" : "honest";
  return [
    `ops: ${ops}`,
    `crashes: ${crash}`,
    `faults: ${faults}`,
    `races: ${s.races}`,
    `lock: ${s.fixture.stateLock ? "on" : "off"}`,
    `config: ${s.hostileConfig ? "hostile too" : "valid"}`,
    `operator: ${s.respond > 0 ? `fixes blocks (${s.respond})` : "ignores blocks"}`,
    `backend: ${s.fixture.backend}`,
    `legacy: ${s.fixture.legacy.length ? s.fixture.legacy.join(",") : "none"}`,
  ].join("; ");
}
