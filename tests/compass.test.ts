/**
 * The compass surface's documented contract (api-docs/compass.md and issue 5's route table): every
 * documented route with its success and error bodies, the admin/self/other matrix, pagination and
 * filters, the 422 cases, logout revoking the token, pictures, and COMPAT_ROOT.
 */
import { serverWithAdmin, startTestServer, TestServer, TestUser, unique } from './support/server';
import { CompassAccount, compassAccount, compassApi, expectError, LEGACY_DATE, multipart, png, sql } from './compass.helpers';
import type { CompassParityCreateMutation, CompassParityPatchMutation, CompassParityUserQuery } from '../src/generated/graphql';

let s: TestServer;
let admin: TestUser;
let adminNumber: number;
let api: ReturnType<typeof compassApi>;

beforeAll(async () => {
  ({ s, admin } = await serverWithAdmin());
  api = compassApi(s);
  adminNumber = (await api('GET', '/api/auth/validate', { token: admin.token })).body.data.user_id;
});
afterAll(() => s.close());

describe('POST /api/auth/register', () => {
  it('creates a user and answers 201 with the documented body', async () => {
    const username = unique('reg');
    const res = await api('POST', '/api/auth/register', { body: { username, password: 'securepassword123', email_address: `${username}@example.com` } });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      status: 'success',
      message: 'user account created successfully',
      data: {
        user_id: expect.any(Number),
        username,
        email_address: `${username}@example.com`,
        role: 'user',
        profile_url: null,
        date_created: expect.stringMatching(LEGACY_DATE),
      },
    });
  });

  it('answers 409 "Username already exists" for a taken username (any case)', async () => {
    const a = await compassAccount(s);
    const res = await api('POST', '/api/auth/register', { body: { username: a.username.toUpperCase(), password: 'password1234', email_address: `x${a.email}` } });
    expectError(res, 409, 'Username already exists');
  });

  it("answers 422 naming every bad field; the password minimum is the platform's 8", async () => {
    const res = await api('POST', '/api/auth/register', { body: { password: 'short', email_address: 'not-an-email' } });
    expectError(res, 422, 'Validation failed', {
      username: 'Username is required',
      email_address: 'Invalid email address format',
      password: 'Password must be at least 8 characters',
    });
  });
});

describe('POST /api/auth/login', () => {
  it('logs in by username or by email_address with the documented body', async () => {
    const a = await compassAccount(s);
    for (const body of [
      { username: a.username, password: a.password },
      { email_address: a.email, password: a.password },
    ]) {
      const res = await api('POST', '/api/auth/login', { body });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        status: 'success',
        message: 'Login successful',
        data: { token: expect.any(String), user: { user_id: a.userId, username: a.username, role: 'user' } },
      });
    }
  });

  it('answers 401 "Invalid credentials" for a wrong password, an unknown user and a missing field', async () => {
    const a = await compassAccount(s);
    expectError(await api('POST', '/api/auth/login', { body: { username: a.username, password: 'wrong-password' } }), 401, 'Invalid credentials');
    expectError(await api('POST', '/api/auth/login', { body: { username: unique('ghost'), password: 'wrong-password' } }), 401, 'Invalid credentials');
    expectError(await api('POST', '/api/auth/login', { body: { username: a.username } }), 401, 'Invalid credentials');
  });

  it('shows an admin as role "admin"', async () => {
    const res = await api('POST', '/api/auth/login', { body: { username: admin.username, password: admin.password } });
    expect(res.body.data.user).toEqual({ user_id: adminNumber, username: admin.username, role: 'admin' });
  });
});

describe('GET /api/auth/validate and POST /api/auth/logout', () => {
  it('validates a token with user_id, role and expires_at', async () => {
    const a = await compassAccount(s);
    const res = await api('GET', '/api/auth/validate', { token: a.token });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      status: 'success',
      message: 'Token is valid',
      data: { user_id: a.userId, role: 'user', expires_at: expect.stringMatching(LEGACY_DATE) },
    });
    expect(new Date(res.body.data.expires_at.replace(' ', 'T') + 'Z').getTime()).toBeGreaterThan(Date.now());
  });

  it('tells "Token not provided" from "Invalid or expired token"', async () => {
    expectError(await api('GET', '/api/auth/validate'), 401, 'Token not provided');
    expectError(await api('GET', '/api/auth/validate', { token: 'not.a.token' }), 401, 'Invalid or expired token');
    expectError(await api('POST', '/api/auth/logout'), 401, 'Token not provided');
  });

  it('logout answers data null and the token stops working', async () => {
    const a = await compassAccount(s);
    const out = await api('POST', '/api/auth/logout', { token: a.token });
    expect(out.status).toBe(200);
    expect(out.body).toEqual({ status: 'success', message: 'Logged out successfully', data: null });
    expectError(await api('GET', '/api/auth/validate', { token: a.token }), 401, 'Invalid or expired token');
    expectError(await api('GET', `/api/users/${a.userId}`, { token: a.token }), 401, 'Invalid or expired token');
  });
});

