/**
 * conduct's row rules (src/modules/conduct/conduct-access.ts), which every conduct service applies after
 * its operation's declaration: the event lookup before the role (404 before 403), the role order
 * Reporter < Responder < Admin, the SuperAdmin passing without a role, organization roles, and audit
 * entries written only inside a unit of work. Contexts are built as the server builds them for a request
 * carrying the user's session cookie.
 */
import type { AppContext } from '../src/context/context';
import { createHttpContext } from '../src/context/context';
import { unitOfWork } from '../src/db/unit-of-work';
import { audit, eventRoles, eventWithRole, forgetEventRoles, organizationWithRole, requireEventRole } from '../src/modules/conduct/conduct-access';
import { ConductEventRoleName } from '../src/modules/conduct/event-role.entity';
import { TestServer } from './support/server';
import { conductServer, conductUser, ConductUser, grantEventRole, grantOrgRole, seedEvent, seedOrganization, sql } from './conduct.helpers';

function contextOf(s: TestServer, user?: ConductUser): Promise<AppContext> {
  return createHttpContext(s.app, { headers: user ? { cookie: user.cookie } : {}, socket: {} } as never, undefined, 'http');
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'OK';
  } catch (err) {
    return `${(err as { code?: string }).code}: ${(err as Error).message}`;
  }
}

