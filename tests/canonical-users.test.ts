/**
 * The canonical user operations that replaced the surfaces' own (issue 10): addressing by id or number,
 * self-or-admin rules, roles and passwords, the session's expiry, applications' attributes written with
 * the account, and registration through an application's enrollment rule.
 */
import { createUser, serverWithAdmin, TestServer, TestUser, unique } from './support/server';
import type {
  CanonCreateUserMutation,
  CanonCurrentSessionQuery,
  CanonForcePasswordChangeMutation,
  CanonOutboxQuery,
  CanonRegisterMutation,
  CanonSetPasswordMutation,
  CanonUpdateUserMutation,
  CanonUserByNumberQuery,
  CanonUserQuery,
} from '../src/generated/graphql';

const USER = /* GraphQL */ `query CanonUser($id: ID, $number: Int) { user(id: $id, number: $number) { id number username patientNumber } }`;
const USER_BY_NUMBER = /* GraphQL */ `query CanonUserByNumber($number: Int!) { user(number: $number) { id number } }`;
const UPDATE = /* GraphQL */ `mutation CanonUpdateUser($id: ID, $number: Int, $input: UpdateUserInput!) {
  updateUser(id: $id, number: $number, input: $input) { id role name profileUrl patientNumber }
}`;
const CREATE = /* GraphQL */ `mutation CanonCreateUser($input: CreateUserInput!) { createUser(input: $input) { id number patientNumber } }`;
const SET_PASSWORD = /* GraphQL */ `mutation CanonSetPassword($userId: ID, $userNumber: Int, $old: String, $new: String!) {
  changePassword(userId: $userId, userNumber: $userNumber, oldPassword: $old, newPassword: $new)
}`;
const SESSION = /* GraphQL */ `query CanonCurrentSession { currentSession { id createdAt expiresAt } me { id } }`;
const REGISTER = /* GraphQL */ `mutation CanonRegister($input: RegisterInput!, $application: Application) {
  register(input: $input, application: $application) { id isActive cakeActive role }
}`;
const OUTBOX = /* GraphQL */ `query CanonOutbox($to: String) { mailOutbox(to: $to) { to subject } }`;
const FORCE = /* GraphQL */ `mutation CanonForcePasswordChange($id: ID!, $mustChange: Boolean!) { forcePasswordChange(id: $id, mustChange: $mustChange) { id mustChangePassword } }`;

let s: TestServer;
let admin: TestUser;

beforeAll(async () => {
  ({ s, admin } = await serverWithAdmin());
});
afterAll(() => s.close());

const codeOf = (res: { errors?: readonly { extensions?: Record<string, unknown> }[] }) => res.errors?.[0]?.extensions?.code;

async function numberOf(u: TestUser): Promise<number> {
  const res = await s.gql<CanonUserQuery>(USER, { id: u.id }, { token: u.token });
  return res.data!.user.number;
}

describe('user(id | number)', () => {
  it('addresses a user by id or by number, exactly one', async () => {
    const u = await createUser(s);
    const n = await numberOf(u);
    const byNumber = await s.gql<CanonUserByNumberQuery>(USER_BY_NUMBER, { number: n }, { token: u.token });
    expect(byNumber.data!.user).toEqual({ id: u.id, number: n });
    expect(codeOf(await s.gql<CanonUserQuery>(USER, {}, { token: u.token }))).toBe('BAD_USER_INPUT');
    expect(codeOf(await s.gql<CanonUserQuery>(USER, { id: u.id, number: n }, { token: u.token }))).toBe('BAD_USER_INPUT');
  });

  it('is the user themselves or an admin; another user is FORBIDDEN whether or not the number exists', async () => {
    const u = await createUser(s);
    const other = await createUser(s);
    const n = await numberOf(other);
    expect(codeOf(await s.gql<CanonUserByNumberQuery>(USER_BY_NUMBER, { number: n }, { token: u.token }))).toBe('FORBIDDEN');
    expect(codeOf(await s.gql<CanonUserByNumberQuery>(USER_BY_NUMBER, { number: 987654 }, { token: u.token }))).toBe('FORBIDDEN');
    expect(codeOf(await s.gql<CanonUserByNumberQuery>(USER_BY_NUMBER, { number: 987654 }, { token: admin.token }))).toBe('NOT_FOUND');
    expect((await s.gql<CanonUserByNumberQuery>(USER_BY_NUMBER, { number: n }, { token: admin.token })).data!.user.id).toBe(other.id);
  });
});

