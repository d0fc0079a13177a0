import {
  checkKey,
  normalizeDir,
  type ObjectStore,
  StoreError,
  type Versioned,
} from "./ObjectStore.ts";

interface Entry {
  readonly text: string;
  readonly token: string;
}

/**
 * An in-memory object store with S3-like semantics: etags are per-store version counters,
 * so two stores fed the same calls hand out the same tokens.
 *
 * Alongside the objects it keeps a directory index (for every directory that holds an object
 * at any depth, how many objects lie under each child name), so `list` and `exists` cost the
 * size of their answer rather than of the store. Stored keys are canonical (checked on every
 * write), so an index lookup by the normalised directory answers exactly what a scan would.
 */
export class MemoryStore implements ObjectStore {
  private readonly objects = new Map<string, Entry>();
  /** Directory → child name → number of objects under it. */
  private readonly dirs = new Map<string, Map<string, number>>();
  /** Directory → its sorted child names, until the directory changes. */
  private readonly sorted = new Map<string, readonly string[]>();
  private nextEtag = 1;
  /** Bumped by every change: equal generations of one store mean equal contents. */
  private gen = 0;

  private mint(): string {
    return `e${this.nextEtag++}`;
  }

  /** How many times the store has changed (objects or tokens); for observers' caches. */
  get generation(): number {
    return this.gen;
  }

  private set(key: string, e: Entry): void {
    // Frozen: reads hand the entry itself out (no copy per read), so nobody may change it.
    Object.freeze(e);
    this.gen++;
    if (!this.objects.has(key)) this.index(key, 1);
    this.objects.set(key, e);
  }

  private remove(key: string): void {
    if (!this.objects.delete(key)) return;
    this.gen++;
    this.index(key, -1);
  }

  private index(key: string, delta: 1 | -1): void {
    let slash = key.indexOf("/");
    while (slash >= 0) {
      const dir = key.slice(0, slash);
      const next = key.indexOf("/", slash + 1);
      const child = key.slice(slash + 1, next < 0 ? undefined : next);
      let children = this.dirs.get(dir);
      if (children === undefined) {
        children = new Map();
        this.dirs.set(dir, children);
      }
      const n = (children.get(child) ?? 0) + delta;
      if (n > 0) {
        if (!children.has(child)) this.sorted.delete(dir);
        children.set(child, n);
      } else {
        children.delete(child);
        this.sorted.delete(dir);
        if (children.size === 0) this.dirs.delete(dir);
      }
      slash = next;
    }
  }

  async get(key: string): Promise<Versioned | null> {
    return this.getSync(key);
  }

  getSync(key: string): Versioned | null {
    const e = this.objects.get(key);
    return e ?? null;
  }

  async put(key: string, text: string): Promise<string> {
    checkKey(key);
    const token = this.mint();
    this.set(key, { text, token });
    return token;
  }

  async putIfAbsent(key: string, text: string): Promise<boolean> {
    checkKey(key);
    if (this.objects.has(key)) return false;
    this.set(key, { text, token: this.mint() });
    return true;
  }

  async putIfMatch(key: string, text: string, token: string): Promise<string | null> {
    checkKey(key);
    const cur = this.objects.get(key);
    if (!cur || cur.token !== token) return null;
    const next = this.mint();
    this.set(key, { text, token: next });
    return next;
  }

  async delete(key: string): Promise<void> {
    this.remove(key);
  }

  async list(dir: string): Promise<string[]> {
    return [...this.listSync(dir)];
  }

  /** `list` without the promise; the array is shared and must not be changed. */
  listSync(dir: string): readonly string[] {
    const d = normalizeDir(dir);
    let names = this.sorted.get(d);
    if (names === undefined) {
      const children = this.dirs.get(d);
      if (children === undefined) return [];
      names = [...children.keys()].sort();
      this.sorted.set(d, names);
    }
    return names;
  }

  async deletePrefix(prefix: string): Promise<void> {
    const p = normalizeDir(prefix);
    for (const k of [...this.objects.keys()]) {
      if (k === p || k.startsWith(`${p}/`)) this.remove(k);
    }
  }

  async exists(key: string): Promise<boolean> {
    return this.existsSync(key);
  }

  existsSync(key: string): boolean {
    return this.objects.has(key) || this.dirs.has(normalizeDir(key));
  }

  async rename(from: string, to: string): Promise<void> {
    checkKey(to);
    const e = this.objects.get(from);
    if (!e) throw new StoreError("not_found", from, `rename source '${from}' does not exist`);
    this.remove(from);
    this.set(to, { text: e.text, token: this.mint() });
  }

  /** An independent copy (objects and etag counter): a snapshot a harness can open and poke. */
  clone(): MemoryStore {
    const c = new MemoryStore();
    // Entries are replaced, never changed in place, so the copy may share them.
    for (const [k, e] of this.objects) c.objects.set(k, e);
    for (const [d, children] of this.dirs) c.dirs.set(d, new Map(children));
    for (const [d, names] of this.sorted) c.sorted.set(d, names);
    c.nextEtag = this.nextEtag;
    c.gen = this.gen;
    return c;
  }

  /**
   * Makes this store a copy of `from` (objects and etags), dropping what it held: a
   * world adopting a snapshot keeps its own store object, which its layers already reference.
   */
  restore(from: MemoryStore): void {
    this.objects.clear();
    this.dirs.clear();
    this.sorted.clear();
    for (const [k, e] of from.objects) this.objects.set(k, e);
    for (const [d, children] of from.dirs) this.dirs.set(d, new Map(children));
    for (const [d, names] of from.sorted) this.sorted.set(d, names);
    this.nextEtag = from.nextEtag;
    // Past every generation this store or `from` had: a cache keyed by this store's
    // generation can never take the restored contents for ones it saw before.
    this.gen = Math.max(this.gen, from.gen) + 1;
  }

  /** The etag counter: with every entry's token, what makes two stores hand out equal tokens. */
  get etagCounter(): number {
    return this.nextEtag;
  }

  /** Every object, sorted by key: for snapshots, hashing and oracles. */
  dump(): Array<[string, string]> {
    return [...this.objects.entries()]
      .map(([k, e]): [string, string] => [k, e.text])
      .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  }

  keys(): string[] {
    return [...this.objects.keys()].sort();
  }

  get size(): number {
    return this.objects.size;
  }
}
