/**
 * An event's users, roles and invites, and invite redemption (conduct-core.md "Events", "Invites"), as
 * conduct's frontend sends them, with the access matrix (anonymous 401, a Reporter 403 on Admin routes,
 * an Admin of another event 403, unknown 404) and bad input in `{error}`.
 */
import { api, conductServer, conductUser, ConductUser, grantEventRole, seedEvent, seedInvite, sql } from './conduct.helpers';
import { collect, TestServer } from './support/server';

let s: TestServer;
let superAdmin: ConductUser;
let admin: ConductUser;
let responder: ConductUser;
let reporter: ConductUser;
let outsider: ConductUser;
let otherAdmin: ConductUser;
let event: { id: string; slug: string };
let other: { id: string; slug: string };

beforeAll(async () => {
  ({ s, superAdmin } = await conductServer());
  admin = await conductUser(s, { name: 'Ada Admin' });
  responder = await conductUser(s, { name: 'Rita Responder' });
  reporter = await conductUser(s, { name: 'Rob Reporter' });
  outsider = await conductUser(s, { name: 'Olga Outsider' });
  otherAdmin = await conductUser(s, { name: 'Otto Admin' });
  event = await seedEvent(s, { name: 'Main Conf' });
  other = await seedEvent(s, { name: 'Other Conf' });
  await grantEventRole(s, admin.id, event.id, 'Admin');
  await grantEventRole(s, responder.id, event.id, 'Responder');
  await grantEventRole(s, reporter.id, event.id, 'Reporter');
  await grantEventRole(s, otherAdmin.id, other.id, 'Admin');
});
afterAll(() => s?.close());

