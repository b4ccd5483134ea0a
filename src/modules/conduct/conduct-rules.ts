/**
 * conduct's pure rules (conduct-core.md "General rules"), shared by the services and the REST surface:
 * role names and their order, the password and slug rules. No I/O; unit tests in tests/conduct-rules.test.ts.
 */
import { ConductEventRoleName } from './event-role.entity';
import { ConductOrgRole } from './organization.entity';

/** What an event-role check asks for: the role or a higher one (Reporter < Responder < Admin). */
export type EventRoleLevel = 'Reporter' | 'Responder' | 'Admin';
/** What an organization-role check asks for (org_admin includes org_viewer). */
export type OrgRoleLevel = 'org_viewer' | 'org_admin';

const EVENT_RANK: Record<ConductEventRoleName, number> = {
  [ConductEventRoleName.REPORTER]: 1,
  [ConductEventRoleName.RESPONDER]: 2,
  [ConductEventRoleName.ADMIN]: 3,
};
const ORG_RANK: Record<ConductOrgRole, number> = { [ConductOrgRole.ORG_VIEWER]: 1, [ConductOrgRole.ORG_ADMIN]: 2 };

export function eventRoleRank(role: ConductEventRoleName | EventRoleLevel): number {
  return EVENT_RANK[role as ConductEventRoleName];
}

export function orgRoleRank(role: ConductOrgRole | OrgRoleLevel): number {
  return ORG_RANK[role as ConductOrgRole];
}

/** The highest of some event roles, or null for none. */
export function highestEventRole(roles: Iterable<ConductEventRoleName>): ConductEventRoleName | null {
  let best: ConductEventRoleName | null = null;
  for (const r of roles) if (best === null || EVENT_RANK[r] > EVENT_RANK[best]) best = r;
  return best;
}

/** Distinct roles, highest first. */
export function sortEventRoles(roles: Iterable<ConductEventRoleName>): ConductEventRoleName[] {
  return [...new Set(roles)].sort((a, b) => EVENT_RANK[b] - EVENT_RANK[a]);
}

/** The legacy name of the event admin role beside `Admin` (conduct-core.md "Event roles"). */
export const EVENT_ADMIN_ALIAS = 'Event Admin';
/** The legacy name of the platform ADMIN in conduct. */
export const SUPER_ADMIN = 'SuperAdmin';

/**
 * An event role from a legacy or graph input: `Reporter`, `Responder`, `Admin` and `Event Admin` (the same
 * role as Admin), any case, surrounding spaces ignored; the graph's enum keys (`REPORTER`…) too. Null when
 * it names no event role (the caller answers 400).
 */
export function parseEventRole(input: unknown): ConductEventRoleName | null {
  if (typeof input !== 'string') return null;
  const name = input
    .trim()
    .toLowerCase()
    .replace(/[\s_]+/g, ' ');
  switch (name) {
    case 'reporter':
      return ConductEventRoleName.REPORTER;
    case 'responder':
      return ConductEventRoleName.RESPONDER;
    case 'admin':
    case 'event admin':
      return ConductEventRoleName.ADMIN;
    default:
      return null;
  }
}

/** An organization role from input: `org_admin` or `org_viewer` (any case), or null. */
export function parseOrgRole(input: unknown): ConductOrgRole | null {
  if (typeof input !== 'string') return null;
  const name = input.trim().toLowerCase();
  return name === ConductOrgRole.ORG_ADMIN ? ConductOrgRole.ORG_ADMIN : name === ConductOrgRole.ORG_VIEWER ? ConductOrgRole.ORG_VIEWER : null;
}

/**
 * A role-name array as conduct's clients read it (session `roles`, my-roles, `/users/me/events`, event
 * user lists): distinct, highest first, an event admin listed as both "Event Admin" and "Admin" (most
 * screens test `Event Admin`, the report page `Admin`), the platform ADMIN first as "SuperAdmin".
 */
export function legacyRoleNames(roles: Iterable<ConductEventRoleName>, superAdmin = false): string[] {
  const out: string[] = superAdmin ? [SUPER_ADMIN] : [];
  for (const r of sortEventRoles(roles)) {
    if (r === ConductEventRoleName.ADMIN) out.push(EVENT_ADMIN_ALIAS);
    out.push(r);
  }
  return out;
}

/** conduct's password rule (conduct-core.md "Passwords"; stricter than the platform's minimum). */
export const PASSWORD_RULE_MESSAGE =
  'Password must meet all security requirements: at least 8 characters, one uppercase letter, one lowercase letter, one number, and one special character.';

/** At least 8 characters with an upper-case and a lower-case letter, a digit and a special character (neither letter, digit nor space). */
export function isStrongPassword(password: unknown): password is string {
  return (
    typeof password === 'string' &&
    [...password].length >= 8 &&
    /\p{Lu}/u.test(password) &&
    /\p{Ll}/u.test(password) &&
    /\p{Nd}/u.test(password) &&
    /[^\p{L}\p{N}\s]/u.test(password)
  );
}

/** conduct-core.md: slugs use only `[a-z0-9-]` (non-empty; lengths are the operations' rules). */
export const SLUG = /^[a-z0-9-]+$/;
export function isSlug(value: unknown): value is string {
  return typeof value === 'string' && SLUG.test(value);
}
