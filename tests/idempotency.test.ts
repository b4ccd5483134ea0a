/**
 * Safe retries (issue 11, src/server/idempotency.ts, src/db/idempotency.ts): a REST POST or a GraphQL
 * mutation with an Idempotency-Key runs once; a retry answers the first answer's status and bytes and
 * writes nothing; the same key with another request, or while the first runs, is refused with 409;
 * keys belong to their caller and last 24 hours; a login is never replayed.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import { Client as PgClient } from 'pg';
import { createUser, startTestServer, TestServer, TestUser, unique } from './support/server';
import { form, JPEG, nextDate, PNG } from './cakeplanner.helpers';

/** An Apollo plugin that counts the /graphql requests it sees (executions: the pipeline's own count). */
let requestsSeen = 0;
const counting: ApolloServerPlugin = { requestDidStart: async () => void (requestsSeen += 1) };

let s: TestServer;
let admin: TestUser;
let other: TestUser;
let sql: PgClient;

beforeAll(async () => {
  s = await startTestServer({}, undefined, { plugins: [counting] });
  admin = await createUser(s, { username: unique('admin') });
  other = await createUser(s);
  sql = new PgClient({ connectionString: s.databaseUrl });
  await sql.connect();
  // a second platform admin (cakeplanner's group administration is for admins)
  await sql.query(`update users set role = 'ADMIN' where id = $1`, [other.id]);
});
afterAll(async () => {
  await sql?.end();
  await s?.close();
});

const key = () => unique('key-');
/** the row of the request just made */
const LATEST = 'id = (select id from idempotency_keys order by created_at desc limit 1)';

async function groupsNamed(name: string): Promise<number> {
  const r = await sql.query('select count(*)::int as n from cake_groups where name = $1', [name]);
  return r.rows[0].n;
}

async function questionsWith(text: string): Promise<number> {
  const r = await sql.query('select count(*)::int as n from compass_questions where text = $1', [text]);
  return r.rows[0].n;
}

/** compass questions may repeat their text (cake group names are unique): two writes show as two rows */
function createQuestion(token: string, text: string, idempotencyKey?: string) {
  return s.rest('POST', '/compass/api/questions', { token, body: { text, axis: 'social' }, headers: idempotencyKey ? { 'idempotency-key': idempotencyKey } : {} });
}

function createGroup(token: string, name: string, idempotencyKey?: string) {
  return s.rest('POST', '/cakeplanner/api/admin/groups', { token, body: { name }, headers: idempotencyKey ? { 'idempotency-key': idempotencyKey } : {} });
}

