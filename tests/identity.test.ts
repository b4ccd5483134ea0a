/** Shared identity end to end over GraphQL: registration, login, sessions, passwords, 2FA, admin. */
import { codeAt, currentStep } from '../src/auth/totp';
import {
  IdentityTestActivateTwoFactorDocument,
  IdentityTestActivateZerosDocument,
  IdentityTestChangePasswordDocument,
  IdentityTestChangePasswordShortDocument,
  IdentityTestChangePasswordWrongOldDocument,
  IdentityTestCreateUserDocument,
  IdentityTestCreateUserRoleDocument,
  IdentityTestCreateUserWithUrlDocument,
  IdentityTestDeactivateDocument,
  IdentityTestDeleteMyAccountDocument,
  IdentityTestDisableTwoFactorDocument,
  IdentityTestDisableTwoFactorWrongDocument,
  IdentityTestForcePasswordChangeDocument,
  IdentityTestForcedChangeDocument,
  IdentityTestLoginDocument,
  IdentityTestMeDocument,
  IdentityTestOutboxDocument,
  IdentityTestPromoteRoleDocument,
  IdentityTestRegisterBadEmailDocument,
  IdentityTestRegisterEmailDocument,
  IdentityTestRegisterEmailLongDocument,
  IdentityTestRegisterNamedDocument,
  IdentityTestRegisterPasswordOnlyDocument,
  IdentityTestRegisterRoleDocument,
  IdentityTestRegisterShortPasswordDocument,
  IdentityTestRenameDocument,
  IdentityTestRenameXDocument,
  IdentityTestRequestResetUnknownDocument,
  IdentityTestResetPasswordAgainDocument,
  IdentityTestResetPasswordFirstDocument,
  IdentityTestSearchUsersDocument,
  IdentityTestSetupTwoFactorDocument,
  IdentityTestSetupTwoFactorSecretDocument,
  IdentityTestUpdateProfileUrlDocument,
  IdentityTestUpdateSettingsBadDocument,
  IdentityTestUpdateSettingsDocument,
  IdentityTestUsersDocument,
  TestDeactivateDocument,
  TestDeleteUserDocument,
  TestDemoteDocument,
  TestForcePasswordChangeDocument,
  TestLogoutDocument,
  TestPromoteDocument,
  TestRegisterUsernameDocument,
  TestRequestPasswordResetDocument,
  TestUserByIdDocument,
} from '../src/generated/graphql';
import { createUser, GqlResult, loginToken, RequestAuth, serverWithAdmin, TestServer, TestUser, unique, startTestServer } from './support/server';

