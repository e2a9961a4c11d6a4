/** API process: `npm run api` (or started by `npm run up`). Shuts down cleanly on SIGTERM/SIGINT. */
import { loadConfigOrExit } from '../common/server/config.js';

async function run(): Promise<void> {
  const config = loadConfigOrExit();
  // The API's modules (Prisma, Fastify, Temporal, every route) load once the configuration is good:
  // a missing or bad variable is reported at once, without loading them first.
  const [{ createPrisma }, { createLogger }, { createApi }] = await Promise.all([import('../common/server/db.js'), import('../common/server/logger.js'), import('./app.js')]);
  const logger = createLogger('memflow-api', config.MEMFLOW_LOG_LEVEL);
  const prisma = createPrisma(config.DATABASE_URL, config.MEMFLOW_PRISMA_POOL_SIZE ? { maxConnections: config.MEMFLOW_PRISMA_POOL_SIZE } : {});
  const api = createApi(config, prisma, logger);

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, 'shutting down');
    try {
      await api.close();
    } finally {
      await prisma.$disconnect();
    }
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));

  const address = await api.app.listen({ host: config.MEMFLOW_HOST, port: config.MEMFLOW_PORT });
  logger.info({ address }, 'memflow API listening');
}

run().catch((err: unknown) => {
  process.stderr.write(`memflow api: ${(err as Error).message}\n`);
  process.exit(1);
});
