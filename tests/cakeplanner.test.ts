/**
 * cakeplanner surface, accounts and administration, through REST as the legacy client sends it
 * (Bearer header, JSON bodies): registration waiting for activation, login, 2FA with real TOTP codes,
 * temporary passwords read from the mail outbox, settings, account deletion, group administration,
 * every denial, and the public system routes.
 */
import { codeAt, currentStep } from '../src/auth/totp';
import { startTestServer, TestServer, unique } from './support/server';
import { api, cakeGroup, cakeServerWithAdmin, cakeUser, CakeUser, createEvent } from './cakeplanner.helpers';
import type { CakeContactsParityQuery } from '../src/generated/graphql';
import type { CakeTestOutboxQuery } from '../src/generated/graphql';

const CONTACTS = /* GraphQL */ `query CakeContactsParity { cakeContacts { id name email } cakeMyGroups { group { members { user { id name email } } } } }`;

const OUTBOX = /* GraphQL */ `query CakeTestOutbox($to: String) { mailOutbox(to: $to) { to subject text } }`;

describe('accounts waiting for activation (CAKE_AUTO_ACTIVATE unset)', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer();
  });
  afterAll(() => s.close());

  it('activates the first account (the admin), holds later ones for activation, and mails the admins', async () => {
    const first = await api(s, 'POST', '/api/auth/register', { body: { email: 'boss@example.test', password: 'boss password 1', name: 'Boss' } });
    expect(first.status).toBe(201);
    expect(first.body).toEqual({ message: expect.any(String), id: expect.any(String) });
    const adminLogin = await api(s, 'POST', '/api/auth/login', { body: { email: 'boss@example.test', password: 'boss password 1' } });
    expect(adminLogin.status).toBe(200);
    expect(adminLogin.body.user.isAdmin).toBe(true);
    const adminToken = adminLogin.body.token;

    const reg = await api(s, 'POST', '/api/auth/register', { body: { email: 'New.Baker@Example.test', password: 'baker password', name: 'New Baker', language: 'de' } });
    expect(reg.status).toBe(201);
    expect(reg.body.message).toMatch(/activate/i);
    const pending = await api(s, 'POST', '/api/auth/login', { body: { email: 'new.baker@example.test', password: 'baker password' } });
    expect(pending.status).toBe(403);
    expect(pending.body).toEqual({ error: expect.any(String) });
    // a wrong password is still a 401, whatever the account's state
    expect((await api(s, 'POST', '/api/auth/login', { body: { email: 'new.baker@example.test', password: 'wrong password' } })).status).toBe(401);

    const box = await s.gql<CakeTestOutboxQuery>(OUTBOX, { to: 'boss@example.test' }, { token: adminToken });
    const mail = box.data!.mailOutbox.find((m: { text: string }) => m.text.includes('new.baker@example.test'));
    expect(mail).toBeDefined();
    expect(mail!.text).toMatch(/waiting for activation/);

    const on = await api(s, 'PUT', `/api/admin/users/${reg.body.id}/status`, { token: adminToken, body: { isActive: true } });
    expect(on.status).toBe(200);
    expect(on.body).toEqual({ id: reg.body.id, isActive: true });
    const ok = await api(s, 'POST', '/api/auth/login', { body: { email: 'new.baker@example.test', password: 'baker password' } });
    expect(ok.status).toBe(200);
    expect(ok.body.user).toEqual({
      id: reg.body.id,
      name: 'New Baker',
      email: 'new.baker@example.test',
      isAdmin: false,
      language: 'de',
      mustChangePassword: false,
      twoFactorEnabled: false,
      // issue 9: the original backend's fields beside the documented ones
      groupId: null,
      groupRole: null,
      has2FA: false,
      emailLanguage: 'de',
      lastLoginAt: expect.any(String),
      isActive: true,
    });

    const off = await api(s, 'PUT', `/api/admin/users/${reg.body.id}/status`, { token: adminToken, body: { isActive: false } });
    expect(off.body.isActive).toBe(false);
    // deactivation closes Cake Planner at once (the account itself stays for the other applications)
    const closed = await api(s, 'GET', '/api/user/groups', { token: ok.body.token });
    expect(closed.status).toBe(403);
    expect(closed.body).toEqual({ error: 'Account is inactive' });
    expect((await api(s, 'POST', '/api/auth/login', { body: { email: 'new.baker@example.test', password: 'baker password' } })).body).toEqual({ error: 'Account is inactive' });
    expect((await api(s, 'PUT', `/api/admin/users/${reg.body.id}/status`, { token: adminToken, body: { isActive: 'yes' } })).status).toBe(400);
  });
});

