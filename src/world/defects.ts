/**
 * Known-bad variants of the model: each a small, local switch back to a historical or
 * plausible defect, used to prove that the simulator's oracles and properties can go red.
 * Empty by default; a world carries the set it was born with.
 */
export const DEFECTS = {
  "arm-before-preview":
    "pre-#284 schema phase: the sidecar is armed before the preview, and kept after an engine rejection",
  "serve-refuses-any-sidecar":
    "pre-#284 serve: any recovery sidecar refuses boot for the whole cluster",
  "no-embedding-backfill":
    "pre-#284 apply: a ledger missing an embedding profile is never backfilled",
  "silent-sidecar-cleanup":
    "review finding on #284: a failed pre-movement sidecar delete is discarded silently",
  "proof-ignores-version":
    "the pre-movement proof compares only the schema digest, not the manifest version, so a graph whose manifest moved looks unmoved",
  "revision-not-bumped": "apply writes a changed ledger without incrementing state_revision",
  "swallow-state-write-error":
    "apply treats a failed state write as written and retires its sidecars",
  "sweep-skips-rollforward":
    "the sweep retires a completed schema-apply or create sidecar without rolling the ledger forward",
  "restore-wrong-version":
    "engine roll-back restores a table to its first version instead of the manifest's pin",
  "cas-blind-write":
    "the ledger write skips the compare against the state the command read, so a concurrent apply's write is silently overwritten",
  "graph-policy-not-attached":
    "serve loads a graph's bound policy bundle but registers the graph without it, so the graph serves without the rules apply recorded for it",
  "open-refuses-recoverable-residue":
    "a read-write open gives up on a graph with a pending engine recovery sidecar instead of recovering it",
  "noop-schema-apply-fails":
    "apply takes the engine's empty plan (applied: false) for a failure, so a schema edit that changes no compiled schema never converges",
  "refresh-drops-unopenable":
    "refresh records a graph whose root exists but does not open as missing, instead of reporting the failed observation",
  "failed-apply-removes-created-graph":
    "an apply that fails right after a graph create removes the graph it just committed, instead of leaving it for the sweep to roll forward",
  "bundle-bound-twice-conflicts":
    "serve counts a bundle bound to several graphs as several bundles, and refuses to boot any cluster whose one bundle governs more than one graph",
  "payload-decodes-lossily":
    "apply's payload phase decodes a source file lossily instead of refusing one that is not UTF-8, so it publishes a blob that does not hash to the digest the ledger records for it",
  "mock-provider-needs-key":
    "serve resolves every provider profile's api key before looking at its kind, so a mock profile, which needs no key, is refused as unresolved and its graphs quarantined",
} as const;

export type DefectName = keyof typeof DEFECTS;

export const DEFECT_NAMES = Object.keys(DEFECTS).sort() as DefectName[];

export function isDefectName(s: string): s is DefectName {
  return Object.hasOwn(DEFECTS, s);
}
