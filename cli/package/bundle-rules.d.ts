// Types of bundle-rules.js (plain JS: the bin reads it before any TypeScript loader).
export declare const SERVER_ONLY: string[];
export declare const isServerOnly: (spec: string) => boolean;
export declare const OPERATOR_ONLY: Record<string, string>;
export declare function operatorOnly(spec: string, resolveDir: string, modules?: Record<string, string>): string | undefined;
export declare const exportedFunctions: (source: string) => string[];
export declare const REQUIRE_BANNER: string;
export declare const BUNDLE_OPTIONS: {
  outExtension: Record<string, string>;
  chunkNames: string;
  bundle: true;
  splitting: true;
  platform: 'node';
  format: 'esm';
  target: string;
  banner: { js: string };
};
