/**
 * The operator's working tree: `cluster.yaml` and the files it references. Always local,
 * never the object store, and read-only to the model. A real directory (node:fs/promises)
 * and a memfs volume both fit through `fsWorkTree`.
 */
export interface WorkTree {
  /** Raw bytes; rejects when the path is missing or unreadable. */
  readFile(path: string): Promise<Uint8Array>;
  /** Strict UTF-8 text; rejects on missing files and on invalid UTF-8. */
  readText(path: string): Promise<string>;
  exists(path: string): Promise<boolean>;
  isDirectory(path: string): Promise<boolean>;
  /** Entry names directly under `path` (any order; callers sort). */
  readdir(path: string): Promise<string[]>;
  /**
   * Optional: a text that determines every answer this tree gives (trees with equal keys hold
   * the same directories and files), so a pure reader of the tree may remember its result by
   * it. Absent for trees that can change behind the reader's back (a real directory).
   */
  readonly contentKey?: string;
}

/** The subset of `fs.promises` a working tree needs; node and memfs both provide it. */
export interface FsReadLike {
  readFile(path: string): Promise<Uint8Array | string>;
  stat(path: string): Promise<{ isDirectory(): boolean }>;
  readdir(path: string): Promise<unknown[]>;
}

/** Thrown for text that is not valid UTF-8, with the wording upstream's reader uses. */
export class InvalidUtf8Error extends Error {
  constructor() {
    super("stream did not contain valid UTF-8");
    this.name = "InvalidUtf8Error";
  }
}

export function decodeUtf8(bytes: Uint8Array): string {
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw new InvalidUtf8Error();
  }
}

export function fsWorkTree(fs: FsReadLike): WorkTree {
  const readFile = async (path: string): Promise<Uint8Array> => {
    const data = await fs.readFile(path);
    return typeof data === "string" ? new TextEncoder().encode(data) : new Uint8Array(data);
  };
  return {
    readFile,
    readText: async (path) => decodeUtf8(await readFile(path)),
    exists: async (path) => {
      try {
        await fs.stat(path);
        return true;
      } catch {
        return false;
      }
    },
    isDirectory: async (path) => {
      try {
        return (await fs.stat(path)).isDirectory();
      } catch {
        return false;
      }
    },
    readdir: async (path) => (await fs.readdir(path)).map(String),
  };
}

/** Upstream's `resolve_config_path`: absolute paths stand, relative ones join the config dir. */
export function resolveConfigPath(configDir: string, path: string): string {
  if (path.startsWith("/")) return path;
  return configDir.endsWith("/") ? `${configDir}${path}` : `${configDir}/${path}`;
}

/** Joins without normalising, so `./x` displays as upstream's `Path::join` shows it. */
export function joinPath(dir: string, name: string): string {
  return dir.endsWith("/") ? `${dir}${name}` : `${dir}/${name}`;
}
