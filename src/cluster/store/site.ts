import type { Process } from "../../world/process.ts";
import { joinKey, locationKey, type StorageRoot } from "./locations.ts";

/**
 * One process's view of one cluster storage root: the storage it calls through and the three
 * spellings of a location under the root. Every part of the cluster store works on a site.
 */
export class StoreSite {
  constructor(
    readonly proc: Process,
    readonly configDir: string,
    readonly root: StorageRoot,
  ) {}

  get storage() {
    return this.proc.storage;
  }

  key(relative: string): string {
    return joinKey(this.root.prefix, relative);
  }

  uri(relative: string): string {
    return `${this.root.uri}/${relative}`;
  }

  display(relative: string): string {
    return `${this.root.display}/${relative}`;
  }

  /** Store key of a location (a graph uri, a sidecar uri, ...); null if it maps to nothing. */
  keyOf(location: string): string | null {
    return locationKey(this.configDir, location);
  }
}
