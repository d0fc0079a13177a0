/**
 * Storage fault kinds, one table (TigerBeetle's storage options, one row per fault): what
 * class each kind is, which store calls it hits, and the parameter a pinned fault carries.
 * The fault layer (sim/faults/FaultyStore.ts), the drawn weather (sim/faults/FaultPlan.ts),
 * the scenario schema's pinned faults, the trace's fault events, the guided fleet's added
 * faults and the property tests' arbitraries all read their kinds from here. The fault layer
 * fires each kind by name, so a kind added here compiles before it fires anywhere:
 * test/world/faultKinds.test.ts pins every kind and fails until the layer fires it. Adding a
 * kind changes every drawn weather (one draw per kind, in table order).
 *
 * Honest faults are what a correct control plane must tolerate: a call that fails cleanly, a
 * write that lands but whose acknowledgement is lost, latency. Hostile faults make the store
 * lie; with them on, the judge asks only that the damage be detected or harmless.
 */
export interface FaultKindSpec {
  readonly class: "honest" | "hostile";
  /** The store calls a fault of this kind can hit. */
  readonly calls: ReadonlyArray<"read" | "write" | "list">;
  /**
   * The drawn parameter a pinned fault of this kind carries (so it replays as it fired), with
   * the range a fault added by hand or by a mutation draws it from; null: none.
   */
  readonly arg: { readonly what: string; readonly min: number; readonly max: number } | null;
  readonly doc: string;
}

// The order is the weather's draw order (honest kinds first): keep it, or every drawn fault
// plan changes.
export const FAULT_KINDS = {
  "write-error": {
    class: "honest",
    calls: ["write"],
    arg: null,
    doc: "the write fails with an error and does not land",
  },
  "read-error": {
    class: "honest",
    calls: ["read", "list"],
    arg: null,
    doc: "the read or listing fails with an error",
  },
  "ack-loss": {
    class: "honest",
    calls: ["write"],
    arg: null,
    doc: "the write lands, then the call fails as if it had not",
  },
  latency: {
    class: "honest",
    calls: ["read", "write", "list"],
    arg: { what: "simulated milliseconds", min: 1, max: 50 },
    doc: "the call takes longer, letting other actors run first",
  },
  "lost-write": {
    class: "hostile",
    calls: ["write"],
    arg: null,
    doc: "the write is acknowledged and never lands",
  },
  "misdirected-write": {
    class: "hostile",
    calls: ["write"],
    arg: null,
    doc: "the write is acknowledged and lands under another key",
  },
  "corrupt-read": {
    class: "hostile",
    calls: ["read"],
    arg: { what: "the flipped character's position", min: 0, max: 64 },
    doc: "the read returns the object with one character changed",
  },
  "truncated-read": {
    class: "hostile",
    calls: ["read"],
    arg: { what: "the kept length", min: 0, max: 64 },
    doc: "the read returns a prefix of the object",
  },
  "stale-read": {
    class: "hostile",
    calls: ["read"],
    arg: { what: "landed writes back", min: 1, max: 3 },
    doc: "the read returns an earlier value of the object",
  },
  "stale-list": {
    class: "hostile",
    calls: ["list"],
    arg: { what: "landed writes back", min: 1, max: 3 },
    doc: "the listing is what it was a few writes ago",
  },
} as const satisfies Record<string, FaultKindSpec>;

export type FaultKind = keyof typeof FAULT_KINDS;

type OfClass<C extends FaultKindSpec["class"]> = {
  [K in FaultKind]: (typeof FAULT_KINDS)[K]["class"] extends C ? K : never;
}[FaultKind];
export type HonestFault = OfClass<"honest">;
export type HostileFault = OfClass<"hostile">;

/** Every kind, in table order. */
export const FAULT_KIND_NAMES = Object.keys(FAULT_KINDS) as [FaultKind, ...FaultKind[]];

export const HONEST_FAULTS = FAULT_KIND_NAMES.filter(
  (k) => FAULT_KINDS[k].class === "honest",
) as readonly HonestFault[];

export const HOSTILE_FAULTS = FAULT_KIND_NAMES.filter(
  (k) => FAULT_KINDS[k].class === "hostile",
) as readonly HostileFault[];

/** Kinds whose pinned faults must carry their drawn parameter. */
export const FAULTS_WITH_ARG: ReadonlySet<FaultKind> = new Set(
  FAULT_KIND_NAMES.filter((k) => FAULT_KINDS[k].arg !== null),
);

export function isHostileFault(kind: string): kind is HostileFault {
  return Object.hasOwn(FAULT_KINDS, kind) && FAULT_KINDS[kind as FaultKind].class === "hostile";
}
