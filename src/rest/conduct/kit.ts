/**
 * What every conduct route group uses to write its entries (routes.ts composes the groups): a
 * documented path with its `/api`-less alias, and a route's own error wording.
 */
import type { RestRoute, RouteRequest } from '../engine/types';
import { declareWording, RouteWording } from './legacy';

/** Declares a route's error wording (legacy.ts) for its path and aliases; returns the route. */
export function route<R extends RestRoute>(r: R, wording?: RouteWording): R {
  if (wording) declareWording(r.method, [r.path, ...(r.aliases ?? [])], wording);
  return r;
}

/**
 * A documented `/api/...` path with the alias conduct-core.md "General rules" gives it: the same path
 * without `/api` for `/api/auth/*` (the frontend's reset pages), `/api/events/*`, `/api/users/*` and
 * `/api/invites/*` (upstream's mounts); other paths have none. Spread it into a route entry:
 * `{ method: 'get', ...paths('/api/events/slug/:slug'), … }`.
 */
export function paths(path: string, ...more: string[]): { path: string; aliases: string[] } {
  const alias = /^\/api\/(auth|events|users|invites)(\/|$)/.test(path) ? [path.slice(4)] : [];
  return { path, aliases: [...alias, ...more] };
}

/**
 * A page of the frontend (`/invite/<code>`, `/org-invite/<code>`): absolute from PUBLIC_URL when it is
 * set (the deployment's address, which the reset mails use too), else the path alone. Invite managers
 * copy this to the clipboard, so it must be a whole link where one is known.
 */
export function frontendUrl(r: RouteRequest, path: string): string {
  const mount = r.req.baseUrl ?? '';
  const origin = mount && r.base.endsWith(mount) ? r.base.slice(0, r.base.length - mount.length) : r.base;
  return `${origin}${path}`;
}

/**
 * A file route of this surface as a URL the frontend can put in `<img src>`: through the mount and
 * PUBLIC_URL the request came by (the engine's `base`), like the other surfaces' file URLs.
 */
export function surfaceUrl(r: RouteRequest, path: string): string {
  return `${r.base}${path}`;
}