describe('GET /api/users', () => {
  it('lists users with role filter, case-insensitive username search and pagination', async () => {
    const tag = unique('Srch');
    const made: CompassAccount[] = [];
    for (let i = 0; i < 3; i++) made.push(await compassAccount(s, { username: `${tag}_${i}` }));
    const page = await api('GET', `/api/users?search=${tag.toLowerCase()}&limit=2&offset=0`, { token: admin.token });
    expect(page.status).toBe(200);
    expect(page.body.message).toBe('Users retrieved successfully');
    expect(page.body.data).toEqual({
      users: [made[0], made[1]].map((m) => ({
        user_id: m.userId,
        role: 'user',
        username: m.username,
        email_address: m.email,
        profile_url: null,
        patient_number: null,
        date_created: expect.stringMatching(LEGACY_DATE),
      })),
      total: 3,
      limit: 2,
      offset: 0,
    });
    const rest = await api('GET', `/api/users?search=${tag.toUpperCase()}&limit=2&offset=2`, { token: admin.token });
    expect(rest.body.data.users.map((u: { user_id: number }) => u.user_id)).toEqual([made[2].userId]);
    expect(rest.body.data.total).toBe(3);

    const admins = await api('GET', '/api/users?role=admin', { token: admin.token });
    expect(admins.body.data.users.length).toBeGreaterThan(0);
    expect(admins.body.data.users.every((u: { role: string }) => u.role === 'admin')).toBe(true);
    const users = await api('GET', '/api/users?role=user', { token: admin.token });
    expect(users.body.data.users.every((u: { role: string }) => u.role === 'user')).toBe(true);
    const defaults = await api('GET', '/api/users', { token: admin.token });
    expect(defaults.body.data).toEqual(expect.objectContaining({ limit: 50, offset: 0 }));
  });

  it('does not match the search against email addresses (search is by username)', async () => {
    const a = await compassAccount(s);
    const res = await api('GET', `/api/users?search=example.test`, { token: admin.token });
    expect(res.body.data.users.find((u: { user_id: number }) => u.user_id === a.userId)).toBeUndefined();
  });

  it('answers 422 for a bad role, limit or offset', async () => {
    expectError(await api('GET', '/api/users?role=boss', { token: admin.token }), 422, 'Validation failed', { role: 'Role must be "user" or "admin"' });
    expectError(await api('GET', '/api/users?limit=0', { token: admin.token }), 422, 'Validation failed', { limit: 'Limit must be from 1 to 500' });
    expectError(await api('GET', '/api/users?limit=abc&offset=-1', { token: admin.token }), 422, 'Validation failed', {
      limit: 'Limit must be a whole number of 0 or more',
      offset: 'Offset must be a whole number of 0 or more',
    });
  });

  it('is for admins: 401 without a token, 403 for a user', async () => {
    const a = await compassAccount(s);
    expectError(await api('GET', '/api/users'), 401, 'Token not provided');
    expectError(await api('GET', '/api/users', { token: a.token }), 403, 'Admin role required');
  });
});

describe('GET /api/users/:id', () => {
  it('returns the documented user object to the user and to an admin', async () => {
    const a = await compassAccount(s);
    const expected = {
      status: 'success',
      message: 'User retrieved successfully',
      data: {
        user_id: a.userId,
        role: 'user',
        username: a.username,
        email_address: a.email,
        profile_url: null,
        patient_number: null,
        date_created: expect.stringMatching(LEGACY_DATE),
      },
    };
    expect((await api('GET', `/api/users/${a.userId}`, { token: a.token })).body).toEqual(expected);
    expect((await api('GET', `/api/users/${a.userId}`, { token: admin.token })).body).toEqual(expected);
  });

  it('answers 401, 403 for another user, and 404 "User not found"', async () => {
    const a = await compassAccount(s);
    const b = await compassAccount(s);
    expectError(await api('GET', `/api/users/${a.userId}`), 401, 'Token not provided');
    expectError(await api('GET', `/api/users/${a.userId}`, { token: b.token }), 403, 'Access denied');
    expectError(await api('GET', '/api/users/999999', { token: admin.token }), 404, 'User not found');
    expectError(await api('GET', '/api/users/not-a-number', { token: admin.token }), 404, 'User not found');
  });
});