describe('event users', () => {
  it('lists the users of an event by slug with roles, search, sort, paging, role filter and total', async () => {
    const all = await api(s, 'GET', `/api/events/slug/${event.slug}/users`, { cookie: reporter.cookie });
    expect(all.status).toBe(200);
    expect(all.body.total).toBe(3);
    expect(all.body.users.map((u: { name: string }) => u.name)).toEqual(['Ada Admin', 'Rita Responder', 'Rob Reporter']);
    expect(all.body.users[0]).toEqual({
      id: admin.id,
      email: admin.email,
      name: 'Ada Admin',
      roles: ['Event Admin', 'Admin'],
      avatarUrl: null,
      joinDate: expect.any(String),
      lastActivity: expect.any(String),
    });
    const searched = await api(s, 'GET', `/events/slug/${event.slug}/users?search=RITA`, { cookie: reporter.cookie });
    expect(searched.body).toEqual({ users: [expect.objectContaining({ id: responder.id })], total: 1 });
    const byRole = await api(s, 'GET', `/api/events/slug/${event.slug}/users?sort=role&order=desc&limit=2&page=1`, { cookie: responder.cookie });
    expect(byRole.body.users.map((u: { id: string }) => u.id)).toEqual([admin.id, responder.id]);
    expect(byRole.body.total).toBe(3);
    const page2 = await api(s, 'GET', `/api/events/slug/${event.slug}/users?sort=role&order=desc&limit=2&page=2`, { cookie: responder.cookie });
    expect(page2.body).toEqual({ users: [expect.objectContaining({ id: reporter.id })], total: 3 });
    const admins = await api(s, 'GET', `/api/events/slug/${event.slug}/users?role=Event%20Admin`, { cookie: admin.cookie });
    expect(admins.body).toEqual({ users: [expect.objectContaining({ id: admin.id })], total: 1 });
    expect((await api(s, 'GET', `/api/events/slug/${event.slug}/users?role=`, { cookie: admin.cookie })).body.total).toBe(3);
  });

  it("refuses anonymous (401), outsiders and other events' admins (403), unknown slugs (404), bad paging (400)", async () => {
    expect((await api(s, 'GET', `/api/events/slug/${event.slug}/users`)).status).toBe(401);
    expect((await api(s, 'GET', `/api/events/slug/${event.slug}/users`, { cookie: outsider.cookie })).status).toBe(403);
    expect((await api(s, 'GET', `/api/events/slug/${event.slug}/users`, { cookie: otherAdmin.cookie })).status).toBe(403);
    expect((await api(s, 'GET', '/api/events/slug/no-such-event/users', { cookie: admin.cookie })).status).toBe(404);
    for (const q of ['page=0', 'limit=0', 'limit=1001', 'page=x', 'sort=age', 'role=King']) {
      const res = await api(s, 'GET', `/api/events/slug/${event.slug}/users?${q}`, { cookie: admin.cookie });
      expect([q, res.status]).toEqual([q, 400]);
      expect(res.body.error).toEqual(expect.any(String));
    }
    // by id: Admins and the SuperAdmin only
    expect((await api(s, 'GET', `/api/events/${event.id}/users`, { cookie: responder.cookie })).status).toBe(403);
    const byId = await api(s, 'GET', `/api/events/${event.id}/users`, { cookie: superAdmin.cookie });
    expect(byId.status).toBe(200);
    expect(byId.body.users).toHaveLength(3);
    expect((await api(s, 'GET', '/api/events/not-a-uuid/users', { cookie: superAdmin.cookie })).status).toBe(404);
  });

  it('shows one user to Responders and Admins; Reporters 403; a non-member 404', async () => {
    const res = await api(s, 'GET', `/api/events/slug/${event.slug}/users/${reporter.id}`, { cookie: responder.cookie });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      user: { id: reporter.id, name: 'Rob Reporter', email: reporter.email, avatarUrl: null },
      roles: ['Reporter'],
      joinDate: expect.any(String),
      lastActivity: expect.any(String),
    });
    expect((await api(s, 'GET', `/api/events/slug/${event.slug}/users/${admin.id}`, { cookie: reporter.cookie })).status).toBe(403);
    expect((await api(s, 'GET', `/api/events/slug/${event.slug}/users/${outsider.id}`, { cookie: admin.cookie })).status).toBe(404);
  });

  it('lets an Admin change a user (name, email, one role) and remove them; the only Admin stays (400)', async () => {
    const u = await conductUser(s, { name: 'Una User' });
    await grantEventRole(s, u.id, event.id, 'Reporter');
    const email = `changed-${u.email}`;
    const missing = await api(s, 'PATCH', `/api/events/slug/${event.slug}/users/${u.id}`, { cookie: admin.cookie, body: { name: 'Una' } });
    expect(missing.status).toBe(400);
    expect((await api(s, 'PATCH', `/api/events/slug/${event.slug}/users/${u.id}`, { cookie: admin.cookie, body: { name: 'Una', email: 'bad', role: 'Responder' } })).status).toBe(
      400,
    );
    expect((await api(s, 'PATCH', `/api/events/slug/${event.slug}/users/${u.id}`, { cookie: admin.cookie, body: { name: 'Una', email, role: 'Chief' } })).status).toBe(400);
    expect((await api(s, 'PATCH', `/api/events/slug/${event.slug}/users/${u.id}`, { cookie: responder.cookie, body: { name: 'Una', email, role: 'Responder' } })).status).toBe(403);
    const ok = await api(s, 'PATCH', `/api/events/slug/${event.slug}/users/${u.id}`, { cookie: admin.cookie, body: { name: 'Una Changed', email, role: 'Responder' } });
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ message: expect.any(String) });
    expect(await sql(s, 'select role from conduct_event_roles where user_id = $1 and event_id = $2', [u.id, event.id])).toEqual([{ role: 'Responder' }]);
    expect(await sql(s, 'select name, email from users where id = $1', [u.id])).toEqual([{ name: 'Una Changed', email }]);
    // a REST write seen by GraphQL
    const viaGql = await s.gql(
      `query($slug: String!, $id: ID!) { conductEventUser(slug: $slug, userId: $id) { roles user { name } } }`,
      { slug: event.slug, id: u.id },
      { cookie: admin.cookie },
    );
    expect(viaGql.data).toEqual({ conductEventUser: { roles: ['RESPONDER'], user: { name: 'Una Changed' } } });
    const taken = await api(s, 'PATCH', `/api/events/slug/${event.slug}/users/${u.id}`, { cookie: admin.cookie, body: { name: 'Una', email: reporter.email, role: 'Responder' } });
    expect(taken.status).toBe(409);
    const removed = await api(s, 'DELETE', `/api/events/slug/${event.slug}/users/${u.id}`, { cookie: admin.cookie });
    expect(removed.status).toBe(200);
    expect(await sql(s, 'select 1 from conduct_event_roles where user_id = $1', [u.id])).toEqual([]);
    expect((await api(s, 'DELETE', `/api/events/slug/${event.slug}/users/${u.id}`, { cookie: admin.cookie })).status).toBe(404);
    const only = await api(s, 'DELETE', `/api/events/slug/${event.slug}/users/${admin.id}`, { cookie: admin.cookie });
    expect(only.status).toBe(400);
    expect(
      (await api(s, 'PATCH', `/api/events/slug/${event.slug}/users/${admin.id}`, { cookie: admin.cookie, body: { name: 'Ada Admin', email: admin.email, role: 'Reporter' } }))
        .status,
    ).toBe(400);
    expect(await sql(s, "select count(*)::int as n from conduct_audit_logs where action in ('event_user.updated', 'event_user.removed') and target_id = $1", [u.id])).toEqual([
      { n: 2 },
    ]);
  });
});

