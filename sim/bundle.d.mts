export declare const REPO_ROOT: string;
export declare const BUNDLE_DIR: string;
export type Bundled =
  | { readonly ok: true; readonly url: URL; readonly path: string }
  | { readonly ok: false; readonly reason: string };
export declare function bundle(entry: string, prefix: string): Promise<Bundled>;
