import { createHash } from "node:crypto";
import type { MemoryStore } from "../../src/world/store/MemoryStore.ts";
import type { DesiredConfig } from "../universe/desired.ts";

/** A ULID (Crockford base32, 26 characters): operation, lock, sidecar and commit ids. */
const ULID = /\b[0-7][0-9A-HJKMNP-TV-Z]{25}\b/g;
/** An ISO-8601 instant as the simulated clock writes it. */
const INSTANT = /\b\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z\b/g;
/** A lock's process id: which process of the history took it, not what it is. */
const PID = /"pid":\s*\d+/g;

/**
 * The durable world in canonical form: every object of the store by key, with generated ids
 * renamed in order of first appearance (`U1`, `U2`, ... over the key-sorted dump, keys first),
 * instants and lock pids blanked, etags left out (the next compare-and-swap reads them afresh);
 * then the operator's working tree (the desired config it is rendered from). Two histories
 * that leave the store and the working tree equal up to ids, clock and pids reach one state.
 *
 * A lock file left in the store is always a dead process's (states are taken between steps,
 * when no process runs), so it is part of the state as it stands.
 */
export function canonicalState(store: MemoryStore, desired: DesiredConfig): string {
  const ids = new Map<string, string>();
  const rename = (text: string): string =>
    text
      .replace(ULID, (id) => {
        let n = ids.get(id);
        if (n === undefined) {
          n = `U${ids.size + 1}`;
          ids.set(id, n);
        }
        return n;
      })
      .replace(INSTANT, "T")
      .replace(PID, '"pid":P');
  const dump = store.dump();
  // Keys first, so an id is named by where it first appears as an object's name.
  const keys = dump.map(([k]) => rename(k));
  const lines: string[] = [];
  for (let i = 0; i < dump.length; i++)
    lines.push(`${keys[i]}\n${rename((dump[i] as [string, string])[1])}`);
  lines.push(`desired\n${JSON.stringify(desired)}`);
  return lines.join("\n\0\n");
}

/** The canonical state's digest (16 hex digits): what deduplicates the explorer's frontier. */
export function stateDigest(store: MemoryStore, desired: DesiredConfig): string {
  return createHash("sha256").update(canonicalState(store, desired)).digest("hex").slice(0, 16);
}
