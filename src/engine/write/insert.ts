import type { GraphContext } from "../context.ts";
import { EngineError } from "../errors.ts";
import { type EdgeType, type NodeType, tableKeyOf } from "../schema/catalog.ts";
import type { Row } from "../store/tables.ts";
import { mutateTables, type TableReader } from "./mutate.ts";
import { checkValue, lookupType, projectRow } from "./rows.ts";

/** Inserts rows of one node or edge type; returns main's new version. */
export async function insertRows(
  ctx: GraphContext,
  typeName: string,
  rows: ReadonlyArray<Record<string, unknown>>,
  actor: string | null | undefined,
): Promise<number> {
  const t = lookupType(ctx.live.compiled.catalog, typeName);
  const key = tableKeyOf(t.kind, t.name);
  return mutateTables(ctx, actor, async (read) => {
    const existing = await read(key);
    const added =
      t.kind === "node" ? prepareNodeRows(ctx, t, rows) : await prepareEdgeRows(ctx, t, rows, read);
    const all = [...existing, ...added];
    checkUniqueness(t, all);
    return new Map([[key, all]]);
  });
}

function rejectUnknown(t: NodeType | EdgeType, row: Record<string, unknown>, allowed: string[]) {
  for (const k of Object.keys(row)) {
    if (!t.properties.has(k) && !allowed.includes(k)) {
      throw new EngineError("invalid_argument", `type \`${t.name}\` has no property \`${k}\``);
    }
  }
}

function checkProps(t: NodeType | EdgeType, row: Record<string, unknown>, i: number): Row {
  const out: Row = {};
  for (const [name, type] of t.properties) {
    out[name] = checkValue(`${t.name}[${i}].${name}`, type, row[name]);
  }
  return out;
}

/** Node ids are the `@key` value when the key is one column, else a fresh ULID. */
export function prepareNodeRows(
  ctx: GraphContext,
  t: NodeType,
  rows: ReadonlyArray<Record<string, unknown>>,
): Row[] {
  return rows.map((row, i) => {
    rejectUnknown(t, row, ["id"]);
    const props = checkProps(t, row, i);
    const keyCol = t.key?.length === 1 ? t.key[0] : undefined;
    let id: unknown = keyCol === undefined ? row.id : props[keyCol];
    if (id === undefined || id === null) id = ctx.proc.world.ids.ulid();
    return projectRow(t, { ...props, id: String(id) });
  });
}

export async function prepareEdgeRows(
  ctx: GraphContext,
  t: EdgeType,
  rows: ReadonlyArray<Record<string, unknown>>,
  read: TableReader,
): Promise<Row[]> {
  const ids = async (type: string) =>
    new Set((await read(tableKeyOf("node", type))).map((r) => String(r.id)));
  const fromIds = await ids(t.from_type);
  const toIds = t.to_type === t.from_type ? fromIds : await ids(t.to_type);
  return rows.map((row, i) => {
    rejectUnknown(t, row, ["from", "to"]);
    const from = row.from;
    const to = row.to;
    if (typeof from !== "string" || typeof to !== "string") {
      throw new EngineError(
        "invalid_argument",
        `${t.name}[${i}]: an edge needs string endpoints \`from\` and \`to\``,
      );
    }
    if (!fromIds.has(from)) {
      throw new EngineError("invalid_argument", `${t.name}[${i}]: no ${t.from_type} '${from}'`);
    }
    if (!toIds.has(to)) {
      throw new EngineError("invalid_argument", `${t.name}[${i}]: no ${t.to_type} '${to}'`);
    }
    const props = checkProps(t, row, i);
    return projectRow(t, { ...props, id: ctx.proc.world.ids.ulid(), src: from, dst: to });
  });
}

/** `@key` and `@unique` hold over the whole table after the write. */
export function checkUniqueness(t: NodeType | EdgeType, rows: readonly Row[]): void {
  const groups: { label: string; cols: readonly string[] }[] = [];
  if (t.kind === "node" && t.key !== null) groups.push({ label: "@key", cols: t.key });
  for (const u of t.unique) groups.push({ label: "@unique", cols: u });
  for (const g of groups) {
    const seen = new Map<string, number>();
    rows.forEach((row, i) => {
      const values = g.cols.map((c) => row[c]);
      if (values.some((v) => v === null || v === undefined)) return;
      const k = JSON.stringify(values);
      const first = seen.get(k);
      if (first !== undefined) {
        throw new EngineError(
          "constraint_violation",
          `${g.label} constraint violation on ${t.name}.${g.cols.join(",")}: duplicate value '${values.map(String).join(",")}' at rows ${first} and ${i}`,
        );
      }
      seen.set(k, i);
    });
  }
}
