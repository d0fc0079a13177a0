import type { StepLabel } from "../../catalog/failpoints.ts";
import { EngineError } from "../errors.ts";
import {
  SCHEMA_IR,
  SCHEMA_IR_STAGING,
  SCHEMA_PG,
  SCHEMA_STATE,
  SCHEMA_STATE_STAGING,
} from "../layout.ts";
import { type CompiledSchema, compileSchema } from "../schema/compile.ts";
import { canonicalIr, type SchemaIR, schemaIrHash, schemaIrPrettyJson } from "../schema/ir.ts";
import { SchemaIrSchema, type SchemaState, SchemaStateSchema } from "./codecs.ts";
import { decodeJson, type GraphStorage } from "./graphStorage.ts";

export const SCHEMA_STATE_FORMAT_VERSION = 1;
export const SCHEMA_IDENTITY_VERSION = 1;

/** Upstream's schema-lock conflict: the accepted schema contract is not trustworthy. */
export function lockConflict(detail: string): EngineError {
  return new EngineError(
    "schema_contract",
    `schema evolution is locked down in phase 1: ${detail}; manual coordination is required`,
  );
}

/** Compiles a stored schema source; failures are contract failures, not user errors. */
export function compileStoredSource(source: string, file = SCHEMA_PG): CompiledSchema {
  const r = compileSchema(source);
  if (r.ok) return r.schema;
  if (r.error.kind === "parse") {
    throw lockConflict(
      `current ${file} is not a valid accepted schema definition: ${r.error.message}`,
    );
  }
  throw lockConflict(
    `current ${file} could not be compiled into the accepted schema contract: ${r.error.message}`,
  );
}

export type ContractRead =
  | { readonly kind: "present"; readonly ir: SchemaIR; readonly state: SchemaState }
  | { readonly kind: "missing_all" }
  | { readonly kind: "partial" };

/** Malformed contract files are `corrupt_object` with upstream's lock-down wording. */
function corruptContract(key: string, what: string, detail: string): EngineError {
  return new EngineError(
    "corrupt_object",
    `schema evolution is locked down in phase 1: ${what} is invalid: ${detail}; manual coordination is required`,
    key,
  );
}

function decodeContractFile<T>(
  storage: GraphStorage,
  rel: string,
  text: string,
  schema: Parameters<typeof decodeJson<T>>[2],
  what: string,
): T {
  try {
    return decodeJson(storage.key(rel), text, schema);
  } catch (e) {
    if (e instanceof EngineError && e.code === "corrupt_object") {
      throw corruptContract(storage.key(rel), what, e.message);
    }
    throw e;
  }
}

export async function readContract(
  storage: GraphStorage,
  irRel: string = SCHEMA_IR,
  stateRel: string = SCHEMA_STATE,
): Promise<ContractRead> {
  const irText = await storage.tryRead(irRel);
  const stateText = await storage.tryRead(stateRel);
  if (irText === null && stateText === null) return { kind: "missing_all" };
  if (irText === null || stateText === null) return { kind: "partial" };
  const ir = decodeContractFile(
    storage,
    irRel,
    irText,
    SchemaIrSchema,
    `accepted compiled schema contract in ${SCHEMA_IR}`,
  ) as SchemaIR;
  const state = decodeContractFile(
    storage,
    stateRel,
    stateText,
    SchemaStateSchema,
    `graph schema state in ${SCHEMA_STATE}`,
  );
  return { kind: "present", ir: canonicalIr(ir), state };
}

export function validatePersistedContract(ir: SchemaIR, state: SchemaState): void {
  if (state.format_version !== SCHEMA_STATE_FORMAT_VERSION) {
    throw lockConflict(`graph schema state format ${state.format_version} is unsupported`);
  }
  if (schemaIrHash(ir) !== state.schema_ir_hash) {
    throw lockConflict("accepted compiled schema does not match the recorded schema state");
  }
}

export function validateSourceMatches(state: SchemaState, current: CompiledSchema): void {
  if (current.irHash !== state.schema_ir_hash) {
    throw lockConflict("current _schema.pg no longer matches the accepted compiled schema");
  }
}

const MISSING_CONTRACT =
  "graph is missing persisted schema state; manual coordination is required before schema changes are allowed";

/** The live schema, validated against its contract (upstream's `ensure_schema_state_valid`). */
export interface LiveSchema {
  readonly source: string;
  readonly compiled: CompiledSchema;
  readonly accepted: SchemaIR;
}

export async function readLiveSource(storage: GraphStorage): Promise<string> {
  const source = await storage.tryRead(SCHEMA_PG);
  if (source === null) {
    throw new EngineError(
      "schema_missing",
      `graph schema source '${storage.key(SCHEMA_PG)}' does not exist`,
      storage.key(SCHEMA_PG),
    );
  }
  return source;
}

export async function validateSchemaContract(storage: GraphStorage): Promise<LiveSchema> {
  const source = await readLiveSource(storage);
  const compiled = compileStoredSource(source);
  const contract = await readContract(storage);
  if (contract.kind !== "present") throw lockConflict(MISSING_CONTRACT);
  validatePersistedContract(contract.ir, contract.state);
  validateSourceMatches(contract.state, compiled);
  return { source, compiled, accepted: contract.ir };
}

/** The accepted IR the planner diffs against (upstream's `read_accepted_schema_ir`). */
export async function readAcceptedIr(storage: GraphStorage): Promise<SchemaIR> {
  const contract = await readContract(storage);
  if (contract.kind !== "present") throw lockConflict(MISSING_CONTRACT);
  validatePersistedContract(contract.ir, contract.state);
  return contract.ir;
}

export function schemaStateFor(ir: SchemaIR): SchemaState {
  return {
    format_version: SCHEMA_STATE_FORMAT_VERSION,
    schema_ir_hash: schemaIrHash(ir),
    schema_identity_version: SCHEMA_IDENTITY_VERSION,
  };
}

/** Writes `_schema.ir.json` then `__schema_state.json` (or their staging twins). */
export async function writeContract(
  storage: GraphStorage,
  ir: SchemaIR,
  target: {
    readonly irRel: string;
    readonly irStep: StepLabel;
    readonly stateRel: string;
    readonly stateStep: StepLabel;
  },
): Promise<void> {
  await storage.put(target.irStep, target.irRel, schemaIrPrettyJson(ir));
  await storage.put(target.stateStep, target.stateRel, JSON.stringify(schemaStateFor(ir), null, 2));
}

export const STAGING_CONTRACT = {
  irRel: SCHEMA_IR_STAGING,
  irStep: "engine.schema_apply.staging_write_ir",
  stateRel: SCHEMA_STATE_STAGING,
  stateStep: "engine.schema_apply.staging_write_state",
} as const;
