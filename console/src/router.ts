/**
 * Hash routing (`#/jobs/<id>`): the API serves one page at `/`, so every console URL is that page
 * and a fragment; links and reloads work without server routes.
 */
import { useEffect, useState } from 'preact/hooks';

/** A parsed location: path segments and the query of the fragment. */
export interface Route {
  segments: string[];
  params: URLSearchParams;
}

/** Parses `#/a/b?x=1`. */
export function parseHash(hash: string): Route {
  const raw = hash.replace(/^#\/?/, '');
  const [path = '', search = ''] = raw.split('?', 2);
  return {
    segments: path.split('/').filter(Boolean).map(decodeURIComponent),
    params: new URLSearchParams(search),
  };
}

/** The current route, updated on `hashchange`. */
export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseHash(location.hash));
  useEffect(() => {
    const update = () => setRoute(parseHash(location.hash));
    window.addEventListener('hashchange', update);
    return () => window.removeEventListener('hashchange', update);
  }, []);
  return route;
}

/** Goes to `#<path>`. */
export function navigate(path: string): void {
  location.hash = path;
}

/** The href of a console path: `#/jobs/<id>` (segments are percent-encoded by the caller). */
export function href(path: string): string {
  return `#${path}`;
}
