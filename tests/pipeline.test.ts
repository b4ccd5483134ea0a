/**
 * The one request pipeline (src/server/pipeline.ts):
 * - every POST /graphql goes through Apollo Server's request lifecycle: a counting Apollo plugin sees
 *   every request, those executed from compiled documents included;
 * - compiled execution (graphql-jit, a document's second run on) answers exactly as graphql-js: two
 *   servers on one database, one compiling and one with GRAPHQL_JIT=0, get the same requests; status,
 *   headers and bytes must match, and compiled execution must have run what it should (and only that);
 * - the viewer's profile read from a row (userFromRow) against MikroORM's `em.map`, field by field.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import { Client as PgClient } from 'pg';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import {
  PipelineTestLoginDocument,
  PipelineTestLoginRefusedDocument,
  PipelineTestMeNameDocument,
  PipelineTestProfileDocument,
  PipelineTestRegisterDocument,
  PipelineTestSettingsDocument,
  PipelineTestSettingsTwiceDocument,
  PipelineTestTypenameDocument,
  PipelineTestUserDocument,
  TestMeDocument,
  TestMeWithUsernameDocument,
  TestQueryTypeNameDocument,
  TestUserByIdDocument,
  TestUserChangedKindDocument,
} from '../src/generated/graphql';
import { createTestDatabase, createUser, GqlError, queryText, rawRequest, startTestServer, TestServer, TestUser, unique } from './support/server';
import { userFromRow } from '../src/modules/identity/user-row';
import { User } from '../src/modules/identity/user.entity';
import type { UserRow } from '../src/auth/auth-store';

// This file's operations; codegen generates the typed `PipelineTest…Document`s used below from them
// (operations several files send are in ./support/operations.ts). The documents each test means to be
// invalid (an unknown field, a syntax error, too many aliases, two operations, variables that do not
// coerce) stay text: codegen would refuse them, or typed variables would not let them through.
/* GraphQL */ `
  query PipelineTestMeName { me { username } }
  query PipelineTestProfile { me { id username email name role isActive mustChangePassword language hasAvatar createdAt } }
  query PipelineTestUser($id: ID!) { user(id: $id) { id username role } }
  mutation PipelineTestSettingsTwice { a: updateSettings(language: "de") { language } b: updateSettings(language: "fr") { language } }
  mutation PipelineTestLogin($i: LoginInput!) { login(input: $i) { requiresTwoFactor user { id username } } }
  mutation PipelineTestRegister($i: RegisterInput!) { register(input: $i) { id } }
  mutation PipelineTestLoginRefused($i: LoginInput!) { login(input: $i) { requiresTwoFactor } }
  query PipelineTestTypename { __typename me { id } }
  mutation PipelineTestSettings { updateSettings(language: "nl", emailLanguage: "de") { id } }
`;

/** An Apollo plugin, as Apollo Studio's usage reporting is one: it counts the requests it sees and their executions. */
const seen = { requests: 0, executions: 0 };
const counting: ApolloServerPlugin = {
  async requestDidStart() {
    seen.requests += 1;
    return {
      async executionDidStart() {
        seen.executions += 1;
      },
    };
  },
};

let compiling: TestServer;
let interpreted: TestServer;
let admin: TestUser;
let user: TestUser;

beforeAll(async () => {
  const db = await createTestDatabase();
  // TRUST_PROXY: each login below comes from its own X-Forwarded-For address, so the shared
  // attempt counter (3 a minute here) only refuses where a test means it to.
  const env = { TRUST_PROXY: 'true', LOGIN_MAX_PER_MINUTE: '3' };
  compiling = await startTestServer(env, db, { plugins: [counting] });
  interpreted = await startTestServer({ ...env, GRAPHQL_JIT: '0' }, db);
  admin = await createUser(compiling, { username: unique('admin') });
  user = await createUser(compiling);
});
afterAll(async () => {
  await compiling?.close();
  await interpreted?.close();
});

interface Sent {
  body: string;
  headers?: Record<string, string>;
}

interface Answer {
  status: number;
  headers: Record<string, string>;
  text: string;
}

/** The headers both servers should agree on (everything but the connection's and the date). */
const COMPARED = ['content-type', 'content-length', 'cache-control', 'etag', 'retry-after', 'allow'];

