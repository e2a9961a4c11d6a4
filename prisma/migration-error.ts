/** How the migration applier (migrate.ts) and what it uses refuse or fail. */

/** A refusal or failure with a one-line message; `code` follows Prisma's where one exists. */
export class MigrationError extends Error {
  override name = 'MigrationError';
  constructor(
    message: string,
    readonly code: string,
    readonly migration?: string,
    /** Multi-line detail (database error, recorded logs) for humans who want more. */
    readonly details?: string,
  ) {
    super(message);
  }
}
