/**
 * Trusted documents (src/server/trusted-documents.ts, scripts/trusted-documents.ts): the committed
 * manifest is what `npm run codegen` writes; with GRAPHQL_TRUSTED_ONLY=true /graphql (HTTP and ws) runs
 * only manifest documents — by text, by `documentId`, by APQ hash — and refuses the others with
 * TRUSTED_DOCUMENT_REQUIRED inside Apollo's lifecycle (other plugins see the refusal); the REST surfaces
 * keep working. Off, nothing changes, and a manifest `documentId` still runs its document.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ApolloServerPlugin } from '@apollo/server';
import { Body, codes, wsOnce } from './support/ws-once';
import { createUser, startTestServer, TestServer } from './support/server';

const ROOT = join(__dirname, '..');
const manifest = JSON.parse(readFileSync(join(ROOT, 'schema', 'trusted-documents.json'), 'utf8')) as Record<string, string>;
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
/** The manifest entry whose document starts with `prefix` (the dashboard's and the REST tables' documents). */
const entry = (prefix: string): { hash: string; text: string } => {
  const found = Object.entries(manifest).find(([, text]) => text.startsWith(prefix));
  if (!found) throw new Error(`no manifest document starts with ${prefix}`);
  return { hash: found[0], text: found[1] };
};
const ME = entry('query DashboardMe ');
const FOREIGN = 'query Foreign { __typename }';
const INTROSPECTION = 'query Peek { __schema { queryType { name } } }';

