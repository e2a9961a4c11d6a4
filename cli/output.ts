/** How the non-hook commands fail: one line on stderr, a non-zero exit, never a stack trace. */
export class CliError extends Error {
  override name = 'CliError';
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

export const stdoutLine = (line: string) => {
  process.stdout.write(`${line}\n`);
};
