import type { BuildOptions } from 'esbuild';

/** esbuild options shared by every bundle of the server. */
export declare const serverBundleOptions: BuildOptions;