describe('REST creates', () => {
  it('a retry with the same key answers the first status and bytes and writes nothing', async () => {
    const name = unique('Team ');
    const k = key();
    const first = await createGroup(admin.token, name, k);
    expect(first.status).toBe(201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    const again = await createGroup(admin.token, name, k);
    expect(again.status).toBe(201);
    expect(again.text).toBe(first.text);
    expect(again.headers.get('content-type')).toBe(first.headers.get('content-type'));
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await groupsNamed(name)).toBe(1);
  });

  it('without the header nothing changes: two requests, two writes', async () => {
    const text = unique('Q ');
    expect((await createQuestion(admin.token, text)).status).toBe(201);
    expect((await createQuestion(admin.token, text)).status).toBe(201);
    expect(await questionsWith(text)).toBe(2);
  });

  it('compass: a replay repeats its envelope byte for byte; a reuse is refused in its envelope', async () => {
    const text = unique('Q ');
    const k = key();
    const first = await createQuestion(admin.token, text, k);
    expect(first.status).toBe(201);
    await new Promise((r) => setTimeout(r, 5)); // a fresh answer would carry a new timestamp
    const again = await createQuestion(admin.token, text, k);
    expect(again.text).toBe(first.text);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    const reused = await createQuestion(admin.token, unique('Q '), k);
    expect(reused.status).toBe(409);
    expect(reused.body).toMatchObject({ status: 'error', message: 'Idempotency-Key reused with a different request', status_code: 409 });
    expect(await questionsWith(text)).toBe(1);
  });

  it('the same key with a different body is refused in the surface envelope', async () => {
    const k = key();
    const name = unique('Team ');
    expect((await createGroup(admin.token, name, k)).status).toBe(201);
    const other = unique('Team ');
    const reused = await createGroup(admin.token, other, k);
    expect(reused.status).toBe(409);
    expect(reused.body).toEqual({ error: 'Idempotency-Key reused with a different request' });
    expect(await groupsNamed(other)).toBe(0);
  });

  it('concurrent requests with one key write once; the others are refused or replayed', async () => {
    const name = unique('Team ');
    const k = key();
    const answers = await Promise.all(Array.from({ length: 6 }, () => createGroup(admin.token, name, k)));
    const executed = answers.filter((a) => a.status === 201 && a.headers.get('idempotent-replayed') === null);
    expect(executed).toHaveLength(1);
    for (const a of answers) {
      if (a.status === 201) expect(a.text).toBe(executed[0].text);
      else {
        expect(a.status).toBe(409);
        expect(a.headers.get('retry-after')).toBe('1');
      }
    }
    expect(await groupsNamed(name)).toBe(1);
    // once the first has answered, a retry replays it
    const later = await createGroup(admin.token, name, k);
    expect(later.headers.get('idempotent-replayed')).toBe('true');
    expect(later.text).toBe(executed[0].text);
  });

  it("keys belong to their caller: another user's same key is another key", async () => {
    const text = unique('Q ');
    const k = key();
    const a = await createQuestion(admin.token, text, k);
    const b = await createQuestion(other.token, text, k);
    expect(a.status).toBe(201);
    expect(b.status).toBe(201);
    expect(b.headers.get('idempotent-replayed')).toBeNull();
    expect(await questionsWith(text)).toBe(2);
  });

  it('multipart: the fingerprint covers the file bytes', async () => {
    const group = (await createGroup(admin.token, unique('Team '))).body;
    const assigned = await s.rest('POST', '/cakeplanner/api/admin/users/assign-group', { token: admin.token, body: { userId: admin.id, groupId: group.id } });
    expect(assigned.status).toBe(200);
    const k = key();
    const event = JSON.stringify({ date: nextDate(), description: 'Lemon cake', groupId: group.id });
    const send = (bytes: Buffer) =>
      s.rest('POST', '/cakeplanner/api/events', {
        token: admin.token,
        rawBody: form({ event, image: { bytes, filename: 'cake.img', type: 'image/png' } }),
        headers: { 'idempotency-key': k },
      });
    const first = await send(PNG);
    expect(first.status).toBe(201);
    const again = await send(PNG);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.text).toBe(first.text);
    expect((await send(JPEG)).status).toBe(409);
    const events = await sql.query('select count(*)::int as n from cake_events where group_id = $1', [group.id]);
    expect(events.rows[0].n).toBe(1);
  });

  it('a refusal of the service is kept and replayed like a success', async () => {
    const k = key();
    const body = { userId: admin.id, groupId: '00000000-0000-4000-8000-000000000000' };
    const headers = { 'idempotency-key': k };
    const first = await s.rest('POST', '/cakeplanner/api/admin/users/assign-group', { token: admin.token, body, headers });
    expect(first.status).toBe(404);
    const again = await s.rest('POST', '/cakeplanner/api/admin/users/assign-group', { token: admin.token, body, headers });
    expect(again.status).toBe(404);
    expect(again.text).toBe(first.text);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
  });

  it('keys older than 24 hours are ignored: the request runs again', async () => {
    const text = unique('Q ');
    const k = key();
    expect((await createQuestion(admin.token, text, k)).status).toBe(201);
    await sql.query(`update idempotency_keys set created_at = now() - interval '25 hours' where ${LATEST}`);
    const again = await createQuestion(admin.token, text, k);
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBeNull();
    expect(await questionsWith(text)).toBe(2);
  });

  it('the stored answer is encrypted and the key is not stored', async () => {
    const name = unique('SecretTeam');
    const k = key();
    expect((await createGroup(admin.token, name, k)).status).toBe(201);
    const rows = await sql.query(`select id, body from idempotency_keys where state = 'done'`);
    for (const row of rows.rows) {
      expect(row.id).not.toContain(k);
      expect((row.body as Buffer).toString('latin1')).not.toContain(name);
    }
  });

  it('a login is not replayed (its session and cookie are not a create)', async () => {
    const k = key();
    const body = { email: other.email, password: other.password };
    const headers = { 'idempotency-key': k };
    const rows = async () => (await sql.query('select count(*)::int as n from idempotency_keys')).rows[0].n;
    const kept = await rows();
    const first = await s.rest('POST', '/cakeplanner/api/auth/login', { body, headers });
    const second = await s.rest('POST', '/cakeplanner/api/auth/login', { body, headers });
    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    expect(second.headers.get('idempotent-replayed')).toBeNull();
    expect(second.body.token).not.toBe(first.body.token);
    expect(await rows()).toBe(kept); // the key was released, no token stored
  });

  it('OpenAPI lists the header on POST operations', async () => {
    const doc = (await s.rest('GET', '/compass/openapi.json')).body;
    expect(doc.paths['/api/questions'].post.parameters).toContainEqual(expect.objectContaining({ name: 'Idempotency-Key', in: 'header' }));
    expect(doc.paths['/api/questions'].get.parameters).toBeUndefined();
  });

  it('a malformed key is refused before anything runs', async () => {
    const name = unique('Team ');
    const res = await createGroup(admin.token, name, 'x'.repeat(300));
    expect(res.status).toBe(400);
    expect(await groupsNamed(name)).toBe(0);
  });
});

