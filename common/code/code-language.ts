/**
 * Which grammar reads a file, told by its name's extension: the languages the relay parses to find
 * the names a file defines and imports (code-names.ts). Anything else is not parsed.
 */
export type CodeLanguage = 'python' | 'typescript' | 'tsx' | 'javascript' | 'go';

export const CODE_LANGUAGES: readonly CodeLanguage[] = ['python', 'typescript', 'tsx', 'javascript', 'go'];

const BY_EXTENSION: Record<string, CodeLanguage> = {
  py: 'python',
  pyi: 'python',
  ts: 'typescript',
  mts: 'typescript',
  cts: 'typescript',
  tsx: 'tsx',
  js: 'javascript',
  mjs: 'javascript',
  cjs: 'javascript',
  jsx: 'javascript',
  go: 'go',
};

/** The grammar for `file`, or undefined when none of ours reads it. */
export function languageOf(file: string): CodeLanguage | undefined {
  const name = file.slice(Math.max(file.lastIndexOf('/'), file.lastIndexOf('\\')) + 1);
  const dot = name.lastIndexOf('.');
  if (dot <= 0) return undefined;
  // A declaration file (`x.d.ts`) defines names as TypeScript does.
  return BY_EXTENSION[name.slice(dot + 1).toLowerCase()];
}
