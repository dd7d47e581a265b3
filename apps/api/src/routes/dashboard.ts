/**
 * The web dashboard (apps/dashboard), served from its Vite build at `/`. Its client routes are
 * hash routes (`/#/studies/<id>`), so only the files of the build are routes here: each is
 * registered by name when the api starts (`wildcard: false`), and no path of the dashboard can
 * shadow an API route. Without a build, `/` answers 503 saying how to make one.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import { errorBody } from '../errors.js';
import type { App } from '../route-deps.js';

/** apps/dashboard/dist beside this app in the workspace. */
export const DASHBOARD_DIST = fileURLToPath(new URL('../../../dashboard/dist/', import.meta.url));
export const DASHBOARD_BUILD_COMMAND = 'pnpm --filter @tunefleet/dashboard build';

export interface DashboardOptions {
  /** The Vite build to serve; tests point it elsewhere. */
  readonly distDir?: string;
}

export default async function dashboardRoutes(app: App, { distDir = DASHBOARD_DIST }: DashboardOptions = {}): Promise<void> {
  if (!existsSync(path.join(distDir, 'index.html'))) {
    app.log.warn({ distDir, build: DASHBOARD_BUILD_COMMAND }, 'dashboard not built; / answers 503 until it is built and the api restarted');
    app.get('/', { schema: { hide: true } }, async (_request, reply) =>
      reply
        .status(503)
        .send(errorBody(503, 'DASHBOARD_NOT_BUILT', `the dashboard is not built: run \`${DASHBOARD_BUILD_COMMAND}\` and restart the api`)),
    );
    return;
  }
  await app.register(fastifyStatic, {
    root: distDir,
    prefix: '/',
    wildcard: false,
    index: 'index.html',
    decorateReply: false,
    schemaHide: true,
    setHeaders(reply, filePath) {
      // Vite names every asset by its content hash; index.html must be read again to see new ones.
      reply.header('cache-control', filePath.includes(`${path.sep}assets${path.sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
}
