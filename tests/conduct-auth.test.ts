/**
 * conduct surface, base and authentication routes (shared/contracts/conduct-core.md "Base and
 * authentication"), through REST as conduct's frontend sends them (JSON, the session cookie): health and
 * root, registration (first account SuperAdmin, 409 "Email already registered.", conduct's password
 * rule), registration with an invite, login and logout, the session paths, check-email, the password
 * reset by link, the `/conduct/auth/*` aliases and COMPAT_ROOT=conduct. Errors are `{error, details?}`.
 */
import { startTestServer, TestServer, cookieFrom, unique } from './support/server';
import { TestSetEnrollmentDocument } from '../src/generated/graphql';
import type { ConductTestOutboxQuery } from '../src/generated/graphql';
import { api, conductServer, conductUser, ConductUser, grantEventRole, loginCookie, seedEvent, seedInvite, sql, STRONG } from './conduct.helpers';

const OUTBOX = /* GraphQL */ `query ConductTestOutbox($to: String) { mailOutbox(to: $to) { to subject text } }`;

const WEAK = 'weakpassword1';

/** No SQL, stack or hash in a body. */
function clean(text: string): void {
  expect(text).not.toMatch(/select |insert |constraint|argon2|\$argon|at .*\.ts:|stack/i);
}

async function outbox(s: TestServer, admin: ConductUser, to: string): Promise<ConductTestOutboxQuery['mailOutbox']> {
  const res = await s.gql<ConductTestOutboxQuery>(OUTBOX, { to }, { cookie: admin.cookie });
  if (res.errors) throw new Error(JSON.stringify(res.errors));
  return res.data!.mailOutbox;
}

describe('conduct base routes and the first account', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer();
  });
  afterAll(() => s.close());

  it('GET /health answers {status, timestamp, environment}', async () => {
    const res = await api(s, 'GET', '/health');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok', timestamp: expect.any(String), environment: 'test' });
    expect(Number.isNaN(Date.parse(res.body.timestamp))).toBe(false);
  });

  it('GET / says firstUserNeeded until an account exists; the first registration is the SuperAdmin', async () => {
    expect((await api(s, 'GET', '/')).body).toEqual({ firstUserNeeded: true });
    expect((await s.rest('GET', '/conduct')).body).toEqual({ firstUserNeeded: true });
    const first = await api(s, 'POST', '/api/auth/register', { body: { email: 'Chief@Example.test', password: STRONG, name: 'Chief' } });
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ message: expect.any(String), user: { id: expect.any(String), email: 'chief@example.test', name: 'Chief' }, madeSuperAdmin: true });
    expect((await api(s, 'GET', '/')).body).toEqual({ message: 'Backend API is running!' });

    const second = await api(s, 'POST', '/api/auth/register', { body: { email: 'second@example.test', password: STRONG, name: 'Second' } });
    expect(second.status).toBe(200);
    expect(second.body.madeSuperAdmin).toBe(false);

    const cookie = await loginCookie(s, 'chief@example.test', STRONG);
    const session = await api(s, 'GET', '/api/session', { cookie });
    expect(session.body).toEqual({
      authenticated: true,
      user: { id: first.body.user.id, email: 'chief@example.test', name: 'Chief', avatarUrl: null, roles: ['SuperAdmin'] },
    });
  });
});

