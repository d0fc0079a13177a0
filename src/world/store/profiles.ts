import type { StepLabel } from "../../catalog/failpoints.ts";
import type { Process } from "../process.ts";
import type { Storage } from "../storage.ts";
import type { World } from "../world.ts";
import { LocalFsStore, S3Store, sha256Token } from "./BackendStores.ts";
import { MemoryStore } from "./MemoryStore.ts";
import { normalizeDir, type ObjectStore, StoreError, type Versioned } from "./ObjectStore.ts";

/**
 * Backend profiles: the storage upstream runs over, as the model's processes see it.
 *
 * - `object-store`: the model's own store (MemoryStore). Every primitive is one atomic
 *   durable write: rename and prefix delete included. The default; universes without a
 *   profile are exactly this, trace for trace.
 * - `s3`: upstream's `ObjectStorageAdapter` over object_store's AmazonS3
 *   (crates/omnigraph/src/storage.rs @7fd23c54). `rename_text` is object_store's default
 *   rename, a copy then a delete: two durable writes. `delete_prefix` lists the prefix once,
 *   then deletes the listed objects one by one in key order: one durable write per object,
 *   none when nothing is there. Conditional puts are real; tokens are MD5 ETags (S3Store).
 * - `local-fs`: the adapter over object_store's LocalFileSystem. `rename_text` is one atomic
 *   `fs::rename`. `delete_prefix` is `remove_dir_all`: a walk that unlinks each file and
 *   removes each directory once emptied, the root last: one durable write per file and per
 *   directory. `write_text_if_match` has no conditional put to use (PutMode::Update is
 *   unimplemented locally): it reads, compares the content hash and puts, a read and a write
 *   another process can run between. Directories persist (LocalFsStore).
 *
 * Each write a profile splits a call into goes through the process's own storage under the
 * caller's step label, so it is an ordinary durable write: counted by kill-at-write (a death
 * there is final: the rest of the call never happens), with `<step>.before` and
 * `<step>.after` failpoints, faults of its own, a scheduler turn before it and a trace line.
 * An injected error or a fault on one of them ends the call with that error, leaving what the
 * earlier ones did: a copy without its delete, a partly deleted prefix.
 */
export const BACKEND_PROFILES = ["object-store", "s3", "local-fs"] as const;
export type BackendProfile = (typeof BACKEND_PROFILES)[number];

export const DEFAULT_BACKEND_PROFILE: BackendProfile = "object-store";

export function isBackendProfile(name: string): name is BackendProfile {
  return (BACKEND_PROFILES as readonly string[]).includes(name);
}

/** A fresh raw store of the profile's backend, for `World.simulated({ store })`. */
export function backendStore(profile: BackendProfile): MemoryStore {
  switch (profile) {
    case "object-store":
      return new MemoryStore();
    case "s3":
      return new S3Store();
    case "local-fs":
      return new LocalFsStore();
  }
}

/** The profile a raw store belongs to. */
export function profileOfStore(store: ObjectStore): BackendProfile {
  if (store instanceof S3Store) return "s3";
  if (store instanceof LocalFsStore) return "local-fs";
  return "object-store";
}

/**
 * A process's storage as the profile runs it. `object-store` returns `storage` itself (the
 * model as it was). `store` is the world's raw store, which must be the profile's
 * (`backendStore`): the split calls read it the way the backend's server side does (the
 * listing of a prefix delete, the source of a copy).
 */
export function profiledStorage(
  profile: BackendProfile,
  storage: Storage,
  store: ObjectStore,
): Storage {
  if (profile === "object-store") return storage;
  if (profileOfStore(store) !== profile)
    throw new Error(`backend profile '${profile}' needs its own raw store (backendStore)`);
  if (store instanceof S3Store) return new S3Storage(storage, store);
  if (store instanceof LocalFsStore) return new LocalFsStorage(storage, store);
  throw new Error("backend profiles run over a memory twin");
}

/**
 * Runs every process `world` spawns from now on through the profile (and checks the world's
 * store is the profile's). Call it right after making the world, before anything spawns. A
 * stand-in until `World.spawn` applies `profiledStorage` itself.
 */
export function installBackendProfile(world: World, profile: BackendProfile): void {
  if (profileOfStore(world.store) !== profile)
    throw new Error(
      `backend profile '${profile}' needs a world over backendStore('${profile}'), not ${world.store.constructor.name}`,
    );
  if (profile === "object-store") return;
  const spawn = world.spawn.bind(world);
  world.spawn = (name: string): Process => {
    const p = spawn(name);
    (p as { storage: Storage }).storage = profiledStorage(profile, p.storage, world.store);
    return p;
  };
}

