import { createHash } from "node:crypto";
import { deepFreeze } from "../../src/util/memo.ts";
import { formatEvent } from "../../src/world/trace.ts";
import type { WorldSnapshot } from "../../src/world/world.ts";
import type { Observation } from "./observe.ts";

/**
 * A universe's birth, taken once and adopted by every universe with the same fixture: the
 * world as the fixture left it, what birth taught the sampler, and the last observation.
 * Birth draws nothing from a universe's seed (it runs in a world of its own seed), so it is a
 * function of the fixture, the defects and the instrumentation switches alone.
 */
export interface Birth {
  readonly world: WorldSnapshot;
  readonly reachedByOp: ReadonlyArray<readonly [string, readonly string[]]>;
  readonly obs: Observation;
}

/** The seed of the world every birth runs in. */
export const BIRTH_SEED = "birth";

/** How many distinct births a cache keeps before it starts over (a fleet has a few dozen). */
const MAX_BIRTHS = 64;

/**
 * Births by key (fixture, defects, switches), owned by whoever runs universes: a fleet thread,
 * a bench, a test. Never module state. Each birth is made twice when first asked for and the
 * two compared, so a nondeterministic birth is an error here, not a silently shared state.
 */
export class BirthCache {
  private readonly births = new Map<string, Birth>();
  /** Births made (each twice); for tests and the bench. */
  made = 0;

  async get(key: string, make: () => Promise<Birth>): Promise<Birth> {
    const hit = this.births.get(key);
    if (hit !== undefined) return hit;
    const a = await make();
    const b = await make();
    const fa = fingerprint(a);
    const fb = fingerprint(b);
    if (fa !== fb)
      throw new Error(
        `birth is not deterministic: two births of one fixture differ (${fa} vs ${fb})`,
      );
    if (this.births.size >= MAX_BIRTHS) this.births.clear();
    const born = deepFreeze(a);
    this.births.set(key, born);
    this.made++;
    return born;
  }
}

/** What makes two births the same: the store (with tokens), time, pids, counters and trace. */
export function fingerprint(b: Birth): string {
  const h = createHash("sha256");
  const w = b.world;
  // Texts, tokens and the etag counter: tokens feed compare-and-swap writes.
  h.update(JSON.stringify(w.store.keys().map((k) => [k, w.store.getSync(k)])));
  h.update(String(w.store.etagCounter));
  h.update(
    JSON.stringify([w.clockMs, w.processCount, w.calls, w.totalWrites, w.reached, b.reachedByOp]),
  );
  for (const e of w.events) h.update(`${formatEvent(e)}\n`);
  h.update(JSON.stringify(b.obs));
  return h.digest("hex").slice(0, 16);
}