async function send(s: TestServer, req: Sent): Promise<Answer> {
  const res = await fetch(`${s.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': `10.9.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`, ...req.headers },
    body: req.body,
  });
  const headers: Record<string, string> = {};
  for (const h of COMPARED) {
    const v = res.headers.get(h);
    if (v !== null) headers[h] = v;
  }
  // Cookies carry a fresh token each time: compare their attributes.
  const cookies = res.headers.getSetCookie().map((c) => c.replace(/^session=[^;]*/, 'session=<token>').replace(/Expires=[^;]*/i, 'Expires=<date>'));
  if (cookies.length) headers['set-cookie'] = cookies.join(' | ');
  return { status: res.status, headers, text: await res.text() };
}

function answered(): number {
  return compiling.server.pipeline.stats().compiled;
}

/**
 * Sends a request twice to the compiling server (a document is compiled on its second run) and once to
 * the graphql-js one; expects identical answers and whether the second one ran compiled.
 */
async function same(req: Sent, byLane: boolean): Promise<Answer> {
  const first = await send(compiling, req);
  const before = answered();
  const second = await send(compiling, req);
  expect(answered() - before).toBe(byLane ? 1 : 0);
  const reference = await send(interpreted, req);
  expect(second).toEqual(reference);
  expect(first).toEqual(reference);
  return second;
}

/** A request body: a typed document (its variables typed by it) or a document as text. */
const gql = <V>(doc: string | TypedDocumentNode<unknown, V>, variables?: V, extra: Record<string, unknown> = {}) => JSON.stringify({ query: queryText(doc), variables, ...extra });
/** An answer's body, typed by the document that was sent (`unknown` data without one). */
const parsed = <R = unknown>(answer: Answer, _sent?: TypedDocumentNode<R, never>) => JSON.parse(answer.text) as { data?: R | null; errors?: GqlError[] };
const bearer = (u: TestUser) => ({ authorization: `Bearer ${u.token}` });

describe('every /graphql request goes through Apollo Server', () => {
  it('a plugin sees each request and each execution, those run compiled included', async () => {
    const before = { ...seen, compiled: answered() };
    const docs = [queryText(TestMeDocument), queryText(PipelineTestMeNameDocument), '{ me { nope } }'];
    for (let i = 0; i < 10; i++) for (const d of docs) await send(compiling, { body: gql(d), headers: bearer(user) });
    await fetch(`${compiling.url}/graphql?query=${encodeURIComponent(queryText(TestMeDocument))}`, { headers: { ...bearer(user), 'apollo-require-preflight': 'true' } });
    expect(seen.requests - before.requests).toBe(31);
    // the invalid document never executes; the two valid ones ran 21 times, compiled from their second run
    expect(seen.executions - before.executions).toBe(21);
    expect(answered() - before.compiled).toBeGreaterThanOrEqual(19);
  });
});

describe('how a /graphql answer leaves (src/server/apollo-express.ts)', () => {
  it('a POST: Apollo’s bytes with their Content-Length (multi-byte text too), no ETag; a GET keeps its ETag and answers 304 to it', async () => {
    const ok = await send(compiling, { body: gql(TestMeDocument), headers: bearer(user) });
    expect(ok.status).toBe(200);
    expect(ok.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(ok.headers['content-length']).toBe(String(Buffer.byteLength(ok.text)));
    expect(ok.headers.etag).toBeUndefined();
    expect(parsed(ok, TestMeDocument).data?.me?.id).toBe(user.id);
    // an error quoting a value of multi-byte characters: the length counts bytes, not characters
    const bad = await send(compiling, { body: JSON.stringify({ query: 'query ($b: Boolean!) { __typename @include(if: $b) }', variables: { b: 'é✓' } }) });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('é✓');
    expect(bad.headers['content-length']).toBe(String(Buffer.byteLength(bad.text)));
    expect(bad.headers.etag).toBeUndefined();

    const url = `${compiling.url}/graphql?query=${encodeURIComponent(queryText(TestMeDocument))}#fragment`;
    const headers = { ...bearer(user), 'apollo-require-preflight': 'true' };
    const got = await fetch(url, { headers });
    expect(got.status).toBe(200);
    const etag = got.headers.get('etag');
    expect(etag).toMatch(/^W\/"/);
    expect((JSON.parse(await got.text()) as { data: { me: { id: string } } }).data.me.id).toBe(user.id);
    // node:http, not fetch: fetch adds `Cache-Control: no-cache` to a conditional request, which Express honours
    const again = await rawRequest(url, { ...headers, 'if-none-match': etag! });
    expect(again.status).toBe(304);
    expect(again.body).toBe('');
  });
});

