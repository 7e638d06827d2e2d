import { type MouseEvent, useEffect, useState } from 'react';

/**
 * The page's own routes, in the address bar so that a view (a filtered list, a run) can be
 * bookmarked and the Back button works: `/` the dashboard, `/runs?…` the runs, `/runs/:id` a run.
 * The server answers every such path with the app (docs/dashboard.md).
 */
export type Route =
  | { view: 'dashboard' }
  | { view: 'runs'; search: URLSearchParams }
  | { view: 'run'; id: string };

export function routeOf(location: { pathname: string; search: string }): Route {
  if (location.pathname === '/runs' || location.pathname === '/runs/')
    return { view: 'runs', search: new URLSearchParams(location.search) };
  const run = /^\/runs\/([^/]+)\/?$/.exec(location.pathname);
  if (run?.[1]) return { view: 'run', id: decodeURIComponent(run[1]) };
  return { view: 'dashboard' };
}

const NAVIGATED = 'stridesync:navigate';

/** Goes to a path of the app without reloading; `replace` for a change of filters, not a visit. */
export function navigate(to: string, { replace = false } = {}): void {
  if (replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  window.dispatchEvent(new Event(NAVIGATED));
}

/** The current route, following Back, Forward and `navigate`. */
export function useRoute(): Route {
  const [route, setRoute] = useState(() => routeOf(window.location));
  useEffect(() => {
    const update = () => setRoute(routeOf(window.location));
    window.addEventListener('popstate', update);
    window.addEventListener(NAVIGATED, update);
    return () => {
      window.removeEventListener('popstate', update);
      window.removeEventListener(NAVIGATED, update);
    };
  }, []);
  return route;
}

/**
 * A link's click handler that stays in the app: a plain click navigates in place; a click with a
 * modifier (new tab, new window) or another button is left to the browser.
 */
export function inApp(event: MouseEvent<HTMLAnchorElement>): void {
  if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey)
    return;
  event.preventDefault();
  navigate(event.currentTarget.getAttribute('href') ?? '/');
  window.scrollTo(0, 0);
}
