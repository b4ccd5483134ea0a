/**
 * Access is declared once (src/auth/access.ts) and read by every transport:
 * - every root field of the graph declares its rule;
 * - the REST engine answers 401 from the declaration before it reads a body;
 * - OpenAPI's `security` comes from the declarations;
 * - a subscription checks each event against the subscriber's current role, not the one it had when
 *   it subscribed.
 */
import { getSchema } from '../src/server/schema';
import { undeclaredRootFields } from '../src/auth/access';
import { AccessTestRenameDocument, TestDemoteDocument, TestPromoteDocument, TestUserChangedDocument } from '../src/generated/graphql';
import { createUser, joinHousehold, serverWithAdmin, subscribe, TestServer, TestUser, unique } from './support/server';

// This file's operations; codegen generates the typed `AccessTest…Document`s used below from them
// (operations several files send are in ./support/operations.ts).
/* GraphQL */ `
  mutation AccessTestRename($id: ID!, $n: String) { updateUser(id: $id, input: { name: $n }) { id } }
`;

let s: TestServer;
let admin: TestUser;

beforeAll(async () => {
  ({ s, admin } = await serverWithAdmin({ PUBSUB: 'memory' }));
});
afterAll(async () => {
  await s?.close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('declarations', () => {
  it('every query, mutation and subscription declares who may call it', async () => {
    expect(undeclaredRootFields(await getSchema())).toEqual([]);
  });

  it('the REST engine answers 401 from the declaration before it reads the body', async () => {
    // a malformed body: anonymous callers learn nothing about it, signed-in ones get the 400
    const anonymous = await s.rest('POST', '/coparent/api/items', { rawBody: '{"title": ', headers: { 'content-type': 'application/json' } });
    expect(anonymous.status).toBe(401);
    expect(anonymous.body).toEqual({ error: expect.any(String) });
    const user = await createUser(s);
    // coparent is for the members of a household: anyone else is refused before the body is read
    const outsider = await s.rest('POST', '/coparent/api/items', { rawBody: '{"title": ', headers: { 'content-type': 'application/json' }, token: user.token });
    expect(outsider.status).toBe(403);
    await joinHousehold(s, admin, user);
    const signedIn = await s.rest('POST', '/coparent/api/items', { rawBody: '{"title": ', headers: { 'content-type': 'application/json' }, token: user.token });
    expect(signedIn.status).toBe(400);
    // a declared admin route refuses a user before the body is looked at
    const refused = await s.rest('POST', '/coparent/api/schedule/blocks', { rawBody: 'not json', headers: { 'content-type': 'application/json' }, token: user.token });
    expect(refused.status).toBe(403);
  });

  it("OpenAPI's security follows the declarations", async () => {
    const doc = (await s.rest('GET', '/coparent/openapi.json')).body as {
      paths: Record<string, Record<string, { security?: unknown[]; 'x-access'?: string }>>;
      components: { securitySchemes: Record<string, unknown> };
    };
    expect(Object.keys(doc.components.securitySchemes).sort()).toEqual(['bearer', 'cookie']);
    expect(doc.paths['/api/auth/login'].post.security).toEqual([]);
    expect(doc.paths['/api/items'].get.security).toEqual([{ bearer: [] }, { cookie: [] }]);
    expect(doc.paths['/api/items'].get['x-access']).toBe('enrolled:COPARENT');
    expect(doc.paths['/api/schedule/blocks'].post['x-access']).toBe('enrolled:COPARENT:ADMIN');
    expect(doc.paths['/api/auth/me'].get['x-access']).toBe('signedIn');
  });
});

describe('subscriptions re-check access for every event', () => {
  it("a demoted admin stops receiving other users' changes at once", async () => {
    const second = await createUser(s, { username: unique('admin2') });
    await s.gql(TestPromoteDocument, { id: second.id }, { token: admin.token });
    const other = await createUser(s);
    const client = s.ws(second.token);
    const seen: string[] = [];
    const dispose = subscribe(
      client,
      TestUserChangedDocument,
      {},
      { next: (r) => r.data && seen.push(r.data.userChanged.userId), error: () => undefined, complete: () => undefined },
    );
    try {
      await sleep(300);
      const rename = (id: string, name: string) => s.gql(AccessTestRenameDocument, { id, n: name }, { token: admin.token });
      await rename(other.id, 'seen by an admin');
      for (let i = 0; i < 50 && !seen.includes(other.id); i++) await sleep(50);
      expect(seen).toContain(other.id);

      await s.gql(TestDemoteDocument, { id: second.id }, { token: admin.token });
      seen.length = 0;
      await rename(other.id, 'not for a user');
      await rename(second.id, 'their own change');
      for (let i = 0; i < 50 && !seen.includes(second.id); i++) await sleep(50);
      // the subscription lives on with the subscriber's own changes only
      expect(seen).toContain(second.id);
      expect(seen).not.toContain(other.id);
    } finally {
      dispose();
      await client.dispose();
    }
  });
});