describe('roles', () => {
  it('grants and revokes roles by event id (Admin), with the documented errors', async () => {
    const u = await conductUser(s);
    const granted = await api(s, 'POST', `/api/events/${event.id}/roles`, { cookie: admin.cookie, body: { userId: u.id, roleName: 'Event Admin' } });
    expect(granted.status).toBe(200);
    expect(granted.body).toEqual({
      message: expect.any(String),
      userEventRole: { id: expect.any(String), eventId: event.id, userId: u.id, role: 'Admin', createdAt: expect.any(String) },
    });
    expect((await api(s, 'POST', `/api/events/${event.id}/roles`, { cookie: admin.cookie, body: { userId: u.id } })).status).toBe(400);
    expect((await api(s, 'POST', `/api/events/${event.id}/roles`, { cookie: admin.cookie, body: { userId: u.id, roleName: 'Boss' } })).status).toBe(400);
    expect(
      (await api(s, 'POST', `/api/events/${event.id}/roles`, { cookie: admin.cookie, body: { userId: '00000000-0000-0000-0000-000000000000', roleName: 'Reporter' } })).status,
    ).toBe(404);
    expect((await api(s, 'POST', `/api/events/${event.id}/roles`, { cookie: responder.cookie, body: { userId: u.id, roleName: 'Reporter' } })).status).toBe(403);
    expect((await api(s, 'POST', `/api/events/${event.id}/roles`, { body: { userId: u.id, roleName: 'Reporter' } })).status).toBe(401);
    const revoked = await api(s, 'DELETE', `/api/events/${event.id}/roles`, { cookie: admin.cookie, body: { userId: u.id, roleName: 'Admin' } });
    expect(revoked.status).toBe(200);
    expect(revoked.body).toEqual({ message: expect.any(String) });
    expect((await api(s, 'DELETE', `/api/events/${event.id}/roles`, { cookie: admin.cookie, body: { userId: u.id, roleName: 'Admin' } })).status).toBe(404);
  });

  it("tells a subscriber of the event's membership about a role granted (staff see all changes)", async () => {
    const u = await conductUser(s);
    const ws = s.ws(undefined, { headers: { cookie: responder.cookie } });
    try {
      const got = collect<{ conductEventMembershipChanged: { kind: string; userId: string } }>(
        ws,
        'subscription($e: ID!) { conductEventMembershipChanged(eventId: $e) { kind userId eventId } }',
        { e: event.id },
        1,
      );
      await got.ready;
      expect((await api(s, 'POST', `/api/events/${event.id}/roles`, { cookie: admin.cookie, body: { userId: u.id, roleName: 'Reporter' } })).status).toBe(200);
      const [first] = await got.done;
      expect(first.data).toEqual({ conductEventMembershipChanged: { kind: 'ROLE_GRANTED', userId: u.id, eventId: event.id } });
    } finally {
      await ws.dispose();
    }
  });

  it("stops telling a demoted Responder about others' changes at once (their own still reach them)", async () => {
    const other = await conductUser(s);
    const ws = s.ws(undefined, { headers: { cookie: responder.cookie } });
    try {
      const got = collect<{ conductEventMembershipChanged: { kind: string; userId: string } }>(
        ws,
        'subscription($e: ID!) { conductEventMembershipChanged(eventId: $e) { kind userId } }',
        { e: event.id },
        3,
      );
      await got.ready;
      const roles = (method: string, userId: string, roleName: string) =>
        api(s, method, `/api/events/${event.id}/roles`, { cookie: admin.cookie, body: { userId, roleName } }).then((r) => expect(r.status).toBe(200));
      // a change the Responder may see (it also fills any cache of their roles), then their demotion
      await roles('POST', other.id, 'Reporter');
      await roles('DELETE', responder.id, 'Responder');
      // someone else's change after the demotion is not for them; their own next one is
      await roles('DELETE', other.id, 'Reporter');
      await roles('POST', responder.id, 'Responder');
      const seen = await got.done;
      expect(seen.map((r) => r.data!.conductEventMembershipChanged)).toEqual([
        { kind: 'ROLE_GRANTED', userId: other.id },
        { kind: 'ROLE_REVOKED', userId: responder.id },
        { kind: 'ROLE_GRANTED', userId: responder.id },
      ]);
    } finally {
      await ws.dispose();
    }
  });
});