// This file's operations; codegen generates the typed `IdentityTest…Document`s used below from them
// (operations several files send are in ./support/operations.ts).
/* GraphQL */ `
  query IdentityTestMe { me { id username email role isActive mustChangePassword language emailLanguage twoFactorEnabled } }
  mutation IdentityTestLogin($input: LoginInput!) { login(input: $input) { token requiresTwoFactor expiresAt user { id username role } } }
  mutation IdentityTestRegisterPasswordOnly { register(input: { password: "longenough" }) { id } }
  mutation IdentityTestRegisterShortPassword($u: String!) { register(input: { username: $u, password: "short" }) { id } }
  mutation IdentityTestRegisterBadEmail { register(input: { email: "not-an-email", password: "longenough" }) { id } }
  mutation IdentityTestRegisterEmail($e: String!) { register(input: { email: $e, password: "longenough" }) { id } }
  mutation IdentityTestRegisterRole($u: String!) { register(input: { username: $u, password: "longenough" }) { role } }
  mutation IdentityTestDeactivate($id: ID!) { setUserActive(id: $id, active: false) { isActive } }
  mutation IdentityTestChangePassword($o: String, $n: String!) { changePassword(oldPassword: $o, newPassword: $n) }
  mutation IdentityTestChangePasswordWrongOld { changePassword(oldPassword: "nope-nope", newPassword: "long enough now") }
  mutation IdentityTestChangePasswordShort($o: String) { changePassword(oldPassword: $o, newPassword: "short") }
  query IdentityTestOutbox($to: String) { mailOutbox(to: $to) { to subject text createdAt } }
  mutation IdentityTestRequestResetUnknown { requestPasswordReset(email: "nobody@example.test") }
  mutation IdentityTestForcedChange { changePassword(newPassword: "chosen after temp") }
  mutation IdentityTestResetPasswordFirst($t: String!) { resetPassword(token: $t, newPassword: "reset password 1") }
  mutation IdentityTestResetPasswordAgain($t: String!) { resetPassword(token: $t, newPassword: "reset password 2") }
  mutation IdentityTestSetupTwoFactor { setupTwoFactor { secret otpauthUrl qrCode } }
  mutation IdentityTestActivateZeros { activateTwoFactor(code: "000000") }
  mutation IdentityTestActivateTwoFactor($c: String!) { activateTwoFactor(code: $c) }
  mutation IdentityTestDisableTwoFactorWrong { disableTwoFactor(password: "not it at all") }
  mutation IdentityTestDisableTwoFactor($p: String!) { disableTwoFactor(password: $p) }
  mutation IdentityTestSetupTwoFactorSecret { setupTwoFactor { secret } }
  mutation IdentityTestUpdateSettings { updateSettings(language: "de", emailLanguage: "fr") { language emailLanguage } }
  mutation IdentityTestUpdateSettingsBad { updateSettings(language: "not a language") { language } }
  mutation IdentityTestDeleteMyAccount { deleteMyAccount }
  query IdentityTestUsers($f: UserFilter, $l: Int, $o: Int) { users(filter: $f, limit: $l, offset: $o) { total limit offset items { id username role isActive } } }
  mutation IdentityTestRenameX($id: ID!) { updateUser(id: $id, input: { name: "x" }) { id } }
  mutation IdentityTestCreateUserRole($u: String!) { createUser(input: { username: $u, password: "longenough", role: USER }) { id role } }
  mutation IdentityTestCreateUser($u: String!) { createUser(input: { username: $u, password: "longenough" }) { id } }
  mutation IdentityTestRename($id: ID!) { updateUser(id: $id, input: { name: "Renamed", language: "nl" }) { name language } }
  mutation IdentityTestPromoteRole($id: ID!) { setUserRole(id: $id, role: ADMIN) { role } }
  mutation IdentityTestForcePasswordChange($id: ID!) { forcePasswordChange(id: $id) { mustChangePassword } }
  mutation IdentityTestRegisterNamed($n: String!, $u: String!) { register(input: { username: $u, name: $n, password: "password1234" }) { id } }
  mutation IdentityTestRegisterEmailLong($e: String!) { register(input: { email: $e, password: "password1234" }) { id } }
  query IdentityTestSearchUsers($q: String) { users(filter: { search: $q }) { total } }
  mutation IdentityTestCreateUserWithUrl($u: String!, $p: String!) { createUser(input: { username: $u, password: "password1234", profileUrl: $p }) { id } }
  mutation IdentityTestUpdateProfileUrl($id: ID!, $p: String!) { updateUser(id: $id, input: { profileUrl: $p }) { id } }
`;

let s: TestServer;
let admin: TestUser;

beforeAll(async () => {
  ({ s, admin } = await serverWithAdmin());
});
afterAll(() => s.close());

function codeOf(res: { errors?: { extensions?: { code?: string } }[] }): string | undefined {
  return res.errors?.[0]?.extensions?.code;
}

