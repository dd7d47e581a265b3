/**
 * Hash routes (`#/studies/<id>`): the api serves one index.html at `/`, and no client route can
 * shadow an API route such as /studies or /trials.
 */
import { useEffect, useState } from 'preact/hooks';

export type Route =
  | { readonly page: 'studies' }
  | { readonly page: 'study'; readonly id: string }
  | { readonly page: 'trial'; readonly id: string }
  | { readonly page: 'fleet' }
  | { readonly page: 'not-found'; readonly path: string };

export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, '') || '/';
  if (path === '/' || path === '/studies') return { page: 'studies' };
  if (path === '/fleet') return { page: 'fleet' };
  const match = /^\/(studies|trials)\/([^/?#]+)$/.exec(path);
  if (match) return { page: match[1] === 'studies' ? 'study' : 'trial', id: decodeURIComponent(match[2]) };
  return { page: 'not-found', path };
}

export const href = {
  studies: () => '#/',
  study: (id: string) => `#/studies/${encodeURIComponent(id)}`,
  trial: (id: string) => `#/trials/${encodeURIComponent(id)}`,
  fleet: () => '#/fleet',
};

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const update = () => setRoute(parseRoute(location.hash));
    window.addEventListener('hashchange', update);
    return () => window.removeEventListener('hashchange', update);
  }, []);
  return route;
}