describe('conduct registration, login, logout and session', () => {
  let s: TestServer;
  let superAdmin: ConductUser;
  beforeAll(async () => {
    ({ s, superAdmin } = await conductServer());
  });
  afterAll(() => s.close());

  it('refuses a taken email (any case) with 409 "Email already registered." and bad input with 400 {error, details}', async () => {
    const email = `${unique('dup')}@example.test`;
    expect((await api(s, 'POST', '/api/auth/register', { body: { email, password: STRONG, name: 'Dup' } })).status).toBe(200);
    const dup = await api(s, 'POST', '/api/auth/register', { body: { email: email.toUpperCase(), password: STRONG, name: 'Dup' } });
    expect(dup.status).toBe(409);
    expect(dup.body).toEqual({ error: 'Email already registered.', details: { email: expect.any(String) } });
    clean(dup.text);

    const missing = await api(s, 'POST', '/api/auth/register', { body: { email: `${unique()}@example.test`, password: STRONG } });
    expect(missing.status).toBe(400);
    expect(missing.body).toEqual({ error: 'Name, email, and password are required.', details: { name: 'is required' } });
    expect((await api(s, 'POST', '/api/auth/register', { body: {} })).body.details).toEqual({ name: 'is required', email: 'is required', password: 'is required' });

    const badEmail = await api(s, 'POST', '/api/auth/register', { body: { email: 'not-an-email', password: STRONG, name: 'X' } });
    expect(badEmail.status).toBe(400);
    expect(badEmail.body.error).toBe('Please enter a valid email address.');

    for (const weak of [WEAK, 'Short1!', 'NOLOWER1!', 'noupper1!', 'NoDigits!!', 'NoSpecial12']) {
      const res = await api(s, 'POST', '/api/auth/register', { body: { email: `${unique()}@example.test`, password: weak, name: 'Weak' } });
      expect(res.status).toBe(400);
      expect(res.body.error).toMatch(/^Password must meet all security requirements/);
      expect(res.body.details).toEqual({ password: expect.any(String) });
    }

    const malformed = await api(s, 'POST', '/api/auth/register', { rawBody: '{"email": ', headers: { 'content-type': 'application/json' } });
    expect(malformed.status).toBe(400);
    expect(malformed.body).toEqual({ error: expect.any(String) });
    // extra fields are ignored
    const extra = await api(s, 'POST', '/api/auth/register', { body: { email: `${unique()}@example.test`, password: STRONG, name: 'Extra', role: 'ADMIN', isAdmin: true } });
    expect(extra.status).toBe(200);
    expect(extra.body.madeSuperAdmin).toBe(false);
  });

  it("the graph applies conduct's password rule to registrations through CONDUCT too", async () => {
    const res = await s.gql(`mutation { register(input: { email: "${unique()}@example.test", password: "${WEAK}" }, application: CONDUCT) { id } }`);
    expect(res.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(res.errors?.[0].message).toMatch(/^Password must meet all security requirements/);
  });

  it('logs in with {email, password}: the cookie and {message, user}; bad credentials 401, missing fields 400', async () => {
    const u = await conductUser(s, { email: `${unique('Log')}@Example.test` });
    const res = await api(s, 'POST', '/api/auth/login', { body: { email: u.email.toUpperCase(), password: u.password } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ message: 'Logged in!', user: { id: u.id, email: u.email, name: u.name } });
    const setCookie = res.headers.getSetCookie().join('\n');
    expect(setCookie).toMatch(/session=/);
    expect(setCookie).toMatch(/HttpOnly/i);

    const wrong = await api(s, 'POST', '/api/auth/login', { body: { email: u.email, password: 'Wr0ng!password' } });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toEqual({ error: 'Incorrect email or password.' });
    const unknown = await api(s, 'POST', '/api/auth/login', { body: { email: 'nobody@example.test', password: STRONG } });
    expect(unknown.status).toBe(401);
    expect(unknown.body).toEqual(wrong.body);
    const missing = await api(s, 'POST', '/api/auth/login', { body: { email: u.email } });
    expect(missing.status).toBe(400);
    expect(missing.body).toEqual({ error: 'Email and password are required.', details: { password: 'is required' } });
    expect((await api(s, 'POST', '/api/auth/login', { rawBody: 'email=x', headers: { 'content-type': 'application/json' } })).status).toBe(400);
  });

  it('answers the session on its three paths and the alias, anonymous or signed in, with role names', async () => {
    const u = await conductUser(s);
    for (const path of ['/api/session', '/api/auth/session', '/session', '/auth/session']) {
      const anonymous = await api(s, 'GET', path);
      expect(anonymous.status).toBe(200);
      expect(anonymous.body).toEqual({ authenticated: false });
      const signedIn = await api(s, 'GET', path, { cookie: u.cookie });
      expect(signedIn.body).toEqual({ authenticated: true, user: { id: u.id, email: u.email, name: u.name, avatarUrl: null, roles: [] } });
    }
    // a Bearer-less garbage cookie is anonymous, not an error
    expect((await api(s, 'GET', '/api/session', { cookie: 'session=garbage' })).body).toEqual({ authenticated: false });

    const a = await seedEvent(s);
    const b = await seedEvent(s);
    await grantEventRole(s, u.id, a.id, 'Reporter');
    await grantEventRole(s, u.id, b.id, 'Admin');
    await grantEventRole(s, u.id, b.id, 'Responder');
    const roles = (await api(s, 'GET', '/session', { cookie: u.cookie })).body.user.roles;
    expect(roles).toEqual(['Event Admin', 'Admin', 'Responder', 'Reporter']);
  });

  it('logs out: 200 {message}, the session is revoked server-side (the old cookie is anonymous)', async () => {
    const u = await conductUser(s);
    const out = await api(s, 'POST', '/api/auth/logout', { cookie: u.cookie });
    expect(out.status).toBe(200);
    expect(out.body).toEqual({ message: 'Logged out!' });
    expect(out.headers.getSetCookie().join('\n')).toMatch(/session=;/);
    expect((await api(s, 'GET', '/api/session', { cookie: u.cookie })).body).toEqual({ authenticated: false });
    // the dead cookie no longer signs anything in
    const again = await api(s, 'POST', '/api/auth/logout', { cookie: u.cookie });
    expect(again.status).toBe(401);
    expect(again.body).toEqual({ error: expect.any(String) });
    // the alias path works the same
    const cookie = await loginCookie(s, u.email, u.password);
    expect((await api(s, 'POST', '/auth/logout', { cookie })).status).toBe(200);
  });

  it('refuses sign-in to an account whose conduct enrollment a platform admin disabled', async () => {
    const u = await conductUser(s);
    const adminToken = (await s.gql(`mutation { login(input: { login: "${superAdmin.email}", password: "${superAdmin.password}" }) { token } }`)).data as {
      login: { token: string };
    };
    const off = await s.gql(TestSetEnrollmentDocument, { userId: u.id, application: 'CONDUCT', status: 'DISABLED' }, { token: adminToken.login.token });
    expect(off.errors).toBeUndefined();
    const res = await api(s, 'POST', '/api/auth/login', { body: { email: u.email, password: u.password } });
    expect(res.status).toBe(403);
    expect(res.body).toEqual({ error: expect.any(String) });
  });

  it('check-email: {available} in any case; 400 without or with a malformed email', async () => {
    const u = await conductUser(s);
    expect((await api(s, 'GET', `/api/auth/check-email?email=${encodeURIComponent(u.email.toUpperCase())}`)).body).toEqual({ available: false });
    expect((await api(s, 'GET', `/api/auth/check-email?email=${unique()}@example.test`)).body).toEqual({ available: true });
    expect((await api(s, 'GET', `/auth/check-email?email=${unique()}@example.test`)).body).toEqual({ available: true });
    const none = await api(s, 'GET', '/api/auth/check-email');
    expect(none.status).toBe(400);
    expect(none.body).toEqual({ error: 'Email is required.', details: { email: 'is required' } });
    expect((await api(s, 'GET', '/api/auth/check-email?email=nope')).status).toBe(400);
  });
});

describe('conduct registration with an invite', () => {
  let s: TestServer;
  beforeAll(async () => {
    ({ s } = await conductServer());
  });
  afterAll(() => s.close());

  it("201 {message, user}: the account gets the invite's role, the use is counted and audited", async () => {
    const event = await seedEvent(s);
    const invite = await seedInvite(s, { eventId: event.id }, { role: 'Responder', maxUses: 2 });
    const email = `${unique('inv')}@example.test`;
    const res = await api(s, 'POST', `/api/auth/register/invite/${invite.code}`, { body: { email, password: STRONG, name: 'Invited' } });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ message: expect.any(String), user: { id: expect.any(String), email, name: 'Invited' } });
    const cookie = await loginCookie(s, email, STRONG);
    expect((await api(s, 'GET', '/api/session', { cookie })).body.user.roles).toEqual(['Responder']);
    const [row] = await sql<{ use_count: number }>(s, 'select use_count from conduct_invites where id = $1', [invite.id]);
    expect(row.use_count).toBe(1);
    const logs = await sql<{ action: string; actor_id: string; event_id: string; target_type: string }>(
      s,
      'select action, actor_id, event_id, target_type from conduct_audit_logs where target_id = $1',
      [invite.id],
    );
    expect(logs).toEqual([{ action: 'use_invite', actor_id: res.body.user.id, event_id: event.id, target_type: 'Invite' }]);

    // an Admin invite lists both names; the name may be left out (upstream); the /auth alias works
    const adminInvite = await seedInvite(s, { eventId: event.id }, { role: 'Admin' });
    const email2 = `${unique('inv')}@example.test`;
    expect((await api(s, 'POST', `/auth/register/invite/${adminInvite.code}`, { body: { email: email2, password: STRONG } })).status).toBe(201);
    const cookie2 = await loginCookie(s, email2, STRONG);
    expect((await api(s, 'GET', '/api/session', { cookie: cookie2 })).body.user.roles).toEqual(['Event Admin', 'Admin']);
  });

  it('400 for an unknown, disabled, expired or used-up code (nothing is created); 409 for a taken email; 400 missing or weak', async () => {
    const event = await seedEvent(s);
    const cases: [string, string][] = [
      ['does-not-exist', 'Invalid or disabled invite link.'],
      [(await seedInvite(s, { eventId: event.id }, { disabled: true })).code, 'Invalid or disabled invite link.'],
      [(await seedInvite(s, { eventId: event.id }, { expiresAt: new Date(Date.now() - 1000) })).code, 'Invite link has expired.'],
      [(await seedInvite(s, { eventId: event.id }, { maxUses: 1, useCount: 1 })).code, 'Invite link has reached its maximum uses.'],
    ];
    for (const [code, error] of cases) {
      const email = `${unique('bad')}@example.test`;
      const res = await api(s, 'POST', `/api/auth/register/invite/${code}`, { body: { email, password: STRONG, name: 'Bad' } });
      expect(res.status).toBe(400);
      expect(res.body.error).toBe(error);
      // the registration rolled back with the refusal
      expect((await api(s, 'POST', '/api/auth/login', { body: { email, password: STRONG } })).status).toBe(401);
    }
    const good = await seedInvite(s, { eventId: event.id }, { maxUses: 1 });
    const taken = await conductUser(s);
    const conflict = await api(s, 'POST', `/api/auth/register/invite/${good.code}`, { body: { email: taken.email, password: STRONG, name: 'Again' } });
    expect(conflict.status).toBe(409);
    expect(conflict.body).toEqual({ error: 'Email already registered.', details: { email: expect.any(String) } });
    const missing = await api(s, 'POST', `/api/auth/register/invite/${good.code}`, { body: { email: `${unique()}@example.test` } });
    expect(missing.status).toBe(400);
    expect(missing.body.error).toBe('Email and password are required.');
    const weak = await api(s, 'POST', `/api/auth/register/invite/${good.code}`, { body: { email: `${unique()}@example.test`, password: WEAK } });
    expect(weak.status).toBe(400);
    // none of these used the invite
    const [row] = await sql<{ use_count: number }>(s, 'select use_count from conduct_invites where id = (select id from conduct_invites where code = $1)', [good.code]);
    expect(row.use_count).toBe(0);
  });
});