describe('register', () => {
  it('makes the first user of a fresh database ADMIN and later ones USER', async () => {
    expect(admin.role).toBe('ADMIN');
    const u = await createUser(s);
    expect(u.role).toBe('USER');
  });

  it('requires a username or an email and a password of at least 8 characters', async () => {
    const none = await s.gql(IdentityTestRegisterPasswordOnlyDocument);
    expect(codeOf(none)).toBe('BAD_USER_INPUT');
    const short = await s.gql(IdentityTestRegisterShortPasswordDocument, { u: unique() });
    expect(codeOf(short)).toBe('BAD_USER_INPUT');
    expect(short.errors![0].message).toMatch(/at least 8/);
    const badEmail = await s.gql(IdentityTestRegisterBadEmailDocument);
    expect(codeOf(badEmail)).toBe('BAD_USER_INPUT');
  });

  it('refuses a username or email taken case-insensitively, without leaking SQL', async () => {
    const u = await createUser(s);
    const dupName = await s.gql(TestRegisterUsernameDocument, { u: u.username.toUpperCase() });
    expect(codeOf(dupName)).toBe('CONFLICT');
    const dupMail = await s.gql(IdentityTestRegisterEmailDocument, { e: u.email.toUpperCase() });
    expect(codeOf(dupMail)).toBe('CONFLICT');
    for (const r of [dupName, dupMail]) {
      const text = JSON.stringify(r.errors);
      expect(text).not.toMatch(/insert|select|argon2|violates|constraint/i);
    }
  });

  it('turns a concurrent duplicate (unique violation in the database) into CONFLICT, never SQL', async () => {
    const username = unique('race');
    const results = await Promise.all(Array.from({ length: 4 }, () => s.gql(TestRegisterUsernameDocument, { u: username })));
    const ok = results.filter((r) => r.data?.register);
    expect(ok).toHaveLength(1);
    for (const r of results.filter((x) => x.errors)) {
      expect(codeOf(r)).toBe('CONFLICT');
      expect(JSON.stringify(r.errors)).not.toMatch(/insert|argon2|\$argon|violates/i);
    }
  });
});

describe('first user', () => {
  it('makes exactly one ADMIN when the first registrations arrive at once', async () => {
    const fresh = await startTestServer();
    try {
      const results = await Promise.all(Array.from({ length: 5 }, () => fresh.gql(IdentityTestRegisterRoleDocument, { u: unique('first') })));
      const roles = results.map((r) => r.data!.register.role).sort();
      expect(roles).toEqual(['ADMIN', 'USER', 'USER', 'USER', 'USER']);
    } finally {
      await fresh.close();
    }
  });
});

describe('login', () => {
  it('logs in by username or email and returns a token, the user and the session cookie', async () => {
    const u = await createUser(s);
    const byName = await s.gql(IdentityTestLoginDocument, { input: { login: u.username, password: u.password } });
    expect(byName.data!.login.token).toEqual(expect.any(String));
    expect(byName.data!.login.requiresTwoFactor).toBe(false);
    expect(byName.data!.login.user!.id).toBe(u.id);
    const cookie = byName.headers.getSetCookie().find((c) => c.startsWith('session='));
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    const byEmail = await s.gql(IdentityTestLoginDocument, { input: { login: u.email.toUpperCase(), password: u.password } });
    expect(byEmail.data!.login.user!.id).toBe(u.id);
    const me = await s.gql(IdentityTestMeDocument, {}, { token: byEmail.data!.login.token! });
    expect(me.data!.me.username).toBe(u.username);
  });

  it('gives the same UNAUTHENTICATED error for a wrong password and an unknown account', async () => {
    const u = await createUser(s);
    const wrong = await s.gql(IdentityTestLoginDocument, { input: { login: u.username, password: 'wrong-password' } });
    const unknown = await s.gql(IdentityTestLoginDocument, { input: { login: unique('ghost'), password: 'wrong-password' } });
    expect(codeOf(wrong)).toBe('UNAUTHENTICATED');
    expect(codeOf(unknown)).toBe('UNAUTHENTICATED');
    expect(wrong.errors![0].message).toBe(unknown.errors![0].message);
  });

  it('refuses an inactive user with FORBIDDEN only after the password checked', async () => {
    const u = await createUser(s);
    const off = await s.gql(IdentityTestDeactivateDocument, { id: u.id }, { token: admin.token });
    expect(off.data!.setUserActive.isActive).toBe(false);
    const right = await s.gql(IdentityTestLoginDocument, { input: { login: u.username, password: u.password } });
    expect(codeOf(right)).toBe('FORBIDDEN');
    const wrong = await s.gql(IdentityTestLoginDocument, { input: { login: u.username, password: 'not-the-password' } });
    expect(codeOf(wrong)).toBe('UNAUTHENTICATED');
    // deactivation ended the user's existing sessions
    const me = await s.gql(IdentityTestMeDocument, {}, { token: u.token });
    expect(codeOf(me)).toBe('UNAUTHENTICATED');
  });
});