describe('conduct access helpers', () => {
  let s: TestServer;
  let superAdmin: ConductUser;
  let reporter: ConductUser;
  let responder: ConductUser;
  let admin: ConductUser;
  let outsider: ConductUser;
  let a: { id: string; slug: string };
  let b: { id: string; slug: string };
  beforeAll(async () => {
    ({ s, superAdmin } = await conductServer());
    [reporter, responder, admin, outsider] = [await conductUser(s), await conductUser(s), await conductUser(s), await conductUser(s)];
    a = await seedEvent(s);
    b = await seedEvent(s);
    await grantEventRole(s, reporter.id, a.id, 'Reporter');
    await grantEventRole(s, responder.id, a.id, 'Responder');
    await grantEventRole(s, responder.id, a.id, 'Reporter');
    await grantEventRole(s, admin.id, b.id, 'Admin');
  });
  afterAll(() => s.close());

  it('401 anonymous; 404 for an unknown or malformed event before any 403', async () => {
    expect(await codeOf(eventWithRole(await contextOf(s), { slug: a.slug }, 'Reporter'))).toBe('UNAUTHENTICATED: Authentication required');
    const ctx = await contextOf(s, outsider);
    expect(await codeOf(eventWithRole(ctx, { slug: 'no-such-event' }, 'Admin'))).toBe('NOT_FOUND: Event not found.');
    expect(await codeOf(eventWithRole(ctx, { id: 'not-a-uuid' }, 'Admin'))).toBe('NOT_FOUND: Event not found.');
    expect(await codeOf(eventWithRole(ctx, { id: '00000000-0000-4000-8000-000000000000' }, 'Admin'))).toBe('NOT_FOUND: Event not found.');
    expect(await codeOf(eventWithRole(ctx, { slug: a.slug }, 'Reporter'))).toBe('FORBIDDEN: Forbidden: insufficient role');
  });

  it('Reporter < Responder < Admin; a role in one event gives nothing in another', async () => {
    const r = await contextOf(s, reporter);
    const ok = await eventWithRole(r, { id: a.id }, 'Reporter');
    expect(ok.event.slug).toBe(a.slug);
    expect(ok.access).toMatchObject({ superAdmin: false, roles: [ConductEventRoleName.REPORTER], highest: ConductEventRoleName.REPORTER, staff: false, admin: false });
    expect(await codeOf(eventWithRole(r, { slug: a.slug }, 'Responder'))).toBe('FORBIDDEN: Forbidden: insufficient role');

    const staff = await eventWithRole(await contextOf(s, responder), { slug: a.slug }, 'Responder');
    expect(staff.access).toMatchObject({ roles: [ConductEventRoleName.RESPONDER, ConductEventRoleName.REPORTER], staff: true, admin: false });
    expect(await codeOf(eventWithRole(await contextOf(s, responder), { slug: a.slug }, 'Admin'))).toBe('FORBIDDEN: Forbidden: insufficient role');

    const adminCtx = await contextOf(s, admin);
    expect((await eventWithRole(adminCtx, { slug: b.slug }, 'Admin')).access).toMatchObject({ staff: true, admin: true });
    expect(await codeOf(eventWithRole(adminCtx, { slug: a.slug }, 'Reporter'))).toBe('FORBIDDEN: Forbidden: insufficient role');
  });

  it('the SuperAdmin passes every event check without a role', async () => {
    const { access } = await eventWithRole(await contextOf(s, superAdmin), { slug: a.slug }, 'Admin');
    expect(access).toMatchObject({ superAdmin: true, roles: [], highest: null, staff: true, admin: true });
  });

  it('role loaders batch per user and forget after a change in the same request', async () => {
    const ctx = await contextOf(s, outsider);
    expect(await Promise.all([eventRoles(ctx, a.id), eventRoles(ctx, b.id)])).toEqual([[], []]);
    await grantEventRole(s, outsider.id, b.id, 'Responder');
    expect(await eventRoles(ctx, b.id)).toEqual([]); // cached for the request
    forgetEventRoles(ctx);
    expect((await requireEventRole(ctx, b.id, 'Responder')).staff).toBe(true);
    expect(await eventRoles(ctx, b.id, admin.id)).toEqual([ConductEventRoleName.ADMIN]);
  });

  it('organization roles: members read, org_admins write, others 403; unknown 404; the SuperAdmin passes', async () => {
    const org = await seedOrganization(s);
    await grantOrgRole(s, reporter.id, org.id, 'org_viewer');
    await grantOrgRole(s, admin.id, org.id, 'org_admin');
    const viewerCtx = await contextOf(s, reporter);
    expect((await organizationWithRole(viewerCtx, { slug: org.slug }, 'org_viewer')).access).toMatchObject({ role: 'org_viewer', admin: false });
    expect(await codeOf(organizationWithRole(viewerCtx, { id: org.id }, 'org_admin'))).toBe('FORBIDDEN: Organization admin access required');
    expect(await codeOf(organizationWithRole(await contextOf(s, outsider), { id: org.id }, 'org_viewer'))).toBe('FORBIDDEN: Access denied');
    expect(await codeOf(organizationWithRole(await contextOf(s, outsider), { slug: 'no-such-org' }, 'org_viewer'))).toBe('NOT_FOUND: Organization not found');
    expect((await organizationWithRole(await contextOf(s, admin), { id: org.id }, 'org_admin')).access.admin).toBe(true);
    expect((await organizationWithRole(await contextOf(s, superAdmin), { id: org.id }, 'org_admin')).access).toMatchObject({ superAdmin: true, role: null, admin: true });
  });

  it('audit entries are written in the unit of work of the change (rolled back with it), never outside one', async () => {
    const ctx = await contextOf(s, admin);
    await expect(audit(ctx, { action: 'x', targetType: 'Event', targetId: b.id })).rejects.toThrow(/unit of work/);
    const log = await unitOfWork(ctx, (tx) => audit(tx, { action: 'update_event', targetType: 'Event', targetId: b.id, eventId: b.id, details: { name: 'New' } }));
    await expect(
      unitOfWork(ctx, async (tx) => {
        await audit(tx, { action: 'rolled_back', targetType: 'Event', targetId: b.id, eventId: b.id });
        throw new Error('refused');
      }),
    ).rejects.toThrow('refused');
    const rows = await sql(s, 'select id, actor_id, action, event_id, details from conduct_audit_logs where event_id = $1 order by created_at', [b.id]);
    expect(rows).toEqual([{ id: log.id, actor_id: admin.id, action: 'update_event', event_id: b.id, details: { name: 'New' } }]);
  });
});