describe('cakeplanner accounts', () => {
  let s: TestServer;
  let admin: CakeUser;
  beforeAll(async () => {
    ({ s, admin } = await cakeServerWithAdmin());
  });
  afterAll(() => s.close());

  it('registers with 201 {message, id}; refuses duplicates (409), bad emails and short passwords (400)', async () => {
    const email = `${unique('dup')}@example.test`;
    const ok = await api(s, 'POST', '/api/auth/register', { body: { email, password: 'long enough', name: 'Dup' } });
    expect(ok.status).toBe(201);
    expect(ok.body.message).toBe('Registration successful');
    const dup = await api(s, 'POST', '/api/auth/register', { body: { email: email.toUpperCase(), password: 'long enough', name: 'Dup' } });
    expect(dup.status).toBe(409);
    expect(dup.body).toEqual({ error: expect.any(String) });
    expect(dup.text).not.toMatch(/insert|select|argon|constraint/i);
    expect((await api(s, 'POST', '/api/auth/register', { body: { email: 'not-an-email', password: 'long enough' } })).status).toBe(400);
    expect((await api(s, 'POST', '/api/auth/register', { body: { email: `${unique()}@example.test`, password: 'short' } })).status).toBe(400);
    expect((await api(s, 'POST', '/api/auth/register', { body: { password: 'long enough' } })).status).toBe(400);
    expect((await api(s, 'POST', '/api/auth/register', { rawBody: '{not json', headers: { 'content-type': 'application/json' } })).status).toBe(400);
  });

  it('logs in with {token, user}; bad credentials are 401 with { error }', async () => {
    const u = await cakeUser(s);
    const res = await api(s, 'POST', '/api/auth/login', { body: { email: u.email, password: u.password } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      token: expect.any(String),
      user: {
        ...{ id: u.id, name: u.name, email: u.email, isAdmin: false, language: 'en', mustChangePassword: false, twoFactorEnabled: false },
        // issue 9: the original backend's fields beside the documented ones
        ...{ groupId: null, groupRole: null, has2FA: false, emailLanguage: 'en', lastLoginAt: expect.any(String), isActive: true },
      },
    });
    const bad = await api(s, 'POST', '/api/auth/login', { body: { email: u.email, password: 'not the password' } });
    expect(bad.status).toBe(401);
    expect(bad.body).toEqual({ error: expect.any(String) });
    expect((await api(s, 'POST', '/api/auth/login', { body: { email: u.email } })).status).toBe(400);
  });

  it('sets up and activates 2FA with a real TOTP code; login then asks for a code, which works once', async () => {
    const u = await cakeUser(s);
    const setup = await api(s, 'POST', '/api/auth/2fa/setup', { token: u.token });
    expect(setup.status).toBe(200);
    expect(setup.body).toEqual({
      secret: expect.stringMatching(/^[A-Z2-7]+$/),
      otpauth: expect.stringMatching(/^otpauth:\/\/totp\//),
      qrCode: expect.stringMatching(/^data:image\/png;base64,/),
    });
    const secret: string = setup.body.secret;
    const step = currentStep();
    const wrong = codeAt(secret, step) === '123456' ? '654321' : '123456';
    if (![step - 1, step, step + 1].some((x) => codeAt(secret, x) === wrong)) {
      expect((await api(s, 'POST', '/api/auth/2fa/activate', { token: u.token, body: { code: wrong } })).status).toBe(400);
    }
    const act = await api(s, 'POST', '/api/auth/2fa/activate', { token: u.token, body: { code: codeAt(secret, step) } });
    expect(act.status).toBe(200);

    const noCode = await api(s, 'POST', '/api/auth/login', { body: { email: u.email, password: u.password } });
    expect(noCode.status).toBe(200);
    expect(noCode.body).toEqual({ require2fa: true });
    // the activation code is spent
    expect((await api(s, 'POST', '/api/auth/login', { body: { email: u.email, password: u.password, code: codeAt(secret, step) } })).status).toBe(401);
    const next = codeAt(secret, step + 1);
    const ok = await api(s, 'POST', '/api/auth/login', { body: { email: u.email, password: u.password, code: next } });
    expect(ok.status).toBe(200);
    expect(ok.body.user.twoFactorEnabled).toBe(true);
    expect((await api(s, 'POST', '/api/auth/login', { body: { email: u.email, password: u.password, code: next } })).status).toBe(401);
  });

  it('forgot-password always answers 200 and mails a temporary password: one login, then a forced change', async () => {
    const u = await cakeUser(s);
    expect((await api(s, 'POST', '/api/auth/forgot-password', { body: { email: 'nobody@example.test' } })).status).toBe(200);
    expect((await api(s, 'POST', '/api/auth/forgot-password', { body: {} })).status).toBe(200);
    const res = await api(s, 'POST', '/api/auth/forgot-password', { body: { email: u.email } });
    expect(res.status).toBe(200);
    expect(res.body.message).toEqual(expect.any(String));
    const box = await s.gql<CakeTestOutboxQuery>(OUTBOX, { to: u.email }, { token: admin.token });
    const temp = /Temporary password[^:]*: (\S+)/.exec(box.data!.mailOutbox[0].text)![1];

    const first = await api(s, 'POST', '/api/auth/login', { body: { email: u.email, password: temp } });
    expect(first.status).toBe(200);
    expect(first.body.user.mustChangePassword).toBe(true);
    expect((await api(s, 'POST', '/api/auth/login', { body: { email: u.email, password: temp } })).status).toBe(401);
    const change = await api(s, 'POST', '/api/user/change-password', { token: first.body.token, body: { newPassword: 'my new password' } });
    expect(change.status).toBe(200);
    const after = await api(s, 'POST', '/api/auth/login', { body: { email: u.email, password: 'my new password' } });
    expect(after.body.user.mustChangePassword).toBe(false);
  });

  it('change-password checks an old password when sent; issue 9: the session alone suffices without one', async () => {
    const u = await cakeUser(s);
    expect((await api(s, 'POST', '/api/user/change-password', { token: u.token, body: { oldPassword: 'not my password', newPassword: 'another password' } })).status).toBe(401);
    expect((await api(s, 'POST', '/api/user/change-password', { token: u.token, body: { oldPassword: u.password, newPassword: 'short' } })).status).toBe(400);
    expect((await api(s, 'POST', '/api/user/change-password', { token: u.token, body: { newPassword: 'short' } })).status).toBe(400);
    expect((await api(s, 'POST', '/api/user/change-password', { body: { newPassword: 'another password' } })).status).toBe(401);
    expect((await api(s, 'POST', '/api/user/change-password', { token: u.token, body: { newPassword: 'interim password' } })).status).toBe(200);
    u.password = 'interim password';
    expect((await api(s, 'POST', '/api/user/change-password', { token: u.token, body: { oldPassword: u.password, newPassword: 'another password' } })).status).toBe(200);
    const forced = await api(s, 'POST', '/api/admin/users/force-password-change', { token: admin.token, body: { userId: u.id, mustChange: true } });
    expect(forced.status).toBe(200);
    expect(forced.body).toEqual({ id: u.id, mustChangePassword: true });
    const login = await api(s, 'POST', '/api/auth/login', { body: { email: u.email, password: 'another password' } });
    expect(login.body.user.mustChangePassword).toBe(true);
    expect((await api(s, 'POST', '/api/user/change-password', { token: login.body.token, body: { newPassword: 'third password' } })).status).toBe(200);
    const cleared = await api(s, 'POST', '/api/admin/users/force-password-change', { token: admin.token, body: { userId: u.id, mustChange: false } });
    expect(cleared.body.mustChangePassword).toBe(false);
  });

  it('updates settings and validates them', async () => {
    const u = await cakeUser(s);
    const res = await api(s, 'POST', '/api/user/settings', { token: u.token, body: { language: 'nl', emailLanguage: 'fr' } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ language: 'nl', emailLanguage: 'fr' });
    expect((await api(s, 'POST', '/api/user/settings', { token: u.token, body: { language: 'not a language' } })).status).toBe(400);
    const login = await api(s, 'POST', '/api/auth/login', { body: { email: u.email, password: u.password } });
    expect(login.body.user.language).toBe('nl');
  });

  it('lists users: everyone for admins, the members of their groups for others; groups with roles', async () => {
    const a = await cakeUser(s);
    const b = await cakeUser(s);
    const outsider = await cakeUser(s);
    const g = await cakeGroup(s, admin, [{ user: a, role: 'admin' }, { user: b }]);
    const mine = await api(s, 'GET', '/api/users', { token: b.token });
    expect(mine.status).toBe(200);
    expect(mine.body.map((x: { id: string }) => x.id).sort()).toEqual([a.id, b.id].sort());
    expect(mine.body[0]).toEqual({ id: expect.any(String), name: expect.any(String), email: expect.any(String) });
    const all = await api(s, 'GET', '/api/users', { token: admin.token });
    expect(all.body.map((x: { id: string }) => x.id)).toEqual(expect.arrayContaining([a.id, b.id, outsider.id, admin.id]));
    const alone = await api(s, 'GET', '/api/users', { token: outsider.token });
    expect(alone.body.map((x: { id: string }) => x.id)).toEqual([outsider.id]);

    const groups = await api(s, 'GET', '/api/user/groups', { token: a.token });
    expect(groups.body).toEqual([{ id: g.id, name: g.name, role: 'admin' }]);
    expect((await api(s, 'GET', '/api/user/groups', { token: b.token })).body).toEqual([{ id: g.id, name: g.name, role: 'member' }]);
    expect((await api(s, 'GET', '/api/user/groups', { token: outsider.token })).body).toEqual([]);
  });

  it('DELETE /api/user anonymises the account: login impossible, events and ratings stay', async () => {
    const u = await cakeUser(s);
    const rater = await cakeUser(s);
    await cakeGroup(s, admin, [{ user: u }, { user: rater }]);
    const event = await createEvent(s, u);
    expect((await api(s, 'POST', `/api/events/${event.id}/rate`, { token: rater.token, body: { stars: 5 } })).status).toBe(200);
    const mine = await createEvent(s, rater);
    expect((await api(s, 'POST', `/api/events/${mine.id}/rate`, { token: u.token, body: { stars: 3 } })).status).toBe(200);

    const del = await api(s, 'DELETE', '/api/user', { token: u.token });
    expect(del.status).toBe(204);
    expect((await api(s, 'GET', '/api/user/groups', { token: u.token })).status).toBe(401);
    expect((await api(s, 'POST', '/api/auth/login', { body: { email: u.email, password: u.password } })).status).toBe(401);

    const kept = await api(s, 'GET', `/api/events/${event.id}`, { token: rater.token });
    expect(kept.status).toBe(200);
    expect(kept.body.baker).toEqual({ id: u.id, name: 'Deleted User' });
    expect(kept.body.rating).toMatchObject({ average: 5, count: 1 });
    expect((await api(s, 'GET', `/api/events/${mine.id}`, { token: rater.token })).body.rating).toMatchObject({ average: 3, count: 1 });
    // the address is free again
    expect((await api(s, 'POST', '/api/auth/register', { body: { email: u.email, password: 'long enough' } })).status).toBe(201);
  });
});

describe('cakeplanner administration', () => {
  let s: TestServer;
  let admin: CakeUser;
  beforeAll(async () => {
    ({ s, admin } = await cakeServerWithAdmin());
  });
  afterAll(() => s.close());

  it('lists users and groups: all for admins, their own group for group admins, 403 for members', async () => {
    const groupAdmin = await cakeUser(s);
    const member = await cakeUser(s);
    const other = await cakeUser(s);
    const g = await cakeGroup(s, admin, [{ user: groupAdmin, role: 'admin' }, { user: member }]);
    const g2 = await cakeGroup(s, admin, [{ user: other }]);

    const users = await api(s, 'GET', '/api/admin/users', { token: admin.token });
    expect(users.status).toBe(200);
    const m = users.body.find((x: { id: string }) => x.id === member.id);
    expect(m).toEqual({
      id: member.id,
      name: member.name,
      email: member.email,
      isAdmin: false,
      isActive: true,
      mustChangePassword: false,
      twoFactorEnabled: false,
      language: 'en',
      createdAt: expect.any(String),
      groups: [{ id: g.id, name: g.name, role: 'member' }],
      // issue 9: the original backend's fields beside the documented ones
      groupId: g.id,
      groupRole: 'member',
      has2FA: false,
      emailLanguage: 'en',
      lastLoginAt: expect.any(String),
    });
    expect(users.body.find((x: { id: string }) => x.id === admin.id).isAdmin).toBe(true);

    const scoped = await api(s, 'GET', '/api/admin/users', { token: groupAdmin.token });
    expect(scoped.status).toBe(200);
    expect(scoped.body.map((x: { id: string }) => x.id).sort()).toEqual([groupAdmin.id, member.id].sort());
    expect((await api(s, 'GET', '/api/admin/users', { token: member.token })).status).toBe(403);

    const groups = await api(s, 'GET', '/api/admin/groups', { token: admin.token });
    expect(groups.body.map((x: { id: string }) => x.id)).toEqual(expect.arrayContaining([g.id, g2.id]));
    const own = await api(s, 'GET', '/api/admin/groups', { token: groupAdmin.token });
    expect(own.body).toHaveLength(1);
    expect(own.body[0]).toMatchObject({ id: g.id, name: g.name, memberCount: 2 });
    expect(own.body[0].members).toEqual(
      expect.arrayContaining([
        { id: member.id, name: member.name, email: member.email, role: 'member' },
        { id: groupAdmin.id, name: groupAdmin.name, email: groupAdmin.email, role: 'admin' },
      ]),
    );
    expect((await api(s, 'GET', '/api/admin/groups', { token: member.token })).status).toBe(403);
  });

  it('creates groups (201 {id, name}; 409 on a taken name), deletes them only once empty (409, then 204)', async () => {
    const name = unique('Bakers ');
    const created = await api(s, 'POST', '/api/admin/groups', { token: admin.token, body: { name, description: 'The bakery' } });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ id: expect.any(String), name });
    expect((await api(s, 'POST', '/api/admin/groups', { token: admin.token, body: { name: name.toUpperCase() } })).status).toBe(409);
    expect((await api(s, 'POST', '/api/admin/groups', { token: admin.token, body: {} })).status).toBe(400);

    const u = await cakeUser(s);
    expect((await api(s, 'POST', '/api/admin/users/assign-group', { token: admin.token, body: { userId: u.id, groupId: created.body.id } })).status).toBe(200);
    const event = await createEvent(s, u);
    const busy = await api(s, 'DELETE', `/api/admin/groups/${created.body.id}`, { token: admin.token });
    expect(busy.status).toBe(409);
    expect(busy.body).toEqual({ error: expect.any(String) });
    expect((await api(s, 'POST', '/api/admin/users/remove-group', { token: admin.token, body: { userId: u.id, groupId: created.body.id } })).status).toBe(204);
    expect((await api(s, 'DELETE', `/api/admin/groups/${created.body.id}`, { token: admin.token })).status).toBe(204);
    expect((await api(s, 'DELETE', `/api/admin/groups/${created.body.id}`, { token: admin.token })).status).toBe(404);
    expect((await api(s, 'GET', `/api/events/${event.id}`, { token: admin.token })).status).toBe(404);
  });

  it('assigns users and sets group roles (member/admin), validating ids and roles', async () => {
    const u = await cakeUser(s);
    const g = await cakeGroup(s, admin);
    const assigned = await api(s, 'POST', '/api/admin/users/assign-group', { token: admin.token, body: { userId: u.id, groupId: g.id } });
    expect(assigned.body).toEqual({ userId: u.id, groupId: g.id, role: 'member' });
    const promoted = await api(s, 'POST', '/api/admin/groups/set-role', { token: admin.token, body: { userId: u.id, groupId: g.id, role: 'admin' } });
    expect(promoted.body).toEqual({ userId: u.id, groupId: g.id, role: 'admin' });
    // assigning again keeps the role
    expect((await api(s, 'POST', '/api/admin/users/assign-group', { token: admin.token, body: { userId: u.id, groupId: g.id } })).body.role).toBe('admin');
    expect((await api(s, 'GET', '/api/user/groups', { token: u.token })).body).toEqual([{ id: g.id, name: g.name, role: 'admin' }]);
    expect((await api(s, 'POST', '/api/admin/groups/set-role', { token: admin.token, body: { userId: u.id, groupId: g.id, role: 'owner' } })).status).toBe(400);
    expect((await api(s, 'POST', '/api/admin/users/assign-group', { token: admin.token, body: { userId: u.id } })).status).toBe(400);
    expect((await api(s, 'POST', '/api/admin/users/assign-group', { token: admin.token, body: { userId: u.id, groupId: '00000000-0000-4000-8000-000000000000' } })).status).toBe(
      404,
    );
    expect((await api(s, 'POST', '/api/admin/users/assign-group', { token: admin.token, body: { userId: 'nope', groupId: g.id } })).status).toBe(404);
  });

  it('deletes a user (admin only): their events, ratings and photos go with them', async () => {
    const u = await cakeUser(s);
    const other = await cakeUser(s);
    await cakeGroup(s, admin, [{ user: u }, { user: other }]);
    const event = await createEvent(s, u);
    const del = await api(s, 'DELETE', `/api/admin/users/${u.id}`, { token: admin.token });
    expect(del.status).toBe(204);
    expect((await api(s, 'GET', `/api/events/${event.id}`, { token: other.token })).status).toBe(404);
    expect((await api(s, 'POST', '/api/auth/login', { body: { email: u.email, password: u.password } })).status).toBe(401);
    expect((await api(s, 'DELETE', `/api/admin/users/${u.id}`, { token: admin.token })).status).toBe(404);
  });

  it('denies every admin route to members (403) and anonymous callers (401)', async () => {
    const member = await cakeUser(s);
    const g = await cakeGroup(s, admin, [{ user: member, role: 'admin' }]);
    const adminOnly: [string, string, unknown][] = [
      ['PUT', `/api/admin/users/${admin.id}/status`, { isActive: false }],
      ['DELETE', `/api/admin/users/${admin.id}`, undefined],
      ['POST', '/api/admin/groups', { name: unique('Nope ') }],
      ['DELETE', `/api/admin/groups/${g.id}`, undefined],
      ['POST', '/api/admin/users/assign-group', { userId: member.id, groupId: g.id }],
      ['POST', '/api/admin/groups/set-role', { userId: member.id, groupId: g.id, role: 'member' }],
      ['POST', '/api/admin/users/force-password-change', { userId: admin.id, mustChange: true }],
      ['POST', '/api/admin/users/remove-group', { userId: member.id, groupId: g.id }],
    ];
    for (const [method, path, body] of adminOnly) {
      const asMember = await api(s, method, path, { token: member.token, body });
      expect([path, asMember.status]).toEqual([path, 403]);
      expect(asMember.body).toEqual({ error: expect.any(String) });
      expect([path, (await api(s, method, path, { body })).status]).toEqual([path, 401]);
    }
    const userRoutes: [string, string][] = [
      ['GET', '/api/admin/users'],
      ['GET', '/api/admin/groups'],
      ['GET', '/api/users'],
      ['GET', '/api/user/groups'],
      ['POST', '/api/user/change-password'],
      ['POST', '/api/user/settings'],
      ['DELETE', '/api/user'],
      ['POST', '/api/auth/2fa/setup'],
      ['POST', '/api/auth/2fa/activate'],
      ['GET', '/api/events?start=2030-01-01&end=2030-12-31'],
      ['POST', '/api/events'],
      ['GET', '/api/events/ranked'],
      ['GET', '/api/events/stream'],
    ];
    for (const [method, path] of userRoutes) {
      const body = method === 'GET' || method === 'DELETE' ? undefined : { code: '123456', newPassword: 'long enough pw', date: '2030-01-01', language: 'en' };
      const res = await api(s, method, path, { body });
      expect([path, res.status]).toEqual([path, 401]);
      expect(res.body).toEqual({ error: expect.any(String) });
    }
    // the admin is untouched
    expect((await api(s, 'GET', '/api/admin/users', { token: admin.token })).status).toBe(200);
  });
});