describe('invites', () => {
  it('creates (201, Reporter by default, numeric-string maxUses, local expiry), lists and updates event invites (Admin)', async () => {
    const created = await api(s, 'POST', `/api/events/slug/${event.slug}/invites`, {
      cookie: admin.cookie,
      body: { maxUses: '3', expiresAt: '2099-05-01T10:30', note: 'speakers' },
    });
    expect(created.status).toBe(201);
    expect(created.body.invite).toEqual({
      id: expect.any(String),
      code: expect.stringMatching(/^[0-9a-f]{32}$/),
      role: 'Reporter',
      maxUses: 3,
      useCount: 0,
      expiresAt: expect.stringMatching(/^2099-05-01T/),
      disabled: false,
      note: 'speakers',
      url: expect.stringContaining(created.body.invite.code),
    });
    const staff = await api(s, 'POST', `/api/events/slug/${event.slug}/invites`, { cookie: admin.cookie, body: { role: 'Responder' } });
    expect(staff.body.invite.role).toBe('Responder');
    expect((await api(s, 'POST', `/api/events/slug/${event.slug}/invites`, { cookie: admin.cookie, body: { role: 'Overlord' } })).status).toBe(400);
    expect((await api(s, 'POST', `/api/events/slug/${event.slug}/invites`, { cookie: responder.cookie, body: {} })).status).toBe(403);
    const list = await api(s, 'GET', `/api/events/slug/${event.slug}/invites`, { cookie: admin.cookie });
    expect(list.body.invites.map((i: { id: string }) => i.id)).toEqual(expect.arrayContaining([created.body.invite.id, staff.body.invite.id]));
    const patched = await api(s, 'PATCH', `/api/events/slug/${event.slug}/invites/${created.body.invite.id}`, { cookie: admin.cookie, body: { disabled: true, note: 'closed' } });
    expect(patched.status).toBe(200);
    expect(patched.body.invite).toEqual(expect.objectContaining({ disabled: true, note: 'closed' }));
    expect((await api(s, 'PATCH', `/api/events/slug/${other.slug}/invites/${created.body.invite.id}`, { cookie: otherAdmin.cookie, body: { disabled: false } })).status).toBe(404);
    expect((await api(s, 'PATCH', `/api/events/slug/${event.slug}/invites/${created.body.invite.id}`, { cookie: admin.cookie, body: { disabled: 'no' } })).status).toBe(400);
  });

  it('shows an invite publicly and redeems it once per user (role granted, use counted); 400 unusable, 409 member', async () => {
    const inv = await seedInvite(s, { eventId: event.id }, { role: 'Responder', maxUses: 1 });
    const shown = await api(s, 'GET', `/api/invites/${inv.code}`);
    expect(shown.status).toBe(200);
    expect(shown.body).toEqual({
      invite: expect.objectContaining({ code: inv.code, role: 'Responder', useCount: 0 }),
      event: { id: event.id, name: 'Main Conf', slug: event.slug },
    });
    expect((await api(s, 'GET', '/invites/nope')).status).toBe(404);
    expect((await api(s, 'POST', `/api/invites/${inv.code}/redeem`)).status).toBe(401);
    const u = await conductUser(s);
    const redeemed = await api(s, 'POST', `/invites/${inv.code}/redeem`, { cookie: u.cookie });
    expect(redeemed.status).toBe(200);
    expect(redeemed.body).toEqual({ message: expect.any(String), eventSlug: event.slug });
    expect(await sql(s, 'select role from conduct_event_roles where user_id = $1', [u.id])).toEqual([{ role: 'Responder' }]);
    expect(await sql(s, 'select use_count from conduct_invites where id = $1', [inv.id])).toEqual([{ use_count: 1 }]);
    expect((await api(s, 'POST', `/api/invites/${inv.code}/redeem`, { cookie: reporter.cookie })).status).toBe(400);
    const open = await seedInvite(s, { eventId: event.id });
    expect((await api(s, 'POST', `/api/invites/${open.code}/redeem`, { cookie: reporter.cookie })).status).toBe(409);
    expect((await api(s, 'POST', '/api/invites/unknown-code/redeem', { cookie: reporter.cookie })).status).toBe(400);
  });
});
