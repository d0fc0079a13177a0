import { sha256Hex } from "../util/digest.ts";
import { enforcePolicy, ensureWritable, type GraphContext, type OpenMode } from "./context.ts";
import { EngineError } from "./errors.ts";
import { Snapshot } from "./read.ts";
import { healPendingSidecars } from "./recovery/sweep.ts";
import type { CompiledSchema } from "./schema/compile.ts";
import { type ApplyOptions, applySchema, type SchemaApplyResult } from "./schemaApply/apply.ts";
import {
  coordinatorBranchCreate,
  coordinatorBranchDelete,
  ensureSchemaApplyIdle,
  isInternalBranch,
} from "./schemaApply/lock.ts";
import {
  planForApply,
  type SchemaApplyOptions,
  type SchemaApplyPreview,
} from "./schemaApply/preview.ts";
import { listBranches } from "./store/branches.ts";
import { requireHead } from "./store/manifest.ts";
import { validateSchemaContract } from "./store/schemaFiles.ts";
import { insertRows } from "./write/insert.ts";

export interface ActorOptions {
  readonly actor?: string | null;
}

/** An open graph: the handle the cluster, the server and the simulator drive. */
export interface Graph {
  readonly root: string;
  readonly mode: OpenMode;
  /** `_schema.pg` as loaded at open (or as promoted by this handle's own apply). */
  schemaSource(): string;
  /** sha256 hex of `schemaSource()`'s bytes: what the cluster compares schema digests with. */
  schemaDigest(): string;
  catalog(): CompiledSchema;
  /** `snapshot_of(main).version()`: re-validates the contract and re-reads the head. */
  mainVersion(): Promise<number>;
  /** `main` first, then every other branch sorted, the lock branch included. */
  branches(): Promise<string[]>;
  createBranch(name: string, opts?: ActorOptions): Promise<void>;
  deleteBranch(name: string, opts?: ActorOptions): Promise<void>;
  previewSchemaApply(source: string, opts: SchemaApplyOptions): Promise<SchemaApplyPreview>;
  applySchema(source: string, opts: ApplyOptions): Promise<SchemaApplyResult>;
  insert(
    typeName: string,
    rows: Array<Record<string, unknown>>,
    opts?: ActorOptions,
  ): Promise<number>;
  rows(typeName: string): Promise<Array<Record<string, unknown>>>;
  /** A consistent read of main for several tables (queries use it). */
  snapshot(): Promise<Snapshot>;
  /** The handle's context (engine-internal: queries and mutations run through it). */
  readonly context: GraphContext;
}

function normalizeBranchName(name: string, operation: "create" | "delete"): string {
  const b = name.trim();
  if (b === "") throw new EngineError("invalid_argument", "branch name cannot be empty");
  if (b === "main") throw new EngineError("invalid_argument", `cannot ${operation} branch 'main'`);
  return b;
}

function ensurePublicRef(name: string, operation: string): void {
  if (isInternalBranch(name)) {
    throw new EngineError(
      "invalid_argument",
      `${operation} does not allow internal system ref '${name}'`,
    );
  }
}

export class GraphHandle implements Graph {
  constructor(readonly context: GraphContext) {}

  get root(): string {
    return this.context.storage.root;
  }

  get mode(): OpenMode {
    return this.context.mode;
  }

  schemaSource(): string {
    return this.context.live.source;
  }

  schemaDigest(): string {
    return sha256Hex(this.context.live.source);
  }

  catalog(): CompiledSchema {
    return this.context.live.compiled;
  }

  async mainVersion(): Promise<number> {
    await validateSchemaContract(this.context.storage);
    return (await requireHead(this.context.storage)).version;
  }

  branches(): Promise<string[]> {
    return listBranches(this.context.storage);
  }

  async createBranch(name: string, opts: ActorOptions = {}): Promise<void> {
    const ctx = this.context;
    ensureWritable(ctx, "branch_create");
    enforcePolicy(ctx, "branch_create", opts.actor);
    await validateSchemaContract(ctx.storage);
    await ensureSchemaApplyIdle(ctx.storage, "branch_create");
    ensurePublicRef(name, "branch_create");
    await coordinatorBranchCreate(ctx.storage, normalizeBranchName(name, "create"));
  }

  async deleteBranch(name: string, opts: ActorOptions = {}): Promise<void> {
    const ctx = this.context;
    ensureWritable(ctx, "branch_delete");
    enforcePolicy(ctx, "branch_delete", opts.actor);
    await validateSchemaContract(ctx.storage);
    await ensureSchemaApplyIdle(ctx.storage, "branch_delete");
    ensurePublicRef(name, "branch_delete");
    await healPendingSidecars(ctx.storage);
    const branch = normalizeBranchName(name, "delete");
    if (!(await listBranches(ctx.storage)).includes(branch)) {
      throw new EngineError("branch_not_found", `branch '${branch}' not found`);
    }
    await coordinatorBranchDelete(ctx.storage, branch);
  }

  previewSchemaApply(source: string, opts: SchemaApplyOptions): Promise<SchemaApplyPreview> {
    return planForApply(this.context.storage, source, opts);
  }

  applySchema(source: string, opts: ApplyOptions): Promise<SchemaApplyResult> {
    return applySchema(this.context, source, opts);
  }

  insert(
    typeName: string,
    rows: Array<Record<string, unknown>>,
    opts: ActorOptions = {},
  ): Promise<number> {
    return insertRows(this.context, typeName, rows, opts.actor);
  }

  async rows(typeName: string): Promise<Array<Record<string, unknown>>> {
    return (await Snapshot.ofMain(this.context)).rows(typeName);
  }

  snapshot(): Promise<Snapshot> {
    return Snapshot.ofMain(this.context);
  }
}