describe('updateUser', () => {
  it('lets a user update their own account but not their role, nor set a password; admins do both', async () => {
    const u = await createUser(s);
    const n = await numberOf(u);
    const mine = await s.gql<CanonUpdateUserMutation>(UPDATE, { number: n, input: { name: 'Renamed', profileUrl: 'https://x.example/a.png' } }, { token: u.token });
    expect(mine.data!.updateUser).toEqual(expect.objectContaining({ id: u.id, name: 'Renamed', profileUrl: 'https://x.example/a.png', role: 'USER' }));
    // the role they already have may be sent back (a full form), another is refused
    expect((await s.gql<CanonUpdateUserMutation>(UPDATE, { id: u.id, input: { role: 'USER' } }, { token: u.token })).errors).toBeUndefined();
    const promote = await s.gql<CanonUpdateUserMutation>(UPDATE, { id: u.id, input: { role: 'ADMIN' } }, { token: u.token });
    expect(codeOf(promote)).toBe('FORBIDDEN');
    expect(promote.errors![0].message).toBe('Only admins can change roles');
    expect(codeOf(await s.gql<CanonUpdateUserMutation>(UPDATE, { id: u.id, input: { password: 'a new password here' } }, { token: u.token }))).toBe('FORBIDDEN');

    const other = await createUser(s);
    expect(codeOf(await s.gql<CanonUpdateUserMutation>(UPDATE, { id: other.id, input: { name: 'Nope' } }, { token: u.token }))).toBe('FORBIDDEN');
    const byAdmin = await s.gql<CanonUpdateUserMutation>(UPDATE, { number: n, input: { role: 'ADMIN' } }, { token: admin.token });
    expect(byAdmin.data!.updateUser.role).toBe('ADMIN');
    await s.gql<CanonUpdateUserMutation>(UPDATE, { number: n, input: { role: 'USER' } }, { token: admin.token });
  });

  it("writes an application's attributes (compassProfile) in the same unit of work as the account", async () => {
    const u = await createUser(s);
    const set = await s.gql<CanonUpdateUserMutation>(UPDATE, { id: u.id, input: { compassProfile: { patientNumber: 41 } } }, { token: u.token });
    expect(set.data!.updateUser.patientNumber).toBe(41);
    // a refused attribute rolls the whole update back
    const bad = await s.gql<CanonUpdateUserMutation>(UPDATE, { id: u.id, input: { name: 'Rolled back', compassProfile: { patientNumber: -1 } } }, { token: u.token });
    expect(codeOf(bad)).toBe('BAD_USER_INPUT');
    const after = await s.gql<CanonUserQuery>(USER, { id: u.id }, { token: u.token });
    expect(after.data!.user.patientNumber).toBe(41);
    const me = await s.gql<CanonUpdateUserMutation>(UPDATE, { id: u.id, input: { compassProfile: null } }, { token: u.token });
    expect(me.data!.updateUser).toEqual(expect.objectContaining({ name: u.username, patientNumber: null }));
  });
});

describe('createUser', () => {
  it('creates the account with its compass profile, or nothing at all', async () => {
    const username = unique('canon');
    const ok = await s.gql<CanonCreateUserMutation>(CREATE, { input: { username, password: 'password1234', compassProfile: { patientNumber: 7 } } }, { token: admin.token });
    expect(ok.data!.createUser).toEqual(expect.objectContaining({ patientNumber: 7 }));
    const refused = unique('canon');
    const bad = await s.gql<CanonCreateUserMutation>(
      CREATE,
      { input: { username: refused, password: 'password1234', compassProfile: { patientNumber: -3 } } },
      { token: admin.token },
    );
    expect(bad.errors![0].extensions).toEqual({ code: 'BAD_USER_INPUT', details: { fields: { 'compassProfile.patientNumber': 'must be a whole number of 0 or more' } } });
    // the account was not created: the name is still free
    const again = await s.gql<CanonCreateUserMutation>(CREATE, { input: { username: refused, password: 'password1234' } }, { token: admin.token });
    expect(again.errors).toBeUndefined();
  });
});