describe('POST /api/users', () => {
  it('creates a user (201) with patient_number and profile_url', async () => {
    const username = unique('made');
    const res = await api('POST', '/api/users', {
      token: admin.token,
      body: { role: 'user', username, email_address: `${username}@example.com`, password: 'password123', profile_url: 'https://img.example/me.png', patient_number: 42 },
    });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ status: 'success', message: 'User created successfully', data: { message: 'User created', user_id: expect.any(Number) } });
    const got = await api('GET', `/api/users/${res.body.data.user_id}`, { token: admin.token });
    expect(got.body.data).toEqual(expect.objectContaining({ username, profile_url: 'https://img.example/me.png', patient_number: 42, role: 'user' }));
  });

  it('answers 422 with the documented errors map', async () => {
    const res = await api('POST', '/api/users', { token: admin.token, body: { role: 'user', email_address: 'bad-email', password: 'pass' } });
    expectError(res, 422, 'Validation failed', {
      username: 'Username is required',
      email_address: 'Invalid email address format',
      password: 'Password must be at least 8 characters',
    });
    const types = await api('POST', '/api/users', {
      token: admin.token,
      body: { username: unique(), email_address: 'a@b.cd', password: 'password123', role: 'boss', patient_number: 'x' },
    });
    expectError(types, 422, 'Validation failed', { role: 'Role must be "user" or "admin"', patient_number: 'Patient number must be a whole number' });
  });

  it('answers 409 for a taken username, 403 for a user and 401 without a token', async () => {
    const a = await compassAccount(s);
    expectError(
      await api('POST', '/api/users', { token: admin.token, body: { username: a.username, email_address: 'z@example.com', password: 'password123' } }),
      409,
      'Username already exists',
    );
    const body = { username: unique(), email_address: 'y@example.com', password: 'password123' };
    expectError(await api('POST', '/api/users', { token: a.token, body }), 403, 'Admin role required');
    expectError(await api('POST', '/api/users', { body }), 401, 'Token not provided');
  });
});

