import type { BuildOptions } from 'esbuild';

/** esbuild options shared by every bundle of the server. */
export declare const serverBundleOptions: BuildOptions;

/** The server's entry points under `root`: the process and the SQLite writer thread. */
export declare function serverEntryPoints(root: string): Record<string, string>;