/** What every profile passes straight through: reads, and the writes that are one request. */
abstract class PassThrough implements Storage {
  constructor(protected readonly inner: Storage) {}
  read(key: string): Promise<string> {
    return this.inner.read(key);
  }
  readVersioned(key: string): Promise<Versioned> {
    return this.inner.readVersioned(key);
  }
  tryReadVersioned(key: string): Promise<Versioned | null> {
    return this.inner.tryReadVersioned(key);
  }
  tryRead(key: string): Promise<string | null> {
    return this.inner.tryRead(key);
  }
  exists(key: string): Promise<boolean> {
    return this.inner.exists(key);
  }
  list(dir: string): Promise<string[]> {
    return this.inner.list(dir);
  }
  put(step: StepLabel, key: string, text: string): Promise<void> {
    return this.inner.put(step, key, text);
  }
  putIfAbsent(step: StepLabel, key: string, text: string): Promise<boolean> {
    return this.inner.putIfAbsent(step, key, text);
  }
  putIfMatch(step: StepLabel, key: string, text: string, token: string): Promise<string | null> {
    return this.inner.putIfMatch(step, key, text, token);
  }
  delete(step: StepLabel, key: string): Promise<void> {
    return this.inner.delete(step, key);
  }
  deletePrefix(step: StepLabel, prefix: string): Promise<void> {
    return this.inner.deletePrefix(step, prefix);
  }
  rename(step: StepLabel, from: string, to: string): Promise<void> {
    return this.inner.rename(step, from, to);
  }
}

class S3Storage extends PassThrough {
  constructor(
    inner: Storage,
    private readonly store: MemoryStore,
  ) {
    super(inner);
  }

  /**
   * object_store's default `rename`: `copy(from, to)` (CopyObject, server-side) then
   * `delete(from)`. A death or failure between them leaves both, equal (the case upstream's
   * `recover_schema_state_files` must tolerate). The copy's source is read when the call
   * begins (the model's scheduler may run another process before the copy lands; upstream's
   * callers hold the schema-apply lock over the staging files they rename).
   */
  override async rename(step: StepLabel, from: string, to: string): Promise<void> {
    const src = this.store.getSync(from);
    if (src === null)
      throw new StoreError("not_found", from, `rename source '${from}' does not exist`);
    await this.inner.put(step, to, src.text);
    await this.inner.delete(step, from);
  }

  /**
   * The adapter's object-store `delete_prefix`: one listing of every object under the prefix
   * (S3 lists in key order), then a delete per listed object. Nothing listed, nothing written.
   * Objects created under the prefix after the listing survive it.
   */
  override async deletePrefix(step: StepLabel, prefix: string): Promise<void> {
    const p = normalizeDir(prefix);
    const listed = this.store.keys().filter((k) => k === p || k.startsWith(`${p}/`));
    for (const k of listed) await this.inner.delete(step, k);
  }
}

class LocalFsStorage extends PassThrough {
  constructor(
    inner: Storage,
    private readonly store: LocalFsStore,
  ) {
    super(inner);
  }

  /**
   * The adapter's local `write_text_if_match`: get, compare the content hash, put. Not a
   * barrier: another process's write can land between the read and the put, and both callers
   * then see their swap succeed. One durable write (the put), as before; the read before it is
   * a scheduling point of its own.
   */
  override async putIfMatch(
    step: StepLabel,
    key: string,
    text: string,
    token: string,
  ): Promise<string | null> {
    const cur = await this.inner.tryReadVersioned(key);
    if (cur === null || cur.token !== token) return null;
    await this.inner.put(step, key, text);
    return sha256Token(text);
  }

  /**
   * `remove_dir_all` (tokio's, which is std's on a blocking thread): nothing there is fine;
   * otherwise each directory's entries in turn (sorted here; readdir order on a real disk),
   * files unlinked, subdirectories emptied and removed, the root removed last. A death midway
   * leaves the root directory with what was not reached yet, or empty.
   */
  override async deletePrefix(step: StepLabel, prefix: string): Promise<void> {
    const p = normalizeDir(prefix);
    if (!this.store.isDir(p)) {
      // A file, or nothing: one step (`remove_dir_all` refuses a file; no model caller asks).
      if (this.store.getSync(p) !== null) await this.inner.deletePrefix(step, p);
      return;
    }
    await this.removeDirAll(step, p);
  }

  private async removeDirAll(step: StepLabel, dir: string): Promise<void> {
    for (const name of [...this.store.listSync(dir)]) {
      const k = `${dir}/${name}`;
      if (this.store.isDir(k)) await this.removeDirAll(step, k);
      else if (this.store.getSync(k) !== null) await this.inner.delete(step, k);
    }
    // The directory, now empty (rmdir): removing it is the raw store's prefix delete of it.
    await this.inner.deletePrefix(step, dir);
  }
}
