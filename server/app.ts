import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ServerBuild } from '@remix-run/node';
import compression from 'compression';
import express from 'express';
import { DatabaseOpenError, migrateToLatest } from '#db/database.server.ts';
import { seedDemoDataIfEmpty } from '#db/seed.ts';
import { closeDb, describeDatabase, getDb } from '#app/utils/db.server.ts';
import { ConfigError, getEnv, type Env } from '#app/utils/env.server.ts';
import { startMailWorker, type MailWorker } from '#app/mail/worker.server.ts';
import { startRetentionSweep } from '#app/models/retention-sweep.server.ts';
import { keyRing } from '#app/credentials/keys.server.ts';
import { installMetrics } from './metrics.ts';
import { remixHandler } from './remix-handler.ts';
import { limitBodySize, plainPage, refuseCrossOriginWrites, refuseMalformedRequests, securityHeaders } from './security.ts';

function fail(message: string): never {
  console.error(message);
  process.exit(1);
}

async function prepareDatabase(env: Env): Promise<void> {
  const db = getDb();
  const applied = await migrateToLatest(db);
  if (applied.length > 0) console.log(`Applied migrations: ${applied.join(', ')}`);
  if (env.SEED_DEMO_DATA === 'auto' && (await seedDemoDataIfEmpty(db))) {
    console.log('The database was empty, so it now holds the demo data (sign-ins: README.md, "Demo sign-ins").');
  }
}

/**
 * The Remix build: under Vite a function, loaded again for each request so edits show; built, the
 * build itself. Remix derives its route tree from a build it is given as a function on every
 * request (matching then took a quarter of a page's time), and once from a build given as is.
 */
async function loadBuild(useVite: boolean, app: express.Express): Promise<ServerBuild | (() => Promise<ServerBuild>)> {
  if (useVite) {
    const vite = await import('vite');
    const devServer = await vite.createServer({ server: { middlewareMode: true } });
    app.use(devServer.middlewares);
    return () => devServer.ssrLoadModule('virtual:remix/server-build') as Promise<ServerBuild>;
  }
  const here = path.dirname(fileURLToPath(import.meta.url));
  const clientDir = path.join(here, 'client');
  // Built assets have content hashes in their names: a browser keeps them for a year. The security
  // middleware's no-store (for pages) is replaced here, before the file is sent.
  app.use('/assets', express.static(path.join(clientDir, 'assets'), { setHeaders: (res) => res.setHeader('Cache-Control', 'public, max-age=31536000, immutable') }));
  // The few other public files, by name: no disk lookup for every page request.
  const publicFiles = fs.readdirSync(clientDir, { withFileTypes: true }).filter((entry) => entry.isFile()).map((entry) => `/${entry.name}`);
  const servePublic = express.static(clientDir, { setHeaders: (res) => res.setHeader('Cache-Control', 'public, max-age=3600') });
  app.get(publicFiles, servePublic);
  return (await import(path.join(here, 'server', 'index.js'))) as ServerBuild;
}

/**
 * Starts Kindred. `npm start` runs the built server (build/server.js); `npm run dev` runs
 * server/dev.ts, which passes useVite so edits reload. NODE_ENV only decides production hardening
 * (Secure cookies, HSTS, a required SESSION_SECRET).
 */
export async function startServer({ useVite }: { useVite: boolean }): Promise<void> {
  let env: Env;
  try {
    env = getEnv();
  } catch (error) {
    if (error instanceof ConfigError) fail(error.message);
    throw error;
  }
  try {
    await prepareDatabase(env);
  } catch (error) {
    if (error instanceof DatabaseOpenError) fail(error.message);
    fail(`Could not prepare the database at ${describeDatabase(env)}: ${error instanceof Error ? error.message : String(error)}`);
  }

  try {
    await keyRing();
  } catch (error) {
    if (error instanceof ConfigError) fail(error.message);
    fail(`Could not load the credential signing key: ${error instanceof Error ? error.message : String(error)}`);
  }

  const app = express();
  app.disable('x-powered-by');
  // Behind a proxy every request comes from the proxy: TRUST_PROXY says whose X-Forwarded-For to believe.
  app.set('trust proxy', env.TRUST_PROXY);
  app.use(securityHeaders({ production: env.isProduction, development: useVite }));
  app.use(refuseMalformedRequests);
  app.use(refuseCrossOriginWrites({ publicUrl: env.PUBLIC_URL, production: env.isProduction }));
  app.use(limitBodySize);
  // gzip or brotli (quality 4: most of the saving for a fraction of the time) when the browser
  // accepts it, for pages, data, CSV and assets over 1 KB.
  app.use(compression({ threshold: 1024 }));
  if (process.env.KINDRED_METRICS === '1') installMetrics(app);
  const build = await loadBuild(useVite, app);
  app.all(
    '*',
    remixHandler({
      build,
      mode: useVite ? 'development' : 'production',
      getLoadContext: (req, res) => ({
        cspNonce: res.locals.cspNonce as string,
        clientAddress: req.ip ?? req.socket.remoteAddress ?? 'unknown',
        // Single fetch asks for data at `<path>.data`; anything else that reaches Remix renders a page.
        courseHtml: req.path.endsWith('.data') ? undefined : new Map<string, string>(),
        // Under Vite a component can change between two loads of the same data.
        keepRenderedPages: !useVite,
      }),
    }),
  );

  // The last resort: a plain 500 page, never a stack trace.
  app.use((error: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    console.error('[server] unhandled error', error);
    if (res.headersSent) return res.end();
    res.status(500).type('html').send(plainPage('Something went wrong', 'Kindred hit a problem it did not expect. Your work up to your last save is safe. Try again in a moment.'));
  });

  const server = app.listen(env.PORT, env.HOST, () => {
    console.log(`Kindred is running at http://localhost:${env.PORT} (public address ${env.PUBLIC_URL}).`);
    console.log('Demo sign-ins are listed in README.md under "Demo sign-ins".');
  });
  server.on('error', (error) => fail(`Could not listen on port ${env.PORT}: ${error.message}`));
  // Email is sent from here, never from a request (docs/decisions/012-email-outbox.md).
  const mailWorker: MailWorker | null = env.MAIL_WORKER === 'on' ? startMailWorker() : null;
  const retentionSweep = startRetentionSweep(env.RETENTION_SWEEP_MS);

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal} received: finishing requests in flight, then closing the database.`);
    // In-flight requests finish; idle keep-alive connections close now so close() can complete.
    server.close(() => {
      Promise.all([mailWorker?.stop(), retentionSweep.stop()])
        .then(() => closeDb())
        .then(() => process.exit(0))
        .catch((error: unknown) => fail(`Could not close the database cleanly: ${String(error)}`));
    });
    server.closeIdleConnections();
    setTimeout(() => fail('Requests did not finish within 10 seconds; stopping anyway.'), 10_000).unref();
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

export function run(useVite: boolean): void {
  startServer({ useVite }).catch((error: unknown) => fail(`Kindred could not start: ${error instanceof Error ? error.message : String(error)}`));
}