describe('PUT and PATCH /api/users/:id', () => {
  it('PUT replaces every field (absent optional fields become null) and is for admins', async () => {
    const a = await compassAccount(s);
    const renamed = unique('upd');
    const put = await api('PUT', `/api/users/${a.userId}`, {
      token: admin.token,
      body: { role: 'user', username: renamed, email_address: `${renamed}@example.com`, profile_url: 'http://x.example/p.png', patient_number: 88 },
    });
    expect(put.status).toBe(200);
    expect(put.body).toEqual({ status: 'success', message: 'User updated successfully', data: { message: 'User updated' } });
    const got = await api('GET', `/api/users/${a.userId}`, { token: admin.token });
    expect(got.body.data).toEqual(
      expect.objectContaining({ username: renamed, email_address: `${renamed}@example.com`, profile_url: 'http://x.example/p.png', patient_number: 88 }),
    );

    const again = await api('PUT', `/api/users/${a.userId}`, { token: admin.token, body: { role: 'user', username: renamed, email_address: `${renamed}@example.com` } });
    expect(again.status).toBe(200);
    const cleared = await api('GET', `/api/users/${a.userId}`, { token: admin.token });
    expect(cleared.body.data).toEqual(expect.objectContaining({ profile_url: null, patient_number: null }));

    expectError(await api('PUT', `/api/users/${a.userId}`, { token: admin.token, body: { username: renamed } }), 422, 'Validation failed', {
      role: 'Role is required',
      email_address: 'Email address is required',
    });
    expectError(
      await api('PUT', `/api/users/${a.userId}`, { token: a.token, body: { role: 'user', username: renamed, email_address: 'q@example.com' } }),
      403,
      'Admin role required',
    );
    expectError(await api('PUT', '/api/users/999999', { token: admin.token, body: { role: 'user', username: renamed, email_address: 'q@example.com' } }), 404, 'User not found');
  });

  it('PATCH lets a user change their own fields but not their role; admins change roles', async () => {
    const a = await compassAccount(s);
    const b = await compassAccount(s);
    const mine = await api('PATCH', `/api/users/${a.userId}`, { token: a.token, body: { profile_url: 'https://newimage.com/me.png', patient_number: 7 } });
    expect(mine.body).toEqual({ status: 'success', message: 'User updated successfully', data: { message: 'User updated' } });
    const got = await api('GET', `/api/users/${a.userId}`, { token: a.token });
    expect(got.body.data).toEqual(expect.objectContaining({ profile_url: 'https://newimage.com/me.png', patient_number: 7, username: a.username }));

    expectError(await api('PATCH', `/api/users/${a.userId}`, { token: a.token, body: { role: 'admin' } }), 403, 'Only admins can change roles');
    expectError(await api('PATCH', `/api/users/${b.userId}`, { token: a.token, body: { profile_url: null } }), 403, 'Access denied');
    expectError(await api('PATCH', `/api/users/${a.userId}`, { token: a.token, body: { email_address: 'nope' } }), 422, 'Validation failed', {
      email_address: 'Invalid email address format',
    });
    expectError(await api('PATCH', `/api/users/${a.userId}`, { token: a.token, body: { username: b.username } }), 409, 'Username already exists');

    const promote = await api('PATCH', `/api/users/${a.userId}`, { token: admin.token, body: { role: 'admin' } });
    expect(promote.status).toBe(200);
    expect((await api('GET', `/api/auth/validate`, { token: a.token })).body.data.role).toBe('admin');
    await api('PATCH', `/api/users/${a.userId}`, { token: admin.token, body: { role: 'user' } });
  });
});

describe('PUT /api/users/:id/password', () => {
  it('lets a user change their password with the old one; a wrong one is 401 "Old password is incorrect"', async () => {
    const a = await compassAccount(s);
    expectError(
      await api('PUT', `/api/users/${a.userId}/password`, { token: a.token, body: { old_password: 'not-my-password', new_password: 'new-password-1' } }),
      401,
      'Old password is incorrect',
    );
    expectError(await api('PUT', `/api/users/${a.userId}/password`, { token: a.token, body: { new_password: 'new-password-1' } }), 422, 'Validation failed', {
      old_password: 'Old password is required',
    });
    expectError(await api('PUT', `/api/users/${a.userId}/password`, { token: a.token, body: { old_password: a.password, new_password: 'short' } }), 422, 'Validation failed', {
      new_password: 'Password must be at least 8 characters',
    });
    const ok = await api('PUT', `/api/users/${a.userId}/password`, { token: a.token, body: { old_password: a.password, new_password: 'new-password-1' } });
    expect(ok.body).toEqual({ status: 'success', message: 'Password updated successfully', data: { message: 'Password updated' } });
    expectError(await api('POST', '/api/auth/login', { body: { username: a.username, password: a.password } }), 401, 'Invalid credentials');
    expect((await api('POST', '/api/auth/login', { body: { username: a.username, password: 'new-password-1' } })).status).toBe(200);
  });

  it("lets an admin set anyone's password (ending their sessions); another user gets 403", async () => {
    const a = await compassAccount(s);
    const b = await compassAccount(s);
    expectError(await api('PUT', `/api/users/${a.userId}/password`, { token: b.token, body: { old_password: b.password, new_password: 'new-password-2' } }), 403, 'Access denied');
    const ok = await api('PUT', `/api/users/${a.userId}/password`, { token: admin.token, body: { new_password: 'set-by-admin-1' } });
    expect(ok.status).toBe(200);
    expectError(await api('GET', '/api/auth/validate', { token: a.token }), 401, 'Invalid or expired token');
    expect((await api('POST', '/api/auth/login', { body: { username: a.username, password: 'set-by-admin-1' } })).status).toBe(200);
  });
});

