import type { StepLabel } from "../../catalog/failpoints.ts";
import { CLUSTER_APPROVALS_DIR, CLUSTER_RECOVERIES_DIR } from "../constants.ts";
import { type Diagnostic, error, warning } from "../diagnostics.ts";
import type { ApprovalArtifact } from "../records/approval.ts";
import { parseJson } from "../records/json.ts";
import type { RecoverySidecar } from "../records/sidecar.ts";
import { attempt, fail, ok, type Result } from "./attempt.ts";
import { APPROVAL_CODEC, type RecordCodec, SIDECAR_CODEC } from "./codecs.ts";
import type { StoreSite } from "./site.ts";

/** What differs between the directories of records: where, how encoded, and the words used. */
export interface RecordKind<T> {
  readonly dir: string;
  readonly codec: RecordCodec<T>;
  /** The record's file name without `.json`. */
  idOf(record: T): string;
  /** For messages: "recovery sidecar", and the id's name, "operation id". */
  readonly noun: string;
  readonly idNoun: string;
  readonly codes: {
    readonly list: string;
    readonly parse: string;
    readonly version: string;
    readonly write: string;
  };
}

export const SIDECARS: RecordKind<RecoverySidecar> = {
  dir: CLUSTER_RECOVERIES_DIR,
  codec: SIDECAR_CODEC,
  idOf: (s) => s.operation_id,
  noun: "recovery sidecar",
  idNoun: "operation id",
  codes: {
    list: "recovery_sidecar_read_error",
    parse: "invalid_recovery_sidecar",
    version: "unsupported_recovery_sidecar_version",
    write: "recovery_sidecar_write_error",
  },
};

export const APPROVALS: RecordKind<ApprovalArtifact> = {
  dir: CLUSTER_APPROVALS_DIR,
  codec: APPROVAL_CODEC,
  idOf: (a) => a.approval_id,
  noun: "approval artifact",
  idNoun: "approval id",
  codes: {
    list: "approval_read_error",
    parse: "invalid_approval_artifact",
    version: "unsupported_approval_version",
    write: "approval_write_error",
  },
};

/**
 * A directory of `<id>.json` records (recovery sidecars, approval artifacts). Listing never
 * fails a command: an unreadable directory, or a file that cannot be read, parsed or is of
 * another version, is a warning, and the file stays where it is for the operator.
 */
export class RecordDirectory<T> {
  constructor(
    private readonly site: StoreSite,
    private readonly kind: RecordKind<T>,
  ) {}

  /** The file names of the records, in name order; null (and a warning) when unlistable. */
  private async names(diagnostics: Diagnostic[]): Promise<string[] | null> {
    const dir = this.kind.dir;
    const listed = await attempt(() => this.site.storage.list(this.site.key(dir)));
    if (!listed.ok) {
      diagnostics.push(
        warning(this.kind.codes.list, dir, `could not list '${dir}': ${listed.message}`),
      );
      return null;
    }
    return listed.value.filter((n) => n.endsWith(".json")).sort();
  }

  /** Every decodable record of the current version, with its URI. */
  async list(diagnostics: Diagnostic[]): Promise<Array<[string, T]>> {
    const { dir, codes, codec } = this.kind;
    const out: Array<[string, T]> = [];
    for (const name of (await this.names(diagnostics)) ?? []) {
      const uri = this.site.uri(`${dir}/${name}`);
      // A plain read, as upstream's `read_text`: a listed name with no object behind it (one a
      // concurrent command deleted since the listing, or, in the model's listing, a directory)
      // is a read error naming the missing object.
      const read = await attempt(() => this.site.storage.read(this.site.key(`${dir}/${name}`)));
      if (!read.ok) {
        diagnostics.push(
          warning(codes.parse, uri, `could not read (${read.message}); leaving it in place`),
        );
        continue;
      }
      const json = parseJson(read.value);
      const decoded = json.ok
        ? codec.decode(json.value)
        : { ok: false as const, message: json.message };
      if (!decoded.ok) {
        diagnostics.push(
          warning(codes.parse, uri, `could not parse (${decoded.message}); leaving it in place`),
        );
      } else if (decoded.version !== 1) {
        diagnostics.push(
          warning(codes.version, uri, "unsupported schema version; leaving it in place"),
        );
      } else {
        out.push([uri, decoded.value]);
      }
    }
    return out;
  }

  /** Where records are (display form), for commands that only report them. */
  async locations(diagnostics: Diagnostic[]): Promise<string[]> {
    const names = (await this.names(diagnostics)) ?? [];
    return names.map((n) => this.site.display(`${this.kind.dir}/${n}`));
  }

  /** Writes (or rewrites) a record by plain put; returns its URI. */
  async write(step: StepLabel, record: T): Promise<Result<string>> {
    const { dir, noun, idNoun, codec } = this.kind;
    const id = this.kind.idOf(record);
    const relative = `${dir}/${id}.json`;
    const key = this.site.keyOf(this.site.uri(relative));
    const put = await attempt(async () => {
      if (key === null) throw new Error(`invalid ${idNoun} '${id}'`);
      await this.site.storage.put(step, key, codec.encode(record));
    });
    if (!put.ok) {
      return fail(
        error(
          this.kind.codes.write,
          this.site.display(relative),
          `could not write ${noun}: ${put.message}`,
        ),
      );
    }
    return ok(this.site.uri(relative));
  }
}
