import { createHash } from "node:crypto";
import { MemoryStore } from "./MemoryStore.ts";
import { normalizeDir, type Versioned } from "./ObjectStore.ts";

/**
 * In-memory twins of the two backends upstream's `ObjectStorageAdapter`
 * (crates/omnigraph/src/storage.rs @7fd23c54) runs over in production, as raw stores: what
 * one call does to the stored state. How a call that upstream makes of several requests is
 * split into several durable writes (each a crash point) is the profile's business
 * (./profiles.ts); these classes only hold the state and answer for it the way the backend
 * does.
 *
 * Both are MemoryStores (so a world over them snapshots, clones and adopts like any other);
 * both hand out content tokens instead of the memory store's per-write etags.
 */

/** sha256 of the content, hex: upstream's `local_version_token` (and FsStore's token). */
export function sha256Token(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

/** S3's ETag for a single-part put without SSE-KMS: the quoted MD5 of the body. */
export function s3Etag(text: string): string {
  return `"${createHash("md5").update(text, "utf8").digest("hex")}"`;
}

/**
 * A memory store whose tokens are a function of the content. Two writes of the same text give
 * the same token, so a compare-and-swap holding an old token succeeds again once the object is
 * back to that text (ABA), as on both upstream backends.
 */
abstract class ContentTokenStore extends MemoryStore {
  /** Entries are frozen and replaced, never changed: a token per entry object is exact. */
  private readonly tokens = new WeakMap<Versioned, string>();

  protected abstract tokenOf(text: string): string;

  private tokenFor(e: Versioned): string {
    let t = this.tokens.get(e);
    if (t === undefined) {
      t = this.tokenOf(e.text);
      this.tokens.set(e, t);
    }
    return t;
  }

  override async get(key: string): Promise<Versioned | null> {
    return this.getSync(key);
  }

  override getSync(key: string): Versioned | null {
    const e = super.getSync(key);
    return e === null ? null : { text: e.text, token: this.tokenFor(e) };
  }

  override async put(key: string, text: string): Promise<string> {
    await super.put(key, text);
    return this.tokenOf(text);
  }

  /** A true conditional put here; the local-fs profile splits it into read, compare, put. */
  override async putIfMatch(key: string, text: string, token: string): Promise<string | null> {
    const cur = super.getSync(key);
    if (cur === null || this.tokenFor(cur) !== token) return null;
    await super.put(key, text);
    return this.tokenOf(text);
  }
}

/**
 * S3 as upstream reaches it through object_store's AmazonS3 (`s3_from_root_uri`): ETags are the
 * MD5 of the body, conditional puts are real (If-Match, If-None-Match).
 *
 * `exists` answers a directory-shaped key the way `graph_root_exists` asks it on S3 (store.rs:
 * `list_dir` of the root is non-empty, and `list_dir` names only the objects directly under
 * it): an object at the key, or an object directly under `key/`. A root whose remaining objects
 * all lie deeper (`nodes/...` after a prefix delete stopped past `_schema.pg`) does not exist.
 * Every other existence probe the model makes is of an object key, where this agrees with
 * upstream's adapter `exists` (head, then any key under the prefix).
 */
export class S3Store extends ContentTokenStore {
  protected tokenOf(text: string): string {
    return s3Etag(text);
  }

  override async exists(key: string): Promise<boolean> {
    return this.existsSync(key);
  }

  override existsSync(key: string): boolean {
    if (super.getSync(key) !== null) return true;
    const d = normalizeDir(key);
    return this.listSync(d).some((name) => super.getSync(`${d}/${name}`) !== null);
  }

  override clone(): S3Store {
    const c = new S3Store();
    c.restore(this);
    return c;
  }
}

/**
 * A local filesystem as upstream reaches it through object_store's LocalFileSystem (`local`),
 * and the twin of FsStore over node:fs (test/conformance/backends.test.ts holds the two to the
 * same answers). Directories are real: a write creates every missing parent, a delete of an
 * object leaves its directory behind (empty, perhaps), and only a prefix delete
 * (`remove_dir_all`) removes directories. `exists` is `Path::exists`: true for an object or a
 * directory, empty or not (what `graph_root_exists` asks locally; for an object key it is the
 * adapter's answer too). `list` names the child directories as well, as `readdir` does.
 * Tokens are sha256 of the content, like upstream's local backend and FsStore.
 */
export class LocalFsStore extends ContentTokenStore {
  /** Every directory that exists, and each directory's child directories. */
  private readonly dirSet = new Set<string>();
  private readonly childDirs = new Map<string, Set<string>>();

  protected tokenOf(text: string): string {
    return sha256Token(text);
  }

  private mkdirs(key: string): void {
    let slash = key.lastIndexOf("/");
    let child = key;
    while (slash > 0) {
      const dir = key.slice(0, slash);
      const name = child.slice(slash + 1);
      let kids = this.childDirs.get(dir);
      if (kids === undefined) {
        kids = new Set();
        this.childDirs.set(dir, kids);
      }
      if (child !== key) kids.add(name);
      if (this.dirSet.has(dir)) return;
      this.dirSet.add(dir);
      child = dir;
      slash = dir.lastIndexOf("/");
    }
  }

  /** Whether `dir` is a directory (empty or not). */
  isDir(dir: string): boolean {
    return this.dirSet.has(normalizeDir(dir));
  }

  /** Every directory, sorted: for snapshots and tests. */
  directories(): string[] {
    return [...this.dirSet].sort();
  }

  override async put(key: string, text: string): Promise<string> {
    const t = await super.put(key, text);
    this.mkdirs(key);
    return t;
  }

  override async putIfAbsent(key: string, text: string): Promise<boolean> {
    const ok = await super.putIfAbsent(key, text);
    if (ok) this.mkdirs(key);
    return ok;
  }

  override async putIfMatch(key: string, text: string, token: string): Promise<string | null> {
    const t = await super.putIfMatch(key, text, token);
    if (t !== null) this.mkdirs(key);
    return t;
  }

  /** LocalFileSystem's rename is one `fs::rename`, creating the destination's parents. */
  override async rename(from: string, to: string): Promise<void> {
    await super.rename(from, to);
    this.mkdirs(to);
  }

  /** `remove_dir_all` in one step: the objects and every directory under and at `prefix`. */
  override async deletePrefix(prefix: string): Promise<void> {
    const p = normalizeDir(prefix);
    await super.deletePrefix(p);
    for (const d of [...this.dirSet]) {
      if (d === p || d.startsWith(`${p}/`)) {
        this.dirSet.delete(d);
        this.childDirs.delete(d);
      }
    }
    const slash = p.lastIndexOf("/");
    if (slash > 0) this.childDirs.get(p.slice(0, slash))?.delete(p.slice(slash + 1));
  }

  override async exists(key: string): Promise<boolean> {
    return this.existsSync(key);
  }

  override existsSync(key: string): boolean {
    return super.getSync(key) !== null || this.dirSet.has(normalizeDir(key));
  }

  override async list(dir: string): Promise<string[]> {
    return [...this.listSync(dir)];
  }

  override listSync(dir: string): readonly string[] {
    const d = normalizeDir(dir);
    const kids = this.childDirs.get(d);
    const names = super.listSync(d);
    if (kids === undefined || kids.size === 0) return names;
    return [...new Set([...names, ...kids])].sort();
  }

  override clone(): LocalFsStore {
    const c = new LocalFsStore();
    c.restore(this);
    return c;
  }

  /**
   * Adopts `from`'s objects; from another local store its directories too, from any other
   * memory store the directories its objects imply (a history kept only as objects has lost
   * the empty directories it may have left).
   */
  override restore(from: MemoryStore): void {
    super.restore(from);
    this.dirSet.clear();
    this.childDirs.clear();
    if (from instanceof LocalFsStore) {
      for (const d of from.dirSet) this.dirSet.add(d);
      for (const [d, kids] of from.childDirs) this.childDirs.set(d, new Set(kids));
    } else {
      for (const k of from.keys()) this.mkdirs(k);
    }
  }
}
