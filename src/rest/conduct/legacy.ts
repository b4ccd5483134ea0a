/**
 * The conduct surface's legacy shapes (api-docs/conduct.md, shared/contracts/conduct-core.md): the error
 * envelope `{error, details?}`, per-route error wording, and the objects conduct's clients read (users,
 * role-name arrays, avatar URLs). The graph knows none of this: it exposes enums (`ADMIN`), file ids and
 * camelCase fields; this file turns them into what conduct clients read.
 */
import type { Request } from 'express';
import { httpStatusOf, type ErrorCode, type ErrorDetails } from '../../errors/domain-error';
import type { SurfaceError } from '../engine/types';
import { legacyRoleNames } from '../../modules/conduct/conduct-rules';
import type { ConductEventRoleName } from '../../generated/graphql';
import { ConductEventRoleName as RoleValue } from '../../modules/conduct/event-role.entity';

// --- errors --------------------------------------------------------------------------------------

/** A route's own words for some error codes (upstream's messages where the frontend shows or matches them). */
export type RouteWording = Partial<Record<ErrorCode, string>>;
const wordings = new Map<string, RouteWording>();

/** Declares the wording of a route (every path it is served under). */
export function declareWording(method: string, paths: string[], wording: RouteWording): void {
  for (const path of paths) wordings.set(`${method.toUpperCase()} ${path}`, wording);
}

function wordingOf(req?: Request): RouteWording {
  const path = (req as (Request & { route?: { path?: string } }) | undefined)?.route?.path;
  return (req && typeof path === 'string' && wordings.get(`${req.method} ${path}`)) || {};
}

/**
 * `details.legacy`: fields a route adds beside `error` in its refusal (validate-reset-token's
 * `{valid: false, error}`); only the surface's own RestInputErrors set it.
 */
export interface LegacyErrorDetails extends ErrorDetails {
  legacy?: Record<string, unknown>;
}

/**
 * The one error mapping of the surface: the code's status, `{error}` with the domain message (or the
 * route's wording for that code), `details` with the field errors when there are any. Internal errors
 * never say more than "Internal server error".
 */
export function conductError(code: ErrorCode, message: string, details?: ErrorDetails, req?: Request): SurfaceError {
  const legacy = (details as LegacyErrorDetails | undefined)?.legacy;
  // a refusal the route built itself (with `legacy` fields) keeps its own words
  const text = code === 'INTERNAL' ? 'Internal server error' : ((legacy ? undefined : wordingOf(req)[code]) ?? message);
  const body: Record<string, unknown> = {};
  if (legacy) Object.assign(body, legacy);
  body.error = text;
  if (code !== 'INTERNAL' && details?.fields && Object.keys(details.fields).length) body.details = details.fields;
  // a refused credential inside a request of a signed-in user (a wrong current password) is bad input in
  // conduct (conduct-core.md "PATCH /me/password": 400), not a missing session
  // an upload over its size limit is 413 (conduct-core.md and conduct-reports.md: "413 or 400"; upstream 500)
  const status =
    code === 'UNAUTHENTICATED' && details?.fields && Object.keys(details.fields).length ? 400 : code === 'BAD_USER_INPUT' && details?.tooLarge ? 413 : httpStatusOf(code);
  return { status, body };
}

// --- objects -------------------------------------------------------------------------------------

/** conduct-core.md: every `avatarUrl` is null or exactly `/users/<userId>/avatar`. */
export function avatarUrl(u: { id: string; avatarFileId?: string | null }): string | null {
  return u.avatarFileId ? `/users/${u.id}/avatar` : null;
}

/** `{id, email, name}`: the user of auth answers. */
export function authUser(u: { id: string; email?: string | null; name: string }) {
  return { id: u.id, email: u.email ?? null, name: u.name };
}

const ROLE_VALUES: Record<ConductEventRoleName, RoleValue> = { REPORTER: RoleValue.REPORTER, RESPONDER: RoleValue.RESPONDER, ADMIN: RoleValue.ADMIN };

/** A role-name array from the graph's enums: SuperAdmin first, highest first, an Admin as "Event Admin" and "Admin". */
export function roleNames(roles: readonly ConductEventRoleName[], superAdmin = false): string[] {
  return legacyRoleNames(
    roles.map((r) => ROLE_VALUES[r]),
    superAdmin,
  );
}

/** A single `role` field (conduct-core.md: "Single role fields say Admin"). */
export function roleName(role: ConductEventRoleName): string {
  return ROLE_VALUES[role];
}

/** The graph's enum key of an event role value or legacy name (`Event Admin` → `ADMIN`). */
export function roleKey(role: RoleValue): ConductEventRoleName {
  return (Object.keys(ROLE_VALUES) as ConductEventRoleName[]).find((k) => ROLE_VALUES[k] === role)!;
}