describe('DELETE /api/users/:id', () => {
  it('deletes the user with answers, picture and sessions; admins only', async () => {
    const a = await compassAccount(s);
    const q = await api('POST', '/api/questions', { token: admin.token, body: { text: 'Taxes should be lower', axis: 'economic', direction: 1 } });
    await api('PUT', `/api/users/${a.userId}/answers`, { token: a.token, body: [{ question_id: q.body.data.question_id, answer: 'agree' }] });
    await api('POST', `/api/users/${a.userId}/picture`, { token: a.token, rawBody: multipart('picture', png()) });
    const uuid = (await sql(s, 'select id, avatar_file_id from users where number = $1', [a.userId]))[0];
    expect(uuid.avatar_file_id).toBeTruthy();

    const b = await compassAccount(s);
    expectError(await api('DELETE', `/api/users/${a.userId}`, { token: b.token }), 403, 'Admin role required');
    const del = await api('DELETE', `/api/users/${a.userId}`, { token: admin.token });
    expect(del.body).toEqual({ status: 'success', message: 'User deleted successfully', data: { message: 'User deleted' } });
    expectError(await api('GET', `/api/users/${a.userId}`, { token: admin.token }), 404, 'User not found');
    expectError(await api('GET', '/api/auth/validate', { token: a.token }), 401, 'Invalid or expired token');
    expect(await sql(s, 'select 1 from compass_user_answers where user_id = $1', [uuid.id])).toHaveLength(0);
    expect(await sql(s, 'select 1 from stored_files where id = $1', [uuid.avatar_file_id])).toHaveLength(0);
    expect(await sql(s, 'select 1 from sessions where user_id = $1', [uuid.id])).toHaveLength(0);
    expectError(await api('DELETE', `/api/users/${a.userId}`, { token: admin.token }), 404, 'User not found');
  });
});

describe('GET /api/health', () => {
  it('answers ok with the database status', async () => {
    const res = await api('GET', '/api/health');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'success', message: expect.any(String), data: { status: 'ok', database: 'ok' } });
  });
});

describe('profile pictures', () => {
  it('sets profile_url, serves the bytes to the user and admins, and removes the old picture when replaced', async () => {
    const a = await compassAccount(s);
    const b = await compassAccount(s);
    const first = await api('POST', `/api/users/${a.userId}/picture`, { token: a.token, rawBody: multipart('picture', png(1)) });
    expect(first.status).toBe(200);
    expect(first.body.data.profile_url).toMatch(new RegExp(`/compass/api/users/${a.userId}/picture\\?v=`));
    const [{ avatar_file_id: firstFile }] = await sql(s, 'select avatar_file_id from users where number = $1', [a.userId]);

    const served = await fetch(`${s.url}/compass/api/users/${a.userId}/picture`, { headers: { authorization: `Bearer ${a.token}` } });
    expect(served.status).toBe(200);
    expect(served.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await served.arrayBuffer())).toEqual(png(1));
    expectError(await api('GET', `/api/users/${a.userId}/picture`, { token: b.token }), 403, 'Access denied');

    const second = await api('POST', `/api/users/${a.userId}/picture`, { token: admin.token, rawBody: multipart('picture', png(2)) });
    expect(second.status).toBe(200);
    expect(second.body.data.profile_url).not.toBe(first.body.data.profile_url);
    expect(await sql(s, 'select 1 from stored_files where id = $1', [firstFile])).toHaveLength(0);
    const again = await fetch(`${s.url}/compass/api/users/${a.userId}/picture`, { headers: { authorization: `Bearer ${a.token}` } });
    expect(Buffer.from(await again.arrayBuffer())).toEqual(png(2));

    // pointing profile_url elsewhere drops the stored picture
    const [{ avatar_file_id: secondFile }] = await sql(s, 'select avatar_file_id from users where number = $1', [a.userId]);
    await api('PATCH', `/api/users/${a.userId}`, { token: a.token, body: { profile_url: 'https://elsewhere.example/a.png' } });
    expect(await sql(s, 'select 1 from stored_files where id = $1', [secondFile])).toHaveLength(0);
    expectError(await api('GET', `/api/users/${a.userId}/picture`, { token: a.token }), 404, 'Picture not found');
  });

  it('keeps profile_url true to the stored picture when GraphQL replaces or removes it', async () => {
    const a = await compassAccount(s);
    await api('POST', `/api/users/${a.userId}/picture`, { token: a.token, rawBody: multipart('picture', png(1)) });
    const [{ id }] = await sql(s, 'select id from users where number = $1', [a.userId]);
    const form = new FormData();
    form.append('operations', JSON.stringify({ query: 'mutation U($id: ID!, $f: Upload!) { uploadAvatar(userId: $id, file: $f) { hasAvatar } }', variables: { id, f: null } }));
    form.append('map', JSON.stringify({ 0: ['variables.f'] }));
    form.append('0', new Blob([png(3)]), 'a.png');
    await fetch(`${s.url}/graphql`, { method: 'POST', headers: { authorization: `Bearer ${a.token}`, 'apollo-require-preflight': 'true' }, body: form });
    const [{ avatar_file_id: file }] = await sql(s, 'select avatar_file_id from users where number = $1', [a.userId]);
    const replaced = await api('GET', `/api/users/${a.userId}`, { token: a.token });
    expect(replaced.body.data.profile_url).toMatch(new RegExp(`/compass/api/users/${a.userId}/picture\\?v=${String(file).slice(0, 8)}$`));
    await s.gql(`mutation R($id: ID!) { removeAvatar(userId: $id) { hasAvatar } }`, { id }, { token: a.token });
    const removed = await api('GET', `/api/users/${a.userId}`, { token: a.token });
    expect(removed.body.data.profile_url).toBeNull();
  });

  it("refuses what is not an image, a missing file and another user's picture", async () => {
    const a = await compassAccount(s);
    const b = await compassAccount(s);
    const text = await api('POST', `/api/users/${a.userId}/picture`, { token: a.token, rawBody: multipart('picture', Buffer.from('just text, not an image'), 'x.png') });
    expect(text.status).toBe(422);
    expect(text.body.errors.picture).toMatch(/image\/jpeg|image\/png/);
    expectError(await api('POST', `/api/users/${a.userId}/picture`, { token: a.token, rawBody: multipart('other', png()) }), 422, 'Validation failed', {
      picture: 'A picture file is required',
    });
    expectError(await api('POST', `/api/users/${a.userId}/picture`, { token: b.token, rawBody: multipart('picture', png()) }), 403, 'Access denied');
    expectError(await api('POST', `/api/users/${a.userId}/picture`, { rawBody: multipart('picture', png()) }), 401, 'Token not provided');
  });
});

