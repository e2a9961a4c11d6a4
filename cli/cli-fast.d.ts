// Types of cli-fast.js (plain JS: the bin runs it before any TypeScript loader).
export declare function bundleHome(root?: string): string;
export declare function prepareCliBundle(opts?: { root?: string; dir?: string }): Promise<{ entry: string; built: boolean } | undefined>;