describe('changePassword', () => {
  it("lets an admin set another user's password (their sessions end); others are FORBIDDEN", async () => {
    const u = await createUser(s);
    const other = await createUser(s);
    const n = await numberOf(u);
    expect(codeOf(await s.gql<CanonSetPasswordMutation>(SET_PASSWORD, { userNumber: n, new: 'chosen by a stranger' }, { token: other.token }))).toBe('FORBIDDEN');
    const set = await s.gql<CanonSetPasswordMutation>(SET_PASSWORD, { userNumber: n, new: 'chosen by the admin' }, { token: admin.token });
    expect(set.data!.changePassword).toBe(true);
    expect(codeOf(await s.gql<CanonCurrentSessionQuery>(SESSION, {}, { token: u.token }))).toBe('UNAUTHENTICATED');
  });

  it('checks the old password when a user names themselves', async () => {
    const u = await createUser(s);
    const wrong = await s.gql<CanonSetPasswordMutation>(SET_PASSWORD, { userId: u.id, old: 'not my password', new: 'a new password 1' }, { token: u.token });
    expect(codeOf(wrong)).toBe('UNAUTHENTICATED');
    const ok = await s.gql<CanonSetPasswordMutation>(SET_PASSWORD, { userId: u.id, old: u.password, new: 'a new password 1' }, { token: u.token });
    expect(ok.data!.changePassword).toBe(true);
  });
});

describe('currentSession', () => {
  it("answers the token's session and its expiry", async () => {
    const u = await createUser(s);
    const res = await s.gql<CanonCurrentSessionQuery>(SESSION, {}, { token: u.token });
    expect(res.data!.me.id).toBe(u.id);
    expect(new Date(res.data!.currentSession.expiresAt).getTime()).toBeGreaterThan(Date.now());
    expect(codeOf(await s.gql<CanonCurrentSessionQuery>(SESSION))).toBe('UNAUTHENTICATED');
  });
});

describe('register(application)', () => {
  it("applies cakeplanner's enrollment: the account waits for activation and active admins are mailed", async () => {
    const email = `${unique('cake')}@example.test`;
    const res = await s.gql<CanonRegisterMutation>(REGISTER, { input: { email, password: 'password1234' }, application: 'CAKEPLANNER' });
    // the shared account is active; Cake Planner waits for its admin's activation (the membership)
    expect(res.data!.register).toEqual(expect.objectContaining({ isActive: true, cakeActive: false, role: 'USER' }));
    const mails = await s.gql<CanonOutboxQuery>(OUTBOX, { to: admin.email }, { token: admin.token });
    expect(mails.data!.mailOutbox.some((m) => m.subject === 'Cake Planner: new registration')).toBe(true);
    const plain = await s.gql<CanonRegisterMutation>(REGISTER, { input: { email: `${unique('plain')}@example.test`, password: 'password1234' } });
    expect(plain.data!.register.isActive).toBe(true);
    // an account made elsewhere is not active for Cake Planner either, until activated there
    expect(plain.data!.register.cakeActive).toBe(false);
  });
});

describe('forcePasswordChange', () => {
  it('sets and clears the flag (admins only)', async () => {
    const u = await createUser(s);
    const set = await s.gql<CanonForcePasswordChangeMutation>(FORCE, { id: u.id, mustChange: true }, { token: admin.token });
    expect(set.data!.forcePasswordChange).toEqual({ id: u.id, mustChangePassword: true });
    const cleared = await s.gql<CanonForcePasswordChangeMutation>(FORCE, { id: u.id, mustChange: false }, { token: admin.token });
    expect(cleared.data!.forcePasswordChange.mustChangePassword).toBe(false);
    expect(codeOf(await s.gql<CanonForcePasswordChangeMutation>(FORCE, { id: u.id, mustChange: true }, { token: u.token }))).toBe('FORBIDDEN');
  });
});
