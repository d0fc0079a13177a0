import { parseDocument } from "yaml";
import { memoByText } from "../../util/memo.ts";
import { CLUSTER_CONFIG_FILE } from "../constants.ts";
import { type Diagnostic, error, errorText, hasErrors } from "../diagnostics.ts";
import { describeIssues } from "../records/zodText.ts";
import { joinPath, type WorkTree } from "../worktree.ts";
import { fromParsedRaw, type RawClusterConfig, RawClusterConfigSchema } from "./raw.ts";
import { duplicateKeyDiagnostics, futureFieldDiagnostics } from "./yamlScan.ts";

export interface ParsedConfig {
  readonly raw: RawClusterConfig | null;
  readonly diagnostics: Diagnostic[];
  readonly configDir: string;
  readonly configFile: string;
}

/**
 * Reads and strictly decodes `cluster.yaml`. The duplicate-key and reserved-field scans run
 * on the raw text first; if either finds an error the YAML is never decoded.
 */
export async function parseClusterConfig(
  workTree: WorkTree,
  configDir: string,
): Promise<ParsedConfig> {
  const configFile = joinPath(configDir, CLUSTER_CONFIG_FILE);
  const diagnostics: Diagnostic[] = [];
  const done = (raw: RawClusterConfig | null): ParsedConfig => ({
    raw,
    diagnostics,
    configDir,
    configFile,
  });

  if (!(await workTree.isDirectory(configDir))) {
    diagnostics.push(
      error(
        "config_dir_not_found",
        configDir,
        "`--config` must point at a directory containing cluster.yaml",
      ),
    );
    return done(null);
  }

  let text: string;
  try {
    text = await workTree.readText(configFile);
  } catch (e) {
    diagnostics.push(
      error(
        "cluster_config_read_error",
        CLUSTER_CONFIG_FILE,
        `could not read cluster.yaml: ${errorText(e)}`,
      ),
    );
    return done(null);
  }

  const scanned = scanAndDecode(text);
  diagnostics.push(...scanned.diagnostics);
  const decoded = scanned.decoded;
  if (decoded === null) return done(null);
  if (!decoded.ok) {
    diagnostics.push(
      error(
        "invalid_cluster_yaml",
        CLUSTER_CONFIG_FILE,
        `could not parse cluster.yaml: ${decoded.message}`,
      ),
    );
    return done(null);
  }
  return done(decoded.raw);
}

/**
 * The text-only part of reading `cluster.yaml` (the line scans, then the strict decode unless
 * they found an error): a pure function of the text, so remembered by content.
 */
const scanAndDecode = memoByText(
  (
    text: string,
  ): {
    diagnostics: Diagnostic[];
    decoded: ReturnType<typeof decodeClusterYaml> | null;
  } => {
    const diagnostics = [...duplicateKeyDiagnostics(text), ...futureFieldDiagnostics(text)];
    return { diagnostics, decoded: hasErrors(diagnostics) ? null : decodeClusterYaml(text) };
  },
);

export function decodeClusterYaml(
  text: string,
): { ok: true; raw: RawClusterConfig } | { ok: false; message: string } {
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: false });
  const yamlError = doc.errors[0];
  if (yamlError !== undefined) return { ok: false, message: yamlError.message };
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    return { ok: false, message: errorText(e) };
  }
  const parsed = RawClusterConfigSchema.safeParse(value, { reportInput: true });
  if (!parsed.success) return { ok: false, message: describeIssues(parsed.error.issues) };
  return { ok: true, raw: fromParsedRaw(parsed.data) };
}