describe('envelopes', () => {
  it('answers malformed JSON with 400 and unknown routes with 404, in the error envelope', async () => {
    const bad = await api('POST', '/api/auth/login', { rawBody: '{"username": ', headers: { 'content-type': 'application/json' } });
    expectError(bad, 400, 'Invalid JSON body');
    expectError(await api('GET', '/api/nothing-here'), 404, 'Not found');
  });

  it('answers text with a NUL character with 400 (login: 401, email: 422), never 500', async () => {
    const N = '\u0000';
    expectError(await api('POST', '/api/auth/login', { body: { username: `x${N}`, password: 'password1234' } }), 401, 'Invalid credentials');
    const username = unique('nul');
    expectError(
      await api('POST', '/api/auth/register', { body: { username, password: 'password1234', email_address: `${username}${N}@example.test` } }),
      422,
      'Validation failed',
      {
        email_address: 'Invalid email address format',
      },
    );
    expectError(await api('GET', '/api/users?search=%00', { token: admin.token }), 400, 'Text must not contain NUL characters');
    const a = await compassAccount(s);
    expectError(await api('PATCH', `/api/users/${a.userId}`, { token: a.token, body: { profile_url: `x${N}` } }), 400, 'Text must not contain NUL characters');
    expectError(await api('POST', '/api/questions', { token: admin.token, body: { text: `q${N}`, axis: 'social' } }), 400, 'Text must not contain NUL characters');
    const name = unique('NulParty');
    expectError(await api('POST', '/api/parties', { token: admin.token, body: { name, abbreviation: 'NP', description: `d${N}` } }), 400, 'Text must not contain NUL characters');
    // nothing of the refused party was written (no party, no party-admin account)
    expect(await sql(s, 'select 1 from compass_parties where name = $1', [name])).toHaveLength(0);
    expect(await sql(s, 'select 1 from users where name = $1', [`${name} admin`])).toHaveLength(0);
  });

  it('is mounted at the root with COMPAT_ROOT=compass', async () => {
    const root = await startTestServer({ COMPAT_ROOT: 'compass' });
    try {
      const res = await root.rest('GET', '/api/health');
      expect(res.body).toEqual(expect.objectContaining({ status: 'success', data: { status: 'ok', database: 'ok' } }));
      const a = await compassAccount(root);
      const viaRoot = await compassApi(root, '')('GET', `/api/users/${a.userId}`, { token: a.token });
      expect(viaRoot.body.data.user_id).toBe(a.userId);
    } finally {
      await root.close();
    }
  });
});

