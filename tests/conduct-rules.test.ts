/** conduct's pure rules (src/modules/conduct/conduct-rules.ts): role names, their order, the password and slug rules. */
import { highestEventRole, isSlug, isStrongPassword, legacyRoleNames, parseEventRole, parseOrgRole, sortEventRoles } from '../src/modules/conduct/conduct-rules';
import { ConductEventRoleName as R } from '../src/modules/conduct/event-role.entity';
import { ConductOrgRole } from '../src/modules/conduct/organization.entity';

it('reads Admin and Event Admin as the same role, in any case; refuses the rest', () => {
  expect(parseEventRole('Admin')).toBe(R.ADMIN);
  expect(parseEventRole('Event Admin')).toBe(R.ADMIN);
  expect(parseEventRole(' event  admin ')).toBe(R.ADMIN);
  expect(parseEventRole('RESPONDER')).toBe(R.RESPONDER);
  expect(parseEventRole('reporter')).toBe(R.REPORTER);
  for (const bad of ['SuperAdmin', 'org_admin', '', 'Admins', null, 3, undefined]) expect(parseEventRole(bad)).toBeNull();
  expect(parseOrgRole('org_admin')).toBe(ConductOrgRole.ORG_ADMIN);
  expect(parseOrgRole('ORG_VIEWER')).toBe(ConductOrgRole.ORG_VIEWER);
  expect(parseOrgRole('Admin')).toBeNull();
});

it('lists role names highest first, an Admin as both names, SuperAdmin first', () => {
  expect(legacyRoleNames([R.REPORTER, R.ADMIN, R.RESPONDER, R.ADMIN])).toEqual(['Event Admin', 'Admin', 'Responder', 'Reporter']);
  expect(legacyRoleNames([], true)).toEqual(['SuperAdmin']);
  expect(legacyRoleNames([R.REPORTER], true)).toEqual(['SuperAdmin', 'Reporter']);
  expect(sortEventRoles([R.REPORTER, R.ADMIN])).toEqual([R.ADMIN, R.REPORTER]);
  expect(highestEventRole([R.REPORTER, R.RESPONDER])).toBe(R.RESPONDER);
  expect(highestEventRole([])).toBeNull();
});

it('passwords need 8 characters with upper, lower, digit and special', () => {
  for (const ok of ['Str0ng!pass', 'Aa1!aaaa', 'Ünïcode1~', 'With Space1!']) expect(isStrongPassword(ok)).toBe(true);
  for (const bad of ['Aa1!aaa', 'aa1!aaaa', 'AA1!AAAA', 'Aa!aaaaa', 'Aa1aaaaa', 12345678, undefined]) expect(isStrongPassword(bad)).toBe(false);
});

it('slugs use only [a-z0-9-]', () => {
  for (const ok of ['devconf-2025', 'a', '2025']) expect(isSlug(ok)).toBe(true);
  for (const bad of ['Dev', 'dev conf', 'dev_conf', '', 'dév', null]) expect(isSlug(bad)).toBe(false);
});
