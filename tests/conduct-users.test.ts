/**
 * conduct's signed-in user routes (conduct-core.md "Users"), as its frontend sends them: profile,
 * password, my events and leaving one, avatars, notification settings, whether mail is on — with the
 * denials (anonymous 401, another user's avatar 403, unknown 404) and bad input in `{error}`.
 */
import { api, conductServer, conductUser, ConductUser, grantEventRole, loginCookie, seedEvent, sql, STRONG } from './conduct.helpers';
import { form, PNG } from './cakeplanner.helpers';
import type { TestServer } from './support/server';

let s: TestServer;
let superAdmin: ConductUser;

beforeAll(async () => {
  ({ s, superAdmin } = await conductServer());
});
afterAll(() => s?.close());

const GIF = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');

describe('PATCH /api/users/me/profile', () => {
  it('changes the name and the email; the new email becomes the login', async () => {
    const u = await conductUser(s);
    const email = `new-${u.email}`;
    const res = await api(s, 'PATCH', '/api/users/me/profile', { cookie: u.cookie, body: { name: 'Renamed Person', email: email.toUpperCase() } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ message: expect.any(String), user: { id: u.id, name: 'Renamed Person', email, avatarUrl: null } });
    expect((await api(s, 'POST', '/api/auth/login', { body: { email: u.email, password: STRONG } })).status).toBe(401);
    expect(await loginCookie(s, email, STRONG)).toBeTruthy();
    // a GraphQL reader sees the REST write
    const me = await s.gql('{ conductSession { user { name email } } }', {}, { cookie: u.cookie });
    expect(me.data).toEqual({ conductSession: { user: { name: 'Renamed Person', email } } });
  });

  it('answers 400 for an empty body or a bad email, 409 for a taken email, 401 anonymous', async () => {
    const u = await conductUser(s);
    const other = await conductUser(s);
    const empty = await api(s, 'PATCH', '/api/users/me/profile', { cookie: u.cookie, body: {} });
    expect(empty.status).toBe(400);
    expect(empty.body.error).toEqual(expect.any(String));
    expect((await api(s, 'PATCH', '/api/users/me/profile', { cookie: u.cookie, body: { email: 'not-an-email' } })).status).toBe(400);
    expect((await api(s, 'PATCH', '/api/users/me/profile', { cookie: u.cookie, body: { name: '   ' } })).status).toBe(400);
    expect((await api(s, 'PATCH', '/api/users/me/profile', { cookie: u.cookie, rawBody: '{"name": ', headers: { 'content-type': 'application/json' } })).status).toBe(400);
    const taken = await api(s, 'PATCH', '/api/users/me/profile', { cookie: u.cookie, body: { email: other.email.toUpperCase() } });
    expect(taken.status).toBe(409);
    expect(taken.body.error).toBe('Email is already in use by another account.');
    expect((await api(s, 'PATCH', '/api/users/me/profile', { body: { name: 'x' } })).status).toBe(401);
    // the alias without /api
    expect((await api(s, 'PATCH', '/users/me/profile', { cookie: u.cookie, body: { name: 'Via Alias' } })).body.user.name).toBe('Via Alias');
  });
});

describe('PATCH /api/users/me/password', () => {
  it('changes the password with the current one; the old stops working', async () => {
    const u = await conductUser(s);
    const res = await api(s, 'PATCH', '/api/users/me/password', { cookie: u.cookie, body: { currentPassword: STRONG, newPassword: 'N3w!password' } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ message: expect.any(String) });
    expect((await api(s, 'POST', '/api/auth/login', { body: { email: u.email, password: STRONG } })).status).toBe(401);
    expect(await loginCookie(s, u.email, 'N3w!password')).toBeTruthy();
  });

  it('answers 400 for a missing field, a wrong current password or a weak new one, 401 anonymous', async () => {
    const u = await conductUser(s);
    expect((await api(s, 'PATCH', '/api/users/me/password', { cookie: u.cookie, body: { newPassword: 'N3w!password' } })).status).toBe(400);
    const wrong = await api(s, 'PATCH', '/api/users/me/password', { cookie: u.cookie, body: { currentPassword: 'Wr0ng!pass', newPassword: 'N3w!password' } });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error).toBe('Current password is incorrect.');
    expect((await api(s, 'PATCH', '/api/users/me/password', { cookie: u.cookie, body: { currentPassword: STRONG, newPassword: 'weakweak' } })).status).toBe(400);
    expect(await loginCookie(s, u.email, STRONG)).toBeTruthy();
    expect((await api(s, 'PATCH', '/api/users/me/password', { body: { currentPassword: STRONG, newPassword: 'N3w!password' } })).status).toBe(401);
  });
});

