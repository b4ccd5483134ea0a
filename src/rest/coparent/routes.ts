/**
 * The coparent surface (api-docs/coparent.md), under /coparent (and at the root with COMPAT_ROOT=coparent).
 * Auth is the HttpOnly `session` cookie; errors are `{ "error": "description" }`.
 * One entry a documented route, in the document's order.
 */
import { httpStatusOf } from '../../errors/domain-error';
import type { SurfaceDefinition } from '../engine/types';
import { RestInputError } from '../engine/types';
import type { CoparentLoginMutation } from '../../generated/graphql';


export const coparentSurface: SurfaceDefinition = {
  id: 'coparent',
  title: 'Co-parenting calendar (compatibility API)',
  error: (code, message) => ({ status: httpStatusOf(code), body: { error: code === 'INTERNAL' ? 'Internal server error' : message } }),
  routes: [
    {
      method: 'post',
      path: '/api/auth/login',
      summary: 'Log in with username and password; sets the session cookie',
      operation: /* GraphQL */ `mutation CoparentLogin($login: String!, $password: String!) {
        login(input: { login: $login, password: $password }) { user { id username role } }
      }`,
      variables: ({ body }) => {
        const b = (body ?? {}) as Record<string, unknown>;
        if (typeof b.username !== 'string' || typeof b.password !== 'string' || !b.username || !b.password) {
          throw new RestInputError('username and password are required');
        }
        return { login: b.username, password: b.password };
      },
      result: (data: CoparentLoginMutation) => data.login.user,
    },
    {
      method: 'post',
      path: '/api/auth/logout',
      summary: 'End the session and clear the cookie',
      operation: /* GraphQL */ `mutation CoparentLogout { logout }`,
      status: 204,
    },
    {
      method: 'get',
      path: '/api/auth/me',
      summary: 'The current user (id, username, role)',
      operation: /* GraphQL */ `query CoparentMe { me { id username role } }`,
    },
    {
      method: 'get',
      path: '/api/health',
      summary: 'Liveness',
      kind: 'plain',
      handle: async () => ({ status: 200, body: { status: 'ok', time: new Date().toISOString() } }),
    },
  ],
};