describe('review regressions', () => {
  let s: TestServer;
  let admin: CakeUser;
  beforeAll(async () => {
    ({ s, admin } = await cakeServerWithAdmin());
  });
  afterAll(() => s.close());

  it("GraphQL gives members of a group what GET /api/users gives (id, name, email), not each other's account state", async () => {
    const member = await cakeUser(s);
    const other = await cakeUser(s);
    await cakeGroup(s, admin, [{ user: member }, { user: other }]);
    // REST: members may not read the admin list (isActive, 2FA, forced change)
    expect((await api(s, 'GET', '/api/admin/users', { token: member.token })).status).toBe(403);
    const ok = await s.gql<CakeContactsParityQuery>(CONTACTS, {}, { token: member.token });
    expect(ok.errors).toBeUndefined();
    expect(ok.data!.cakeContacts.map((u) => u.id)).toEqual(expect.arrayContaining([member.id, other.id]));
    for (const q of [
      '{ cakeContacts { id isActive twoFactorEnabled mustChangePassword role } }',
      '{ cakeMyGroups { group { members { user { isActive twoFactorEnabled role } } } } }',
    ]) {
      const leak = await s.gql(q, {}, { token: member.token });
      expect(leak.errors?.length).toBeGreaterThan(0);
      expect(leak.data).toBeUndefined();
    }
  });

  it('answers a path that is not valid percent-encoding with a JSON 400, never an HTML page with a stack', async () => {
    const u = await cakeUser(s);
    const res = await api(s, 'GET', '/api/events/%E0%A4%A', { token: u.token });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: expect.any(String) });
    expect(res.text).not.toMatch(/URIError|node_modules|<html/i);
  });
});