describe('the admin / self / other matrix of user-scoped routes', () => {
  it('answers 401 without a token, 403 to another user, 404 to an admin for an unknown user, 2xx to self and admin', async () => {
    const self = await compassAccount(s);
    const other = await compassAccount(s);
    const routes: [string, string, unknown?][] = [
      ['GET', '/api/users/:id'],
      ['PATCH', '/api/users/:id', { patient_number: 5 }],
      ['GET', '/api/users/:id/answers'],
      ['PUT', '/api/users/:id/answers', []],
      ['GET', '/api/users/:id/compass'],
    ];
    for (const [method, path, body] of routes) {
      const at = (id: number) => path.replace(':id', String(id));
      expectError(await api(method, at(self.userId), { body }), 401, 'Token not provided');
      expectError(await api(method, at(self.userId), { token: other.token, body }), 403, 'Access denied');
      expectError(await api(method, at(987654), { token: admin.token, body }), 404, 'User not found');
      expect((await api(method, at(self.userId), { token: self.token, body })).status).toBe(200);
      expect((await api(method, at(self.userId), { token: admin.token, body })).status).toBe(200);
    }
    for (const [method, path] of [
      ['PUT', '/api/users/:id'],
      ['DELETE', '/api/users/:id'],
    ]) {
      expectError(await api(method, path.replace(':id', String(self.userId))), 401, 'Token not provided');
      expectError(await api(method, path.replace(':id', String(other.userId)), { token: self.token, body: {} }), 403, 'Admin role required');
    }
  });
});

describe('GraphQL parity', () => {
  // The canonical operations, typed by codegen; aliases keep the legacy names of the answers.
  const USER = /* GraphQL */ `query CompassParityUser($id: Int!) {
    user(number: $id) { userId: number username emailAddress: email role patientNumber }
  }`;
  const CREATE = /* GraphQL */ `mutation CompassParityCreate { createUser(input: { username: "", email: "x", password: "short" }) { userId: number } }`;
  const PATCH = /* GraphQL */ `mutation CompassParityPatch($id: Int!) {
    updateUser(number: $id, input: { compassProfile: { patientNumber: 12 } }) { userId: number patientNumber }
  }`;

  it('the same rules and results through /graphql', async () => {
    const u = await compassAccount(s);
    const me = await s.gql<CompassParityUserQuery>(USER, { id: u.userId }, { token: u.token });
    expect(me.data?.user).toEqual({ userId: u.userId, username: u.username, emailAddress: u.email, role: 'USER', patientNumber: null });
    const denied = await s.gql<CompassParityUserQuery>(USER, { id: adminNumber }, { token: u.token });
    expect(denied.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const anon = await s.gql<CompassParityUserQuery>(USER, { id: u.userId });
    expect(anon.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    // The graph validates in the domain's words (the legacy 422 list is the REST surface's, tested above).
    const bad = await s.gql<CompassParityCreateMutation>(CREATE, {}, { token: admin.token });
    expect(bad.errors?.[0].extensions).toEqual({ code: 'BAD_USER_INPUT', details: { fields: { email: 'must be a valid email address' } } });
    const patched = await s.gql<CompassParityPatchMutation>(PATCH, { id: u.userId }, { token: u.token });
    expect(patched.data?.updateUser).toEqual({ userId: u.userId, patientNumber: 12 });
    expect((await api('GET', `/api/users/${u.userId}`, { token: u.token })).body.data.patient_number).toBe(12);
  });
});

describe('OpenAPI', () => {
  it('shows the legacy PUT as admins-only beside the PATCH onto the same canonical updateUser', async () => {
    const res = await fetch(`${s.url}/compass/openapi.json`);
    const doc = (await res.json()) as { paths: Record<string, Record<string, { 'x-access'?: string }>> };
    expect(doc.paths['/api/users/{id}'].put['x-access']).toBe('role:ADMIN');
    // compass's account routes are for accounts compass has not disabled (open enrollment)
    expect(doc.paths['/api/users/{id}'].patch['x-access']).toBe('enrolled:COMPASS');
  });
});