describe('my events', () => {
  it('lists the events with the roles held (an admin as both names) and the global roles', async () => {
    const u = await conductUser(s);
    const a = await seedEvent(s, { name: 'Alpha Conf' });
    const b = await seedEvent(s, { name: 'Beta Camp' });
    await grantEventRole(s, u.id, a.id, 'Admin');
    await grantEventRole(s, u.id, a.id, 'Reporter');
    await grantEventRole(s, u.id, b.id, 'Responder');
    const res = await api(s, 'GET', '/api/users/me/events', { cookie: u.cookie });
    expect(res.status).toBe(200);
    expect(res.body.globalRoles).toEqual([]);
    expect(res.body.events).toEqual([
      { id: a.id, name: 'Alpha Conf', slug: a.slug, description: null, roles: ['Event Admin', 'Admin', 'Reporter'] },
      { id: b.id, name: 'Beta Camp', slug: b.slug, description: null, roles: ['Responder'] },
    ]);
    expect((await api(s, 'GET', '/users/me/events', { cookie: superAdmin.cookie })).body).toEqual({ events: [], globalRoles: ['SuperAdmin'] });
    expect((await api(s, 'GET', '/api/users/me/events')).status).toBe(401);
  });

  it('leaves an event (its roles go); 404 not a member or unknown, 400 the only Admin', async () => {
    const u = await conductUser(s);
    const admin = await conductUser(s);
    const e = await seedEvent(s);
    await grantEventRole(s, u.id, e.id, 'Responder');
    await grantEventRole(s, admin.id, e.id, 'Admin');
    const left = await api(s, 'DELETE', `/api/users/me/events/${e.id}`, { cookie: u.cookie });
    expect(left.status).toBe(200);
    expect(left.body).toEqual({ message: expect.any(String) });
    expect(await sql(s, 'select 1 from conduct_event_roles where user_id = $1', [u.id])).toEqual([]);
    expect((await api(s, 'DELETE', `/api/users/me/events/${e.id}`, { cookie: u.cookie })).status).toBe(404);
    expect((await api(s, 'DELETE', '/api/users/me/events/not-a-uuid', { cookie: u.cookie })).status).toBe(404);
    const only = await api(s, 'DELETE', `/api/users/me/events/${e.id}`, { cookie: admin.cookie });
    expect(only.status).toBe(400);
    expect(only.body.error).toMatch(/only admin/i);
    expect(await sql(s, 'select role from conduct_event_roles where user_id = $1', [admin.id])).toEqual([{ role: 'Admin' }]);
    // audited
    expect(await sql(s, "select action from conduct_audit_logs where action = 'event.left' and target_id = $1", [u.id])).toHaveLength(1);
  });
});