describe('system routes', () => {
  it('serves sysinfo and healthcheck publicly, at the root with COMPAT_ROOT, and reports DOWN without a database', async () => {
    const s = await startTestServer({ COMPAT_ROOT: 'cakeplanner' });
    try {
      const info = await api(s, 'GET', '/api/system/sysinfo');
      expect(info.status).toBe(200);
      expect(info.body).toEqual({
        name: expect.any(String),
        version: expect.stringMatching(/^\d+\.\d+\.\d+/),
        commit: expect.any(String),
        node: process.version,
        uptimeSeconds: expect.any(Number),
        database: expect.stringMatching(/^PostgreSQL \d+$/),
        // issue 9: the original backend's fields beside ours (its frontend prints them)
        prog_longname: expect.any(String),
        project_name: 'interchange',
        description: expect.any(String),
        license: expect.any(String),
        homepage: expect.any(String),
        author: expect.any(String),
        organization: expect.any(String),
        domain: expect.any(String),
      });
      const health = await s.rest('GET', '/api/system/healthcheck');
      expect(health.status).toBe(200);
      expect(health.body).toEqual({ status: 'UP', timestamp: expect.any(String) });
      expect((await s.rest('GET', '/api/events/ranked')).status).toBe(401);
      expect((await s.rest('GET', '/api/nothing-here')).body).toEqual({ error: expect.any(String) });

      await s.app.orm.close(true);
      const down = await api(s, 'GET', '/api/system/healthcheck');
      expect(down.status).toBe(503);
      expect(down.body).toMatchObject({ status: 'DOWN' });
    } finally {
      await s.close().catch(() => undefined);
    }
  });
});
