/** Any JSON value; the ledger's audit maps hold free-form JSON objects. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [k: string]: JsonValue };

/** Parses JSON without throwing (the one shared helper, under the name the records use). */
export { tryParseJson as parseJson } from "../../util/json.ts";