async function post(s: TestServer, body: Record<string, unknown>, token?: string): Promise<{ status: number; body: Body }> {
  const res = await fetch(`${s.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Body };
}

/** The first message a graphql-ws subscribe gets back: its result, or its errors. */

describe('the trusted-documents manifest', () => {
  it('is what npm run codegen writes (scripts/trusted-documents.ts --check)', () => {
    const run = spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', 'scripts/trusted-documents.ts', '--check'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 170_000,
    });
    expect(run.stderr).not.toMatch(/stale/);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/up to date \(\d+ documents\)/);
  }, 180_000);

  it('names every document by the sha256 of its text, in hash order, REST and dashboard documents alike', () => {
    const hashes = Object.keys(manifest);
    expect(hashes.length).toBeGreaterThan(100);
    for (const [hash, text] of Object.entries(manifest)) expect(sha256(text)).toBe(hash);
    expect([...hashes].sort()).toEqual(hashes);
    expect(entry('mutation CompassLogin(').text).toContain('application: COMPASS');
    expect(entry('subscription DashboardCakeLive ').text).toContain('cakeEventChanged');
    // the page loads its documents from the module the manifest is built from
    expect(readFileSync(join(ROOT, 'public', 'dashboard', 'dashboard.js'), 'utf8')).toContain("from './documents.mjs'");
  });
});

describe('GRAPHQL_TRUSTED_ONLY=true', () => {
  let off: TestServer;
  let on: TestServer;
  let token: string;
  /** what another Apollo plugin saw of each refused request */
  const seen: string[] = [];
  const observer: ApolloServerPlugin = {
    async requestDidStart() {
      return {
        async willSendResponse({ response, errors }) {
          if (response.body.kind === 'single') seen.push(`${response.http.status ?? 200}:${(errors ?? []).map((e) => e.extensions?.code).join(',')}`);
        },
      };
    },
  };

  beforeAll(async () => {
    off = await startTestServer();
    on = await startTestServer({ GRAPHQL_TRUSTED_ONLY: 'true' }, off.databaseUrl, { plugins: [observer] });
    // the REST surfaces run their own documents: registering and signing in work on the trusted-only server
    const username = `trusted${Date.now().toString(36)}`;
    const reg = await on.rest('POST', '/compass/api/auth/register', { body: { username, password: 'correct horse battery', email_address: `${username}@example.test` } });
    expect(reg.status).toBeLessThan(300);
    const login = await on.rest('POST', '/compass/api/auth/login', { body: { username, password: 'correct horse battery' } });
    expect(login.status).toBe(200);
    token = login.body.data?.token ?? login.body.token;
    expect(typeof token).toBe('string');
  });
  afterAll(async () => {
    await on?.close();
    await off?.close();
  });

  it('refuses a document outside the manifest with 400 TRUSTED_DOCUMENT_REQUIRED, which other plugins see', async () => {
    seen.length = 0;
    const res = await post(on, { query: FOREIGN });
    expect(res.status).toBe(400);
    expect(res.body.data).toBeUndefined();
    expect(codes(res.body)).toEqual(['TRUSTED_DOCUMENT_REQUIRED']);
    expect(res.body.errors?.[0].message).toMatch(/trusted documents only/);
    expect(seen).toEqual(['400:TRUSTED_DOCUMENT_REQUIRED']);
  });

  it('refuses introspection (not in the manifest)', async () => {
    const res = await post(on, { query: INTROSPECTION });
    expect(res.status).toBe(400);
    expect(codes(res.body)).toEqual(['TRUSTED_DOCUMENT_REQUIRED']);
  });

  it('refuses to register a foreign document as a persisted query, and its hash stays unknown', async () => {
    const hash = sha256(FOREIGN);
    const reg = await post(on, { query: FOREIGN, extensions: { persistedQuery: { version: 1, sha256Hash: hash } } });
    expect(reg.status).toBe(400);
    expect(codes(reg.body)).toEqual(['TRUSTED_DOCUMENT_REQUIRED']);
    const again = await post(on, { extensions: { persistedQuery: { version: 1, sha256Hash: hash } } });
    expect(codes(again.body)).toEqual(['PERSISTED_QUERY_NOT_FOUND']);
    expect(again.status).toBeLessThan(500);
    // registered on a server that allows it, it is still unknown to the trusted-only one
    const elsewhere = await post(off, { query: FOREIGN, extensions: { persistedQuery: { version: 1, sha256Hash: hash } } });
    expect(elsewhere.body.data).toEqual({ __typename: 'Query' });
    expect(codes((await post(on, { documentId: hash })).body)).toEqual(['PERSISTED_QUERY_NOT_FOUND']);
  });

  it('runs a manifest document sent as text, by documentId (body and GET) and by APQ hash', async () => {
    const byText = await post(on, { query: ME.text }, token);
    expect(byText.status).toBe(200);
    expect(byText.body.data?.me.username).toMatch(/^trusted/);
    const byId = await post(on, { documentId: `sha256:${ME.hash}` }, token);
    expect(byId.body).toEqual(byText.body);
    const byHash = await post(on, { extensions: { persistedQuery: { version: 1, sha256Hash: ME.hash } } }, token);
    expect(byHash.body).toEqual(byText.body);
    const get = await fetch(`${on.url}/graphql?documentId=${ME.hash}`, { headers: { authorization: `Bearer ${token}`, 'apollo-require-preflight': 'true' } });
    expect(get.status).toBe(200);
    expect(await get.json()).toEqual(byText.body);
  });

  it('over ws: refuses a foreign document, runs manifest text and documentId', async () => {
    const ws = on.ws(token);
    try {
      const foreign = await wsOnce(ws, { query: FOREIGN });
      expect(codes(foreign)).toEqual(['TRUSTED_DOCUMENT_REQUIRED']);
      expect(codes(await wsOnce(ws, { query: INTROSPECTION }))).toEqual(['TRUSTED_DOCUMENT_REQUIRED']);
      const byText = await wsOnce(ws, { query: ME.text });
      expect(byText.data?.me.username).toMatch(/^trusted/);
      expect(await wsOnce(ws, { query: '', documentId: ME.hash })).toEqual(byText);
      expect(await wsOnce(ws, { query: '', extensions: { persistedQuery: { version: 1, sha256Hash: ME.hash } } })).toEqual(byText);
      expect(codes(await wsOnce(ws, { query: '', documentId: sha256(FOREIGN) }))).toEqual(['PERSISTED_QUERY_NOT_FOUND']);
    } finally {
      await ws.dispose();
    }
  });

  it('keeps the REST surfaces working', async () => {
    const res = await on.rest('GET', '/compass/api/auth/validate', { token });
    expect(res.status).toBe(200);
    expect(res.body).toEqual(expect.objectContaining({ status: 'success', data: expect.objectContaining({ user_id: 1, role: 'admin' }) })); // the first account is the admin
  });

  it('off (the default): foreign documents and introspection run, a manifest documentId runs without its text', async () => {
    const user = await createUser(off);
    expect((await post(off, { query: FOREIGN })).body).toEqual({ data: { __typename: 'Query' } });
    expect((await post(off, { query: INTROSPECTION })).body.data).toEqual({ __schema: { queryType: { name: 'Query' } } });
    const byId = await post(off, { documentId: ME.hash }, user.token);
    expect(byId.body.data?.me.username).toBe(user.username);
    const ws = off.ws(user.token);
    try {
      expect((await wsOnce(ws, { query: FOREIGN })).data).toEqual({ __typename: 'Query' });
      expect((await wsOnce(ws, { query: '', documentId: ME.hash })).data?.me.username).toBe(user.username);
    } finally {
      await ws.dispose();
    }
    const unknown = await post(off, { documentId: sha256('query Nobody { __typename }') });
    expect(unknown.status).toBe(200);
    expect(codes(unknown.body)).toEqual(['PERSISTED_QUERY_NOT_FOUND']);
  });
});
