import type { z } from "zod";
import type { StepLabel } from "../../catalog/failpoints.ts";
import type { Fallible } from "../../util/fallible.ts";
import { memoByText } from "../../util/memo.ts";
import type { Process } from "../../world/process.ts";
import { asEngineError, corruptObject, EngineError } from "../errors.ts";

/**
 * A process's view of one graph root: keys are relative to the root, every write names its
 * catalogued step (so `<step>.before/.after` failpoints exist for it), and store failures
 * arrive as EngineErrors. ProcessDeath passes through untouched.
 */
export class GraphStorage {
  constructor(
    readonly proc: Process,
    readonly root: string,
  ) {}

  key(rel: string): string {
    return this.root === "" ? rel : `${this.root}/${rel}`;
  }

  private async call<T>(f: () => Promise<T>): Promise<T> {
    try {
      return await f();
    } catch (e) {
      throw asEngineError(e);
    }
  }

  tryRead(rel: string): Promise<string | null> {
    return this.call(() => this.proc.storage.tryRead(this.key(rel)));
  }

  async read(rel: string): Promise<string> {
    const text = await this.tryRead(rel);
    if (text === null) {
      throw new EngineError("storage", `object '${this.key(rel)}' does not exist`, this.key(rel));
    }
    return text;
  }

  exists(rel: string): Promise<boolean> {
    return this.call(() => this.proc.storage.exists(this.key(rel)));
  }

  list(rel: string): Promise<string[]> {
    return this.call(() => this.proc.storage.list(this.key(rel)));
  }

  put(step: StepLabel, rel: string, text: string): Promise<void> {
    return this.call(() => this.proc.storage.put(step, this.key(rel), text));
  }

  putIfAbsent(step: StepLabel, rel: string, text: string): Promise<boolean> {
    return this.call(() => this.proc.storage.putIfAbsent(step, this.key(rel), text));
  }

  delete(step: StepLabel, rel: string): Promise<void> {
    return this.call(() => this.proc.storage.delete(step, this.key(rel)));
  }

  rename(step: StepLabel, from: string, to: string): Promise<void> {
    return this.call(() => this.proc.storage.rename(step, this.key(from), this.key(to)));
  }

  /** Reads and validates a JSON object; null when absent, `corrupt_object` when invalid. */
  async readJson<T>(rel: string, schema: z.ZodType<T>): Promise<T | null> {
    const text = await this.tryRead(rel);
    return text === null ? null : decodeJson(this.key(rel), text, schema);
  }
}

/**
 * Parses and validates stored JSON; anything malformed is `corrupt_object` naming `key`.
 * The decoded value is frozen: it is remembered by (schema, text) and shared.
 */
export function decodeJson<T>(key: string, text: string, schema: z.ZodType<T>): T {
  const d = decoderFor(schema)(text);
  if (d.ok) return d.value;
  throw corruptObject(key, d.message);
}

type Decoded<T> = Fallible<T>;

/** One content-keyed memo per record schema (schemas are module constants). */
const decoders = new WeakMap<z.ZodType, (text: string) => Decoded<unknown>>();

function decoderFor<T>(schema: z.ZodType<T>): (text: string) => Decoded<T> {
  let d = decoders.get(schema);
  if (d === undefined) {
    d = memoByText((text: string): Decoded<unknown> => decodeFresh(text, schema));
    decoders.set(schema, d);
  }
  return d as (text: string) => Decoded<T>;
}

function decodeFresh<T>(text: string, schema: z.ZodType<T>): Decoded<T> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return { ok: false, message: `not valid JSON (${e instanceof Error ? e.message : String(e)})` };
  }
  const r = schema.safeParse(value);
  if (!r.success) {
    const issue = r.error.issues[0];
    const where = issue && issue.path.length > 0 ? ` at ${issue.path.join(".")}` : "";
    return { ok: false, message: `unexpected shape${where}: ${issue?.message ?? "invalid"}` };
  }
  return { ok: true, value: r.data };
}

export function prettyJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
