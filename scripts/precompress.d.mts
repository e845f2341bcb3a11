/** Writes `<file>.br` and `<file>.gz` for each compressible file (beside it, or where `targetOf` says); returns the files compressed. */
export declare function precompress(files: string[], targetOf?: (file: string) => string): string[];

/** Precompresses every file below `dir`, in place. */
export declare function precompressTree(dir: string): string[];