describe('sessions', () => {
  it('logout revokes the session: the same token is refused afterwards', async () => {
    const u = await createUser(s);
    expect((await s.gql(IdentityTestMeDocument, {}, { token: u.token })).data!.me.id).toBe(u.id);
    const out = await s.gql(TestLogoutDocument, {}, { token: u.token });
    expect(out.data!.logout).toBe(true);
    expect(codeOf(await s.gql(IdentityTestMeDocument, {}, { token: u.token }))).toBe('UNAUTHENTICATED');
  });

  it('changePassword keeps the current session and revokes the others', async () => {
    const u = await createUser(s);
    const other = await loginToken(s, u.username, u.password);
    const res = await s.gql(IdentityTestChangePasswordDocument, { o: u.password, n: 'a brand new password' }, { token: u.token });
    expect(res.data!.changePassword).toBe(true);
    expect((await s.gql(IdentityTestMeDocument, {}, { token: u.token })).data!.me.id).toBe(u.id);
    expect(codeOf(await s.gql(IdentityTestMeDocument, {}, { token: other }))).toBe('UNAUTHENTICATED');
    await expect(loginToken(s, u.username, u.password)).rejects.toThrow();
    await expect(loginToken(s, u.username, 'a brand new password')).resolves.toEqual(expect.any(String));
  });

  it('changePassword refuses a wrong old password and a short new one', async () => {
    const u = await createUser(s);
    const wrong = await s.gql(IdentityTestChangePasswordWrongOldDocument, {}, { token: u.token });
    expect(codeOf(wrong)).toBe('UNAUTHENTICATED');
    const short = await s.gql(IdentityTestChangePasswordShortDocument, { o: u.password }, { token: u.token });
    expect(codeOf(short)).toBe('BAD_USER_INPUT');
  });
});