describe('compiled execution answers exactly as graphql-js, inside Apollo Server', () => {
  it('queries with a token, a cookie or nobody, and with variables', async () => {
    const me = await same({ body: gql(PipelineTestProfileDocument), headers: bearer(user) }, true);
    expect(parsed(me, PipelineTestProfileDocument).data!.me).toMatchObject({ id: user.id, username: user.username, role: 'USER' });
    await same({ body: gql(TestMeWithUsernameDocument), headers: { cookie: `session=${user.token}` } }, true);
    const anonymous = await same({ body: gql(TestMeDocument) }, true);
    expect(parsed(anonymous)).toEqual({ errors: [expect.objectContaining({ extensions: { code: 'UNAUTHENTICATED' } })], data: null });
    await same({ body: gql(PipelineTestUserDocument, { id: user.id }), headers: bearer(admin) }, true);
    const denied = await same({ body: gql(PipelineTestUserDocument, { id: admin.id }), headers: bearer(user) }, true);
    expect(parsed(denied).errors![0].extensions!.code).toBe('FORBIDDEN');
  });

  it('picks the named operation of a document with several', async () => {
    const doc = 'query A { me { id } } query B { me { username } }';
    const b = await same({ body: gql(doc, undefined, { operationName: 'B' }), headers: bearer(user) }, true);
    expect(parsed(b)).toEqual({ data: { me: { username: user.username } } });
    // no operation name for a document with two: Apollo's request error
    const none = await same({ body: gql(doc), headers: bearer(user) }, false);
    expect(none.status).toBe(400);
  });

  it('mutations: fields run in order, cookies are set, domain errors keep their details', async () => {
    const serial = await same({ body: gql(PipelineTestSettingsTwiceDocument), headers: bearer(user) }, true);
    expect(parsed(serial, PipelineTestSettingsTwiceDocument).data).toEqual({ a: { language: 'de' }, b: { language: 'fr' } });
    const login = await same({ body: gql(PipelineTestLoginDocument, { i: { login: user.username, password: user.password } }) }, true);
    expect(login.headers['set-cookie']).toMatch(/^session=<token>; Path=\/; Expires=<date>; HttpOnly; SameSite=Lax$/);
    const invalid = await same({ body: gql(PipelineTestRegisterDocument, { i: { username: unique('x'), email: 'not an email', password: 'long enough password' } }) }, true);
    expect(parsed(invalid).errors![0].extensions!.code).toBe('BAD_USER_INPUT');
  });

  it('a refused login is 429 with Retry-After, as Apollo sends it', async () => {
    const body = gql(PipelineTestLoginRefusedDocument, { i: { login: 'nobody', password: 'wrong password' } });
    const at = (ip: string) => ({ body, headers: { 'x-forwarded-for': ip } });
    // 3 a minute per address: compiling needs two runs, so warm the document up elsewhere first
    await send(compiling, at('10.8.0.1'));
    await send(compiling, at('10.8.0.2'));
    for (let i = 0; i < 3; i++) await send(compiling, at('10.8.0.3'));
    for (let i = 0; i < 3; i++) await send(interpreted, at('10.8.0.4'));
    const before = answered();
    const fromCompiling = await send(compiling, at('10.8.0.3'));
    expect(answered() - before).toBe(1);
    const fromInterpreted = await send(interpreted, at('10.8.0.4'));
    expect(fromCompiling.status).toBe(429);
    expect(Number(fromCompiling.headers['retry-after'])).toBeGreaterThan(0);
    // Retry-After counts down with the clock (header and details, hence the ETag): compare the rest
    const steady = (a: Answer) => ({ ...a, headers: { ...a.headers, 'retry-after': '', etag: '' }, text: a.text.replace(/"retryAfter":\d+/, '"retryAfter":0') });
    expect(steady(fromCompiling)).toEqual(steady(fromInterpreted));
  });

  it('content negotiation: the same media type for every Accept header, 406 where none fits', async () => {
    const accepts = [
      '*/*',
      'application/json',
      'application/graphql-response+json',
      'application/graphql-response+json, application/json;q=0.9',
      'application/json, application/graphql-response+json',
    ];
    for (const accept of accepts) await same({ body: gql(TestMeDocument), headers: { ...bearer(user), accept } }, true);
    // Apollo executes, then finds no media type to answer in
    const html = await same({ body: gql(TestMeDocument), headers: { ...bearer(user), accept: 'text/html' } }, true);
    expect(html.status).toBe(406);
  });

  it('request errors, limits, introspection, subscriptions, extensions answer alike', async () => {
    // variables that do not coerce: no resolver runs, 400 in graphql-js's words
    const coercion = await same({ body: gql('query U($id: ID!) { user(id: $id) { id } }', {}), headers: bearer(admin) }, true);
    expect(coercion.status).toBe(400);
    const unknownField = await same({ body: gql('{ me { nope } }') }, false);
    expect(unknownField.status).toBe(400);
    const syntax = await same({ body: gql('{ me { id ') }, false);
    expect(syntax.status).toBe(400);
    const aliases = await same(
      {
        body: gql(
          '{ me { id } a: me { id } b: me { id } c: me { id } d: me { id } e: me { id } f: me { id } g: me { id } h: me { id } i: me { id } j: me { id } k: me { id } l: me { id } m: me { id } n: me { id } o: me { id } p: me { id } }',
        ),
      },
      false,
    );
    expect(aliases.status).toBe(400);
    const introspection = await same({ body: gql(TestQueryTypeNameDocument) }, false);
    expect(parsed(introspection, TestQueryTypeNameDocument).data!.__schema.queryType.name).toBe('Query');
    await same({ body: gql(TestUserChangedKindDocument), headers: bearer(admin) }, false);
    await same({ body: gql(TestMeDocument, undefined, { extensions: { persistedQuery: { version: 1, sha256Hash: 'ab' } } }), headers: bearer(user) }, false);
    // __typename beside data fields runs compiled like any other field
    const typename = await same({ body: gql(PipelineTestTypenameDocument), headers: bearer(user) }, true);
    expect(parsed(typename, PipelineTestTypenameDocument).data!.__typename).toBe('Query');
    const badVariables = await same({ body: JSON.stringify({ query: '{ me { id } }', variables: 'x' }) }, false);
    expect(badVariables.status).toBe(400);
  });
});

