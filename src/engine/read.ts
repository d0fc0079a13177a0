import type { GraphContext } from "./context.ts";
import { EngineError } from "./errors.ts";
import { type EdgeType, type NodeType, tableKeyOf } from "./schema/catalog.ts";
import type { Manifest } from "./store/codecs.ts";
import { requireHead } from "./store/manifest.ts";
import { type Row, readTableRows } from "./store/tables.ts";
import { lookupType, projectRow } from "./write/rows.ts";

/**
 * One consistent read of main: a manifest version and lazily loaded table contents, shaped
 * by the handle's catalog (a torn read-only view may carry columns its schema lacks).
 */
export class Snapshot {
  private readonly cache = new Map<string, Row[]>();

  constructor(
    private readonly ctx: GraphContext,
    readonly manifest: Manifest,
  ) {}

  static async ofMain(ctx: GraphContext): Promise<Snapshot> {
    return new Snapshot(ctx, await requireHead(ctx.storage));
  }

  async rowsOf(t: NodeType | EdgeType): Promise<Row[]> {
    const key = tableKeyOf(t.kind, t.name);
    const hit = this.cache.get(key);
    if (hit !== undefined) return hit;
    const entry = this.manifest.tables[key];
    if (entry === undefined) {
      throw new EngineError(
        "conflict",
        `no manifest entry for ${key} at manifest v${this.manifest.version}`,
      );
    }
    const raw = await readTableRows(this.ctx.storage, entry.path, key, entry.version);
    const rows = raw.map((r) => projectRow(t, r));
    this.cache.set(key, rows);
    return rows;
  }

  async rows(typeName: string): Promise<Row[]> {
    return this.rowsOf(lookupType(this.ctx.live.compiled.catalog, typeName));
  }
}