describe('avatars', () => {
  it('uploads the own avatar, serves it publicly byte for byte, and removes it (204)', async () => {
    const u = await conductUser(s);
    const up = await api(s, 'POST', `/api/users/${u.id}/avatar`, { cookie: u.cookie, rawBody: form({ avatar: { bytes: PNG, filename: 'me.png', type: 'image/png' } }) });
    expect(up.status).toBe(200);
    expect(up.body).toEqual({ success: true, avatarId: expect.any(String) });
    const got = await fetch(`${s.url}/conduct/users/${u.id}/avatar`);
    expect(got.status).toBe(200);
    expect(got.headers.get('content-type')).toBe('image/png');
    expect(got.headers.get('x-content-type-options')).toBe('nosniff');
    expect(Buffer.from(await got.arrayBuffer()).equals(PNG)).toBe(true);
    const session = await api(s, 'GET', '/api/session', { cookie: u.cookie });
    expect(session.body.user.avatarUrl).toBe(`/users/${u.id}/avatar`);
    const del = await api(s, 'DELETE', `/api/users/${u.id}/avatar`, { cookie: u.cookie });
    expect(del.status).toBe(204);
    expect(del.text).toBe('');
    expect((await api(s, 'GET', `/api/users/${u.id}/avatar`)).status).toBe(404);
  });

  it("refuses anonymous (401), another user's (403), no file or a GIF (400), and keeps the old picture", async () => {
    const u = await conductUser(s);
    const other = await conductUser(s);
    const png = () => form({ avatar: { bytes: PNG, filename: 'me.png', type: 'image/png' } });
    expect((await api(s, 'POST', `/api/users/${u.id}/avatar`, { rawBody: png() })).status).toBe(401);
    expect((await api(s, 'POST', `/api/users/${other.id}/avatar`, { cookie: u.cookie, rawBody: png() })).status).toBe(403);
    expect((await api(s, 'DELETE', `/api/users/${other.id}/avatar`, { cookie: u.cookie })).status).toBe(403);
    expect((await api(s, 'POST', `/api/users/${u.id}/avatar`, { cookie: u.cookie, rawBody: form({ note: 'no file' }) })).status).toBe(400);
    expect((await api(s, 'POST', `/api/users/${u.id}/avatar`, { cookie: u.cookie, rawBody: png() })).status).toBe(200);
    const gif = await api(s, 'POST', `/api/users/${u.id}/avatar`, { cookie: u.cookie, rawBody: form({ avatar: { bytes: GIF, filename: 'me.png', type: 'image/png' } }) });
    expect(gif.status).toBe(400);
    expect(gif.body.error).toEqual(expect.any(String));
    const kept = await fetch(`${s.url}/conduct/api/users/${u.id}/avatar`);
    expect(Buffer.from(await kept.arrayBuffer()).equals(PNG)).toBe(true);
    const big = Buffer.concat([PNG, Buffer.alloc(2 * 1024 * 1024 + 10)]);
    const tooBig = await api(s, 'POST', `/api/users/${u.id}/avatar`, { cookie: u.cookie, rawBody: form({ avatar: { bytes: big, filename: 'big.png', type: 'image/png' } }) });
    expect([400, 413]).toContain(tooBig.status);
    expect((await api(s, 'GET', '/api/users/00000000-0000-0000-0000-000000000000/avatar')).status).toBe(404);
  });
});

describe('notification settings and mail', () => {
  it('answers the defaults, saves some flags, and refuses non-booleans (400) and anonymous callers (401)', async () => {
    const u = await conductUser(s);
    const first = await api(s, 'GET', '/api/user/notification-settings', { cookie: u.cookie });
    expect(first.status).toBe(200);
    expect(first.body.reportSubmittedInApp).toBe(true);
    expect(first.body.reportSubmittedEmail).toBe(false);
    const saved = await api(s, 'PATCH', '/api/user/notification-settings', { cookie: u.cookie, body: { reportSubmittedEmail: true, reportAssignedInApp: false, unknownFlag: 1 } });
    expect(saved.status).toBe(200);
    expect(saved.body).toEqual({ ...first.body, reportSubmittedEmail: true, reportAssignedInApp: false });
    const put = await api(s, 'PUT', '/api/user/notification-settings', { cookie: u.cookie, body: { reportCommentAddedEmail: true } });
    expect(put.body).toEqual({ ...saved.body, reportCommentAddedEmail: true });
    expect((await api(s, 'GET', '/api/user/notification-settings', { cookie: u.cookie })).body).toEqual(put.body);
    expect((await api(s, 'PATCH', '/api/user/notification-settings', { cookie: u.cookie, body: { reportSubmittedEmail: 'yes' } })).status).toBe(400);
    expect((await api(s, 'PATCH', '/api/user/notification-settings', { cookie: u.cookie, body: {} })).status).toBe(400);
    expect((await api(s, 'GET', '/api/user/notification-settings')).status).toBe(401);
    // another user keeps the defaults
    const other = await conductUser(s);
    expect((await api(s, 'GET', '/api/user/notification-settings', { cookie: other.cookie })).body).toEqual(first.body);
  });

  it('says whether mail goes out', async () => {
    expect((await api(s, 'GET', '/api/config/email-enabled')).body).toEqual({ enabled: false });
  });
});