describe('failures look alike compiled or not', () => {
  /** Makes the next `em.findOne` of every request on `s` throw a plain Error (an unexpected failure). */
  function breakFindOne(s: TestServer): () => void {
    const em = s.app.orm.em as unknown as { fork: (...a: unknown[]) => { findOne: unknown } };
    const fork = em.fork;
    em.fork = (...a: unknown[]) => {
      const f = fork.apply(em, a);
      f.findOne = async () => {
        throw new Error('connection reset: select * from users where secret');
      };
      return f;
    };
    return () => {
      em.fork = fork;
    };
  }

  it('an unexpected resolver error: masked, with its path and INTERNAL, as Apollo answers it', async () => {
    const restore = [breakFindOne(compiling), breakFindOne(interpreted)];
    try {
      const failed = await same({ body: gql(TestUserByIdDocument, { id: user.id }), headers: bearer(admin) }, true);
      expect(parsed(failed)).toEqual({
        errors: [{ message: 'Internal server error', path: ['user'], extensions: { code: 'INTERNAL' } }],
        data: null,
      });
      expect(failed.text).not.toMatch(/secret|select/);
    } finally {
      for (const r of restore) r();
    }
  });

  it('the session check failing (database unreachable): nothing executes, a masked error answers', async () => {
    const stores = [compiling, interpreted].map((s) => s.app.auth as unknown as { viewerRow: (...a: unknown[]) => Promise<unknown> });
    const originals = stores.map((st) => st.viewerRow);
    for (const st of stores) {
      st.viewerRow = async () => {
        throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
      };
    }
    try {
      const before = answered();
      const res = await same({ body: gql(TestMeWithUsernameDocument), headers: bearer(user) }, false);
      expect(answered()).toBe(before);
      expect(res.headers['content-type']).toMatch(/json/);
      expect(res.text).not.toMatch(/ECONNREFUSED|at /);
    } finally {
      stores.forEach((st, i) => (st.viewerRow = originals[i]));
    }
  });
});

describe("the viewer's profile (userFromRow)", () => {
  it('reads every stored field as em.map does', async () => {
    // a user with every optional field set
    await compiling.gql(PipelineTestSettingsDocument, undefined, { token: user.token });
    const client = new PgClient({ connectionString: compiling.databaseUrl });
    await client.connect();
    try {
      await client.query("update users set profile_url = 'https://example.test/p', totp_last_step = 123, temp_password_expires_at = now() where id = $1", [user.id]);
    } finally {
      await client.end();
    }
    const orm = compiling.app.orm;
    const em = orm.em.fork();
    const [row] = await em.getConnection().execute<UserRow[]>('select * from users where id = ?', [user.id]);
    const mapped = em.map(User, row) as unknown as Record<string, unknown>;
    const read = userFromRow(orm, row) as unknown as Record<string, unknown>;
    const props = orm
      .getMetadata()
      .get(User.name)
      .props.map((p) => p.name);
    expect(props.length).toBeGreaterThan(15);
    for (const p of props) expect([p, read[p]]).toEqual([p, mapped[p]]);
    expect(read.hasAvatar).toBe(false);
    expect(read.createdAt).toBeInstanceOf(Date);
  });
});