describe('conduct password reset by link', () => {
  let s: TestServer;
  let superAdmin: ConductUser;
  beforeAll(async () => {
    ({ s, superAdmin } = await conductServer({ PUBLIC_URL: 'https://conduct.example.test' }));
  });
  afterAll(() => s.close());

  async function resetToken(email: string): Promise<string> {
    const res = await api(s, 'POST', '/api/auth/forgot-password', { body: { email } });
    expect(res.status).toBe(200);
    const mails = await outbox(s, superAdmin, email.toLowerCase());
    const link = /https:\/\/conduct\.example\.test\/reset-password\?token=([A-Za-z0-9_-]+)/.exec(mails[0]?.text ?? '');
    expect(link).not.toBeNull();
    return link![1];
  }

  it('mails a single-use link valid 30 minutes (no temporary password); the same answer for unknown addresses', async () => {
    const u = await conductUser(s);
    const known = await api(s, 'POST', '/api/auth/forgot-password', { body: { email: u.email } });
    const unknownEmail = `${unique('nobody')}@example.test`;
    const unknown = await api(s, 'POST', '/api/auth/forgot-password', { body: { email: unknownEmail } });
    expect(known.status).toBe(200);
    expect(unknown.status).toBe(200);
    expect(known.body).toEqual({ message: "If an account with that email exists, we've sent a password reset link." });
    expect(unknown.body).toEqual(known.body);
    expect(await outbox(s, superAdmin, unknownEmail)).toEqual([]);
    const [mail] = await outbox(s, superAdmin, u.email);
    expect(mail.text).toMatch(/reset-password\?token=/);
    expect(mail.text).toMatch(/30 minutes/);
    expect(mail.text).not.toMatch(/temporary password/i);

    expect((await api(s, 'POST', '/api/auth/forgot-password', { body: {} })).body).toEqual({ error: 'Email is required.', details: { email: 'is required' } });
    expect((await api(s, 'POST', '/api/auth/forgot-password', { body: { email: 'nope' } })).status).toBe(400);
  });

  it('validates the token, resets with {token, password} (frontend) once; the old password stops working', async () => {
    const u = await conductUser(s);
    const token = await resetToken(u.email);
    const valid = await api(s, 'GET', `/api/auth/validate-reset-token?token=${token}`);
    expect(valid.status).toBe(200);
    expect(valid.body).toEqual({ valid: true, email: u.email, expiresAt: expect.any(String) });
    const minutes = (Date.parse(valid.body.expiresAt) - Date.now()) / 60000;
    expect(minutes).toBeGreaterThan(28);
    expect(minutes).toBeLessThanOrEqual(30);

    const weak = await api(s, 'POST', '/auth/reset-password', { body: { token, password: WEAK } });
    expect(weak.status).toBe(400);
    expect(weak.body.error).toMatch(/^Password must meet all security requirements/);

    const next = 'N3w!password';
    const done = await api(s, 'POST', '/auth/reset-password', { body: { token, password: next } });
    expect(done.status).toBe(200);
    expect(done.body).toEqual({ message: expect.any(String) });
    expect((await api(s, 'POST', '/api/auth/login', { body: { email: u.email, password: u.password } })).status).toBe(401);
    expect((await api(s, 'POST', '/api/auth/login', { body: { email: u.email, password: next } })).status).toBe(200);
    // the old session ended with the reset
    expect((await api(s, 'GET', '/api/session', { cookie: u.cookie })).body).toEqual({ authenticated: false });

    const used = await api(s, 'GET', `/auth/validate-reset-token?token=${token}`);
    expect(used.status).toBe(400);
    expect(used.body).toEqual({ valid: false, error: 'Reset token has already been used.' });
    const again = await api(s, 'POST', '/api/auth/reset-password', { body: { token, newPassword: 'An0ther!password' } });
    expect(again.status).toBe(400);
    expect(again.body).toEqual({ error: expect.any(String), details: { token: expect.any(String) } });
  });

  it('resets with {token, newPassword} (document); unknown and expired tokens are 400 {valid: false, error}; missing fields 400', async () => {
    const u = await conductUser(s);
    const token = await resetToken(u.email);
    expect((await api(s, 'POST', '/api/auth/reset-password', { body: { token, newPassword: 'D0c!password' } })).status).toBe(200);
    expect((await api(s, 'POST', '/api/auth/login', { body: { email: u.email, password: 'D0c!password' } })).status).toBe(200);

    const unknown = await api(s, 'GET', '/api/auth/validate-reset-token?token=nonsense');
    expect(unknown.status).toBe(400);
    expect(unknown.body).toEqual({ valid: false, error: 'Invalid reset token.' });

    const v = await conductUser(s);
    const expiring = await resetToken(v.email);
    await sql(s, "update password_resets set expires_at = now() - interval '1 minute' where user_id = $1 and used_at is null", [v.id]);
    expect((await api(s, 'GET', `/api/auth/validate-reset-token?token=${expiring}`)).body).toEqual({ valid: false, error: 'Reset token has expired.' });
    expect((await api(s, 'POST', '/api/auth/reset-password', { body: { token: expiring, newPassword: 'Exp1red!pass' } })).status).toBe(400);

    const noToken = await api(s, 'GET', '/api/auth/validate-reset-token');
    expect(noToken.status).toBe(400);
    expect(noToken.body).toEqual({ error: 'Token is required.', details: { token: 'is required' } });
    const missing = await api(s, 'POST', '/api/auth/reset-password', { body: { token: 'x' } });
    expect(missing.status).toBe(400);
    expect(missing.body).toEqual({ error: 'Token and password are required.', details: { password: 'is required' } });
    expect((await api(s, 'POST', '/api/auth/reset-password', { body: { newPassword: 'D0c!password' } })).body.details).toEqual({ token: 'is required' });
  });
});

describe('COMPAT_ROOT=conduct', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ COMPAT_ROOT: 'conduct' });
  });
  afterAll(() => s.close());

  it('serves the conduct surface at the root too', async () => {
    expect((await s.rest('GET', '/')).body).toEqual({ firstUserNeeded: true });
    expect((await s.rest('GET', '/health')).body.status).toBe('ok');
    const reg = await s.rest('POST', '/api/auth/register', { body: { email: 'root@example.test', password: STRONG, name: 'Root' } });
    expect(reg.status).toBe(200);
    const login = await s.rest('POST', '/api/auth/login', { body: { email: 'root@example.test', password: STRONG } });
    const cookie = cookieFrom(login.headers)!;
    expect((await s.rest('GET', '/session', { cookie })).body.user.roles).toEqual(['SuperAdmin']);
    expect((await s.rest('GET', '/api/session')).body).toEqual({ authenticated: false });
    // and still under /conduct
    expect((await s.rest('GET', '/conduct/api/session', { cookie })).body.authenticated).toBe(true);
    // an unknown path is 404 in the envelope
    const missing = await s.rest('GET', '/api/nothing-here');
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ error: expect.any(String) });
  });
});
