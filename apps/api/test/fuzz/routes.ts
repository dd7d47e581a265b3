/**
 * Every route the app serves, read from the app itself, so that a route added later is fuzzed (or
 * the fuzz test fails for want of its arbitraries) without anyone remembering to list it.
 */
import type { App } from '../../src/route-deps.js';

export interface RouteRef {
  readonly method: string;
  /** Fastify's template: `/studies/:id`, `/docs/*`. */
  readonly url: string;
  /** Whether the OpenAPI document lists it (the api's own routes do; the docs UI and static files do not). */
  readonly documented: boolean;
}

const LINE = /^((?:[│ ] {3})*)[├└]── (.*?)(?: \(([A-Z, ]+)\))?$/u;

/**
 * Parses `app.printRoutes({ commonPrefix: false })`: a tree whose nodes hold the rest of the
 * path after their parent, with the methods of the routes ending there. HEAD routes are Fastify's
 * automatic twins of GET routes and are left out.
 */
export function parseRouteTree(tree: string): { method: string; url: string }[] {
  const routes: { method: string; url: string }[] = [];
  const stack: string[] = [];
  for (const line of tree.split('\n')) {
    const match = LINE.exec(line.trimEnd());
    if (!match) continue;
    const depth = match[1].length / 4;
    stack.length = depth;
    const url = (depth === 0 ? '' : stack[depth - 1]) + match[2];
    stack[depth] = url;
    for (const method of (match[3] ?? '').split(',').map((m) => m.trim())) {
      if (method !== '' && method !== 'HEAD') routes.push({ method, url });
    }
  }
  return routes;
}

export async function listRoutes(app: App): Promise<RouteRef[]> {
  const doc = (await app.inject({ method: 'GET', url: '/docs/json' })).json() as { paths: Record<string, Record<string, unknown>> };
  const documented = new Set(
    Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`)),
  );
  const routes = parseRouteTree(app.printRoutes({ commonPrefix: false }));
  const found = routes.map((r) => ({ ...r, documented: documented.has(`${r.method} ${r.url}`) }));
  // A documented route the tree parser missed would escape fuzzing: fail loudly instead.
  const seen = new Set(found.map((r) => `${r.method} ${r.url}`));
  const missed = [...documented].filter((key) => !seen.has(key));
  if (missed.length > 0) throw new Error(`routes in the OpenAPI document but not found in printRoutes(): ${missed.join(', ')}`);
  return found;
}

/** Whether a route takes no input but its query string and headers (a static file, the docs UI). */
export function takesNoParams(route: RouteRef): boolean {
  return !route.url.includes(':') && !route.url.includes('*');
}
