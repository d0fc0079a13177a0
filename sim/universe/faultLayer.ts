import { describePlan, drawFaultPlan } from "../faults/FaultPlan.ts";
import { FaultyStore } from "../faults/FaultyStore.ts";
import type { FaultRules } from "../scenario/schema.ts";
import type { Universe } from "./Universe.ts";

/**
 * The three fault layers a universe's life can run behind, each built from the universe's own
 * seed tree (`faults`, then `fire`): drawn weather, faults pinned to steps, or a layer that
 * fires nothing (the bench's overhead figure). Install one with `Universe.installFaults`.
 */

/** Storage weather drawn from the seed (a generative universe whose scenario has fault rules). */
export function weatherLayer(u: Universe, rules: FaultRules): FaultyStore {
  const plan = drawFaultPlan(u.world.rng.child("faults"), rules);
  u.world.trace.push({ t: "note", text: `fault plan: ${describePlan(plan)}` });
  return new FaultyStore(
    u.world.store,
    plan,
    u.world.rng.child("faults").child("fire"),
    u.world.clock,
    u.world.trace,
  );
}

/** Faults pinned to steps (a recorded or shrunk universe): replayed exactly, no draws. */
export function pinnedLayer(u: Universe): FaultyStore {
  return FaultyStore.scripted(
    u.world.store,
    u.world.rng.child("faults").child("fire"),
    u.world.clock,
    u.world.trace,
  );
}

/** A layer whose plan fires nothing: the wrapper's cost without its faults (bench only). */
export function idleLayer(u: Universe): FaultyStore {
  return new FaultyStore(
    u.world.store,
    { rates: {}, maxLag: 1, maxLatencyMs: 1 },
    u.world.rng.child("faults").child("fire"),
    u.world.clock,
    u.world.trace,
  );
}
