/**
 * The app's one client-side router: two routes, History API navigation, and link interception so
 * in-app links do not reload the page. The server answers both paths with the same index.html,
 * so deep links and reloads land on the right route.
 */
import { isSessionId } from '../../shared/session-id.js';

/** Where the app is. `unknown` covers malformed session ids and any other path. */
export type Route = { page: 'home' } | { page: 'room'; sessionId: string } | { page: 'unknown'; path: string };

/** The route for a pathname. */
export function matchRoute(pathname: string): Route {
  if (pathname === '/' || pathname === '') return { page: 'home' };
  const room = /^\/session\/([^/]+)\/?$/.exec(pathname);
  if (room && isSessionId(decodeURIComponent(room[1]!))) return { page: 'room', sessionId: decodeURIComponent(room[1]!) };
  return { page: 'unknown', path: pathname };
}

/** Calls `onRoute` now and on every navigation (link clicks, back/forward, `navigate`). */
export class Router {
  constructor(private readonly onRoute: (route: Route) => void) {}

  /** Starts listening; returns a function that stops. */
  start(): () => void {
    const onPop = (): void => this.onRoute(matchRoute(location.pathname));
    const onClick = (event: MouseEvent): void => this.interceptLink(event);
    addEventListener('popstate', onPop);
    document.addEventListener('click', onClick);
    onPop();
    return () => {
      removeEventListener('popstate', onPop);
      document.removeEventListener('click', onClick);
    };
  }

  /** Goes to `path` (with its query and fragment, e.g. `#owner=`) within the app without reloading. */
  navigate(path: string): void {
    if (path !== location.pathname + location.search + location.hash) history.pushState(null, '', path);
    this.onRoute(matchRoute(location.pathname));
  }

  private interceptLink(event: MouseEvent): void {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    // composedPath() sees links inside shadow roots too.
    const anchor = event.composedPath().find((node): node is HTMLAnchorElement => node instanceof HTMLAnchorElement);
    if (!anchor || anchor.target || anchor.hasAttribute('download') || anchor.origin !== location.origin) return;
    if (matchRoute(anchor.pathname).page === 'unknown') return;
    event.preventDefault();
    // The fragment matters: the interviewer link carries `#owner=<secret>` there.
    this.navigate(anchor.pathname + anchor.search + anchor.hash);
  }
}