describe('password reset', () => {
  it('always succeeds, and mails a single-use token (30 min) and a temporary password (24 h, one login, forced change)', async () => {
    const u = await createUser(s);
    const unknown = await s.gql(IdentityTestRequestResetUnknownDocument);
    expect(unknown.data!.requestPasswordReset).toBe(true);
    const res = await s.gql(TestRequestPasswordResetDocument, { e: u.email });
    expect(res.data!.requestPasswordReset).toBe(true);
    const box = await s.gql(IdentityTestOutboxDocument, { to: u.email }, { token: admin.token });
    expect(box.data!.mailOutbox).toHaveLength(1);
    const text: string = box.data!.mailOutbox[0].text;
    const token = /Reset token[^:]*: (\S+)/.exec(text)![1];
    const temp = /Temporary password[^:]*: (\S+)/.exec(text)![1];

    // the temporary password logs in once and forces a change
    const first = await s.gql(IdentityTestLoginDocument, { input: { login: u.username, password: temp } });
    expect(first.data!.login.token).toBeTruthy();
    const me = await s.gql(IdentityTestMeDocument, {}, { token: first.data!.login.token! });
    expect(me.data!.me.mustChangePassword).toBe(true);
    expect(codeOf(await s.gql(IdentityTestLoginDocument, { input: { login: u.username, password: temp } }))).toBe('UNAUTHENTICATED');
    // a forced change does not need the old password
    const change = await s.gql(IdentityTestForcedChangeDocument, {}, { token: first.data!.login.token! });
    expect(change.data!.changePassword).toBe(true);

    // the reset token works once and ends every session
    const reset = await s.gql(IdentityTestResetPasswordFirstDocument, { t: token });
    expect(reset.data!.resetPassword).toBe(true);
    expect(codeOf(await s.gql(IdentityTestMeDocument, {}, { token: first.data!.login.token! }))).toBe('UNAUTHENTICATED');
    const again = await s.gql(IdentityTestResetPasswordAgainDocument, { t: token });
    expect(codeOf(again)).toBe('BAD_USER_INPUT');
    await expect(loginToken(s, u.username, 'reset password 1')).resolves.toBeTruthy();
  });

  it('keeps the outbox for admins only', async () => {
    const u = await createUser(s);
    expect(codeOf(await s.gql(IdentityTestOutboxDocument, {}, { token: u.token }))).toBe('FORBIDDEN');
    expect(codeOf(await s.gql(IdentityTestOutboxDocument, {}))).toBe('UNAUTHENTICATED');
  });
});