describe('after a crash', () => {
  it('a key whose write committed but whose answer was lost is never run again', async () => {
    const name = unique('Team ');
    const k = key();
    expect((await createGroup(admin.token, name, k)).status).toBe(201);
    // what a process that died after its commit leaves: running, committed, no answer, its lock old
    await sql.query(`update idempotency_keys set state = 'running', body = null, status = null, locked_at = now() - interval '1 hour' where ${LATEST}`);
    const retry = await createGroup(admin.token, name, k);
    expect(retry.status).toBe(409);
    expect(await groupsNamed(name)).toBe(1);
  });

  it('a key whose attempt died before committing runs again once it is stale', async () => {
    const name = unique('Team ');
    const k = key();
    expect((await createGroup(admin.token, name, k)).status).toBe(201);
    await sql.query(`delete from cake_groups where name = $1`, [name]);
    await sql.query(`update idempotency_keys set state = 'running', committed = false, body = null, status = null, locked_at = now() - interval '1 hour' where ${LATEST}`);
    const retry = await createGroup(admin.token, name, k);
    expect(retry.status).toBe(201);
    expect(retry.headers.get('idempotent-replayed')).toBeNull();
    expect(await groupsNamed(name)).toBe(1);
  });
});

describe('GraphQL mutations', () => {
  const CREATE = 'mutation CreateGroup($input: CreateCakeGroupInput!) { createCakeGroup(input: $input) { id name } }';

  async function post(variables: Record<string, unknown>, idempotencyKey?: string) {
    const res = await fetch(`${s.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${admin.token}`, ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}) },
      body: JSON.stringify({ query: CREATE, variables }),
    });
    return { status: res.status, headers: res.headers, text: await res.text() };
  }

  it('a retry answers the same bytes, writes nothing, and Apollo plugins see both requests', async () => {
    const name = unique('Team ');
    const k = key();
    const before = { requests: requestsSeen, executions: s.server.pipeline.stats().executed };
    const first = await post({ input: { name } }, k);
    const again = await post({ input: { name } }, k);
    expect(first.status).toBe(200);
    expect(JSON.parse(first.text).data.createCakeGroup.name).toBe(name);
    expect(again.status).toBe(200);
    expect(again.text).toBe(first.text);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await groupsNamed(name)).toBe(1);
    expect(requestsSeen - before.requests).toBe(2);
    expect(s.server.pipeline.stats().executed - before.executions).toBe(1);
  });

  it('the same key with other variables is refused with 409', async () => {
    const k = key();
    expect((await post({ input: { name: unique('Team ') } }, k)).status).toBe(200);
    const name = unique('Team ');
    const reused = await post({ input: { name } }, k);
    expect(reused.status).toBe(409);
    expect(JSON.parse(reused.text).errors[0]).toMatchObject({ message: 'Idempotency-Key reused with a different request', extensions: { code: 'CONFLICT' } });
    expect(await groupsNamed(name)).toBe(0);
  });

  it('REST and GraphQL keys are separate endpoints', async () => {
    const name = unique('Team ');
    const k = key();
    expect((await createGroup(admin.token, name, k)).status).toBe(201);
    const gql = await post({ input: { name } }, k);
    // executed, not replayed: the service refuses the taken name
    expect(gql.headers.get('idempotent-replayed')).toBeNull();
    expect(JSON.parse(gql.text).errors[0].extensions.code).toBe('CONFLICT');
    expect(await groupsNamed(name)).toBe(1);
  });

  it('queries ignore the header', async () => {
    const res = await fetch(`${s.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${admin.token}`, 'idempotency-key': key() },
      body: JSON.stringify({ query: '{ me { id } }' }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('idempotent-replayed')).toBeNull();
  });
});