describe('two-factor authentication', () => {
  it('sets up, activates, requires the code at login, refuses a reused code, and disables', async () => {
    const u = await createUser(s);
    const setup = await s.gql(IdentityTestSetupTwoFactorDocument, {}, { token: u.token });
    const { secret, otpauthUrl, qrCode } = setup.data!.setupTwoFactor;
    expect(otpauthUrl).toMatch(/^otpauth:\/\/totp\//);
    expect(qrCode).toMatch(/^data:image\/png;base64,/);
    const bad = await s.gql(IdentityTestActivateZerosDocument, {}, { token: u.token });
    // 000000 could be the right code once in a million runs; any other wrong code is refused the same way
    if (codeAt(secret, currentStep()) !== '000000') expect(codeOf(bad)).toBe('BAD_USER_INPUT');
    const step = currentStep();
    const act = await s.gql(IdentityTestActivateTwoFactorDocument, { c: codeAt(secret, step) }, { token: u.token });
    expect(act.data!.activateTwoFactor).toBe(true);

    const noCode = await s.gql(IdentityTestLoginDocument, { input: { login: u.username, password: u.password } });
    expect(noCode.data!.login).toEqual(expect.objectContaining({ token: null, requiresTwoFactor: true, user: null }));
    // the activation code's step is spent; the next step's code works once
    const reused = await s.gql(IdentityTestLoginDocument, { input: { login: u.username, password: u.password, code: codeAt(secret, step) } });
    expect(codeOf(reused)).toBe('UNAUTHENTICATED');
    const next = codeAt(secret, step + 1);
    const ok = await s.gql(IdentityTestLoginDocument, { input: { login: u.username, password: u.password, code: next } });
    expect(ok.data!.login.token).toBeTruthy();
    const twice = await s.gql(IdentityTestLoginDocument, { input: { login: u.username, password: u.password, code: next } });
    expect(codeOf(twice)).toBe('UNAUTHENTICATED');

    const wrongPw = await s.gql(IdentityTestDisableTwoFactorWrongDocument, {}, { token: ok.data!.login.token! });
    expect(codeOf(wrongPw)).toBe('UNAUTHENTICATED');
    const off = await s.gql(IdentityTestDisableTwoFactorDocument, { p: u.password }, { token: ok.data!.login.token! });
    expect(off.data!.disableTwoFactor).toBe(true);
    expect((await s.gql(IdentityTestLoginDocument, { input: { login: u.username, password: u.password } })).data!.login.token).toBeTruthy();
  });
});

describe('two-factor codes under concurrency', () => {
  it('lets one of several simultaneous logins use a code, never more', async () => {
    const u = await createUser(s);
    const { secret } = (await s.gql(IdentityTestSetupTwoFactorSecretDocument, {}, { token: u.token })).data!.setupTwoFactor;
    const step = currentStep();
    await s.gql(IdentityTestActivateTwoFactorDocument, { c: codeAt(secret, step) }, { token: u.token });
    const code = codeAt(secret, step + 1);
    const results = await Promise.all(Array.from({ length: 4 }, () => s.gql(IdentityTestLoginDocument, { input: { login: u.username, password: u.password, code } })));
    expect(results.filter((r) => r.data?.login?.token)).toHaveLength(1);
    expect(results.filter((r) => codeOf(r) === 'UNAUTHENTICATED')).toHaveLength(3);
  });
});

describe('self-service', () => {
  it('updates language settings and validates them', async () => {
    const u = await createUser(s);
    const ok = await s.gql(IdentityTestUpdateSettingsDocument, {}, { token: u.token });
    expect(ok.data!.updateSettings).toEqual({ language: 'de', emailLanguage: 'fr' });
    const bad = await s.gql(IdentityTestUpdateSettingsBadDocument, {}, { token: u.token });
    expect(codeOf(bad)).toBe('BAD_USER_INPUT');
  });

  it('deleteMyAccount anonymises the account and makes login impossible', async () => {
    const u = await createUser(s);
    const del = await s.gql(IdentityTestDeleteMyAccountDocument, {}, { token: u.token });
    expect(del.data!.deleteMyAccount).toBe(true);
    expect(codeOf(await s.gql(IdentityTestMeDocument, {}, { token: u.token }))).toBe('UNAUTHENTICATED');
    expect(codeOf(await s.gql(IdentityTestLoginDocument, { input: { login: u.username, password: u.password } }))).toBe('UNAUTHENTICATED');
    // the username is free again
    await expect(createUser(s, { username: u.username })).resolves.toBeTruthy();
  });
});

describe('administration', () => {
  it('lists users with filters, search and pagination', async () => {
    const tag = unique('srch');
    for (let i = 0; i < 3; i++) await createUser(s, { username: `${tag}x${i}` });
    const page = await s.gql(IdentityTestUsersDocument, { f: { search: tag.toUpperCase() }, l: 2, o: 0 }, { token: admin.token });
    expect(page.data!.users.total).toBe(3);
    expect(page.data!.users.items).toHaveLength(2);
    const rest = await s.gql(IdentityTestUsersDocument, { f: { search: tag }, l: 2, o: 2 }, { token: admin.token });
    expect(rest.data!.users.items).toHaveLength(1);
    const admins = await s.gql(IdentityTestUsersDocument, { f: { role: 'ADMIN' } }, { token: admin.token });
    expect(admins.data!.users.items.every((x: { role: string }) => x.role === 'ADMIN')).toBe(true);
    expect(codeOf(await s.gql(IdentityTestUsersDocument, { l: 0 }, { token: admin.token }))).toBe('BAD_USER_INPUT');
  });

  it('denies every admin operation to a non-admin and to anonymous callers', async () => {
    const u = await createUser(s);
    const zz = `zz${unique()}`;
    const ops: ((auth: RequestAuth) => Promise<GqlResult>)[] = [
      (auth) => s.gql(IdentityTestUsersDocument, {}, auth),
      (auth) => s.gql(IdentityTestCreateUserDocument, { u: zz }, auth),
      (auth) => s.gql(TestPromoteDocument, { id: u.id }, auth),
      (auth) => s.gql(TestDeactivateDocument, { id: admin.id }, auth),
      (auth) => s.gql(TestForcePasswordChangeDocument, { id: admin.id }, auth),
      (auth) => s.gql(TestDeleteUserDocument, { id: admin.id }, auth),
      (auth) => s.gql(IdentityTestRenameXDocument, { id: admin.id }, auth),
    ];
    for (const op of ops) {
      expect(codeOf(await op({ token: u.token }))).toBe('FORBIDDEN');
      expect(codeOf(await op({}))).toBe('UNAUTHENTICATED');
    }
    // a user may read themselves but not others
    expect((await s.gql(TestUserByIdDocument, { id: u.id }, { token: u.token })).data!.user.id).toBe(u.id);
    expect(codeOf(await s.gql(TestUserByIdDocument, { id: admin.id }, { token: u.token }))).toBe('FORBIDDEN');
  });

  it('creates, updates, promotes, forces a password change and deletes users', async () => {
    const name = unique('made');
    const created = await s.gql(IdentityTestCreateUserRoleDocument, { u: name }, { token: admin.token });
    const id = created.data!.createUser.id;
    const dup = await s.gql(IdentityTestCreateUserDocument, { u: name }, { token: admin.token });
    expect(codeOf(dup)).toBe('CONFLICT');
    const upd = await s.gql(IdentityTestRenameDocument, { id }, { token: admin.token });
    expect(upd.data!.updateUser).toEqual({ name: 'Renamed', language: 'nl' });
    const promo = await s.gql(IdentityTestPromoteRoleDocument, { id }, { token: admin.token });
    expect(promo.data!.setUserRole.role).toBe('ADMIN');
    const forced = await s.gql(IdentityTestForcePasswordChangeDocument, { id }, { token: admin.token });
    expect(forced.data!.forcePasswordChange.mustChangePassword).toBe(true);
    const del = await s.gql(TestDeleteUserDocument, { id }, { token: admin.token });
    expect(del.data!.deleteUser).toBe(true);
    const gone = await s.gql(TestUserByIdDocument, { id }, { token: admin.token });
    expect(codeOf(gone)).toBe('NOT_FOUND');
  });

  it('never removes the last admin', async () => {
    const { s: fresh, admin: only } = await serverWithAdmin();
    try {
      expect(codeOf(await fresh.gql(TestDeleteUserDocument, { id: only.id }, { token: only.token }))).toBe('CONFLICT');
      expect(codeOf(await fresh.gql(TestDemoteDocument, { id: only.id }, { token: only.token }))).toBe('CONFLICT');
      expect(codeOf(await fresh.gql(TestDeactivateDocument, { id: only.id }, { token: only.token }))).toBe('CONFLICT');
      expect((await fresh.gql(IdentityTestMeDocument, {}, { token: only.token })).data!.me.role).toBe('ADMIN');
    } finally {
      await fresh.close();
    }
  });
});

describe('the last active admin', () => {
  it('survives two admins deactivating each other at the same moment', async () => {
    const { s: fresh, admin: a } = await serverWithAdmin();
    try {
      const b = await createUser(fresh);
      await fresh.gql(TestPromoteDocument, { id: b.id }, { token: a.token });
      const off = TestDeactivateDocument;
      const [x, y] = await Promise.all([fresh.gql(off, { id: b.id }, { token: a.token }), fresh.gql(off, { id: a.id }, { token: b.token })]);
      const outcomes = [x, y].map((r) => (r.data?.setUserActive ? 'ok' : codeOf(r))).sort();
      // one wins; the other is refused (the last admin) or finds its own session already ended
      expect(outcomes[1]).toBe('ok');
      expect(['CONFLICT', 'UNAUTHENTICATED']).toContain(outcomes[0]);
      const rows = await fresh.app.orm.em.getConnection().execute(`select count(*)::int as n from users where role = 'ADMIN' and is_active`);
      expect(rows[0].n).toBe(1);
    } finally {
      await fresh.close();
    }
  });

  it('an inactive admin does not count: the only active admin cannot be deactivated, demoted or deleted', async () => {
    const { s: fresh, admin: first } = await serverWithAdmin();
    try {
      const second = await createUser(fresh);
      await fresh.gql(TestPromoteDocument, { id: second.id }, { token: first.token });
      const off = await fresh.gql(IdentityTestDeactivateDocument, { id: second.id }, { token: first.token });
      expect(off.data!.setUserActive.isActive).toBe(false);
      // the second admin is inactive: the first is the last one who can sign in
      expect(codeOf(await fresh.gql(TestDeactivateDocument, { id: first.id }, { token: first.token }))).toBe('CONFLICT');
      expect(codeOf(await fresh.gql(TestDemoteDocument, { id: first.id }, { token: first.token }))).toBe('CONFLICT');
      expect(codeOf(await fresh.gql(TestDeleteUserDocument, { id: first.id }, { token: first.token }))).toBe('CONFLICT');
      expect(codeOf(await fresh.gql(IdentityTestDeleteMyAccountDocument, {}, { token: first.token }))).toBe('CONFLICT');
      expect((await fresh.gql(IdentityTestMeDocument, {}, { token: first.token })).data!.me).toEqual(expect.objectContaining({ role: 'ADMIN', isActive: true }));
      // the inactive admin itself may go
      expect((await fresh.gql(TestDeleteUserDocument, { id: second.id }, { token: first.token })).data!.deleteUser).toBe(true);
    } finally {
      await fresh.close();
    }
  });
});

describe('input PostgreSQL cannot store', () => {
  it('refuses NUL characters and over-long values with BAD_USER_INPUT (or the documented answer), never INTERNAL', async () => {
    const N = '\u0000';
    const login = await s.gql(IdentityTestLoginDocument, { input: { login: `x${N}`, password: 'password1234' } });
    expect(login.errors?.[0]).toEqual(expect.objectContaining({ message: 'Invalid credentials' }));
    expect(codeOf(login)).toBe('UNAUTHENTICATED');
    const reg = await s.gql(IdentityTestRegisterEmailLongDocument, { e: `a${N}b@example.test` });
    expect(codeOf(reg)).toBe('BAD_USER_INPUT');
    const regName = await s.gql(IdentityTestRegisterNamedDocument, { n: `a${N}b`, u: unique('nul') });
    expect(codeOf(regName)).toBe('BAD_USER_INPUT');
    expect(regName.errors?.[0].message).toBe('Text must not contain NUL characters');
    const reset = await s.gql(TestRequestPasswordResetDocument, { e: `a${N}b@example.test` });
    expect(reset.data).toEqual({ requestPasswordReset: true });
    const search = await s.gql(IdentityTestSearchUsersDocument, { q: `a${N}` }, { token: admin.token });
    expect(codeOf(search)).toBe('BAD_USER_INPUT');
    const longUrl = await s.gql(IdentityTestCreateUserWithUrlDocument, { u: unique('url'), p: 'x'.repeat(1001) }, { token: admin.token });
    expect(codeOf(longUrl)).toBe('BAD_USER_INPUT');
    const u = await createUser(s);
    const longUpd = await s.gql(IdentityTestUpdateProfileUrlDocument, { id: u.id, p: 'x'.repeat(1001) }, { token: admin.token });
    expect(codeOf(longUpd)).toBe('BAD_USER_INPUT');
  });
});

describe('bootstrap admin', () => {
  it('creates the admin from ADMIN_* at start, so the first registered user is a USER', async () => {
    const srv = await startTestServer({ ADMIN_USERNAME: 'root', ADMIN_EMAIL: 'root@example.test', ADMIN_PASSWORD: 'bootstrap-pass' });
    try {
      const token = await loginToken(srv, 'root', 'bootstrap-pass');
      expect((await srv.gql(IdentityTestMeDocument, {}, { token })).data!.me.role).toBe('ADMIN');
      const first = await createUser(srv);
      expect(first.role).toBe('USER');
    } finally {
      await srv.close();
    }
  });
});
