/**
 * Query limits (graphql-armor depth, aliases, directives; the graph's cost rule; parser token limit) on HTTP, ws and the
 * REST engine alike; limit and syntax errors are 400s, never 500s; batches and CSRF-unsafe requests refused.
 */
import { getSchema } from '../src/server/schema';
import { Pipeline } from '../src/server/pipeline';
import { compileRoutes } from '../src/rest/engine/engine';
import { TestMeWithUsernameDocument } from '../src/generated/graphql';
import { createUser, startTestServer, TestServer, TestUser, collect, testConfig } from './support/server';

let s: TestServer;
let user: TestUser;
beforeAll(async () => {
  s = await startTestServer();
  user = await createUser(s);
});
afterAll(() => s.close());

/**
 * A selection `depth` levels deep. The identity types have no recursive relation yet, so the chain
 * repeats `items`; the depth rule measures the document itself, and the test asserts that it is the
 * depth limit (not only field validation) that refuses it.
 */
function deep(depth: number): string {
  let q = 'id';
  for (let i = 0; i < depth - 2; i++) q = `items { ${q} }`;
  return `{ users { ${q} } }`;
}

function aliases(n: number): string {
  return `query Many { ${Array.from({ length: n }, (_, i) => `a${i}: me { id }`).join(' ')} }`;
}

// Deliberately invalid documents (limits, syntax) stay text: codegen would refuse them. Their results are `unknown`.
describe('limits over HTTP', () => {
  it('refuses a document 8 deep with 400 and accepts one within the limit', async () => {
    const refused = await s.gql<unknown>(deep(8), {}, { token: user.token, headers: { accept: 'application/graphql-response+json' } });
    expect(refused.status).toBe(400);
    expect(refused.errors?.some((e) => /depth/i.test(e.message))).toBe(true);
    const seven = await s.gql<unknown>(deep(7), {}, { token: user.token });
    expect(seven.errors?.some((e) => /depth/i.test(e.message))).toBe(false);
    const ok = await s.gql(TestMeWithUsernameDocument, {}, { token: user.token });
    expect(ok.status).toBe(200);
    expect(ok.data!.me.id).toBe(user.id);
  });

  it('refuses 50 aliases with 400', async () => {
    const res = await s.gql<unknown>(aliases(50), {}, { token: user.token });
    expect(res.status).toBe(400);
    expect(res.errors?.[0].message).toMatch(/alias/i);
  });

  it('refuses too many directives, too high a cost and too many tokens with 400', async () => {
    const directives = `{ me { id ${'@include(if: true) '.repeat(60)} } }`;
    expect((await s.gql<unknown>(directives, {}, { token: user.token })).status).toBe(400);
    // two pages of 500 users with 100 fields each: 2 × 500 × 101, above the default 100000 (tests/cost.test.ts has the rule)
    const page = `users(limit: 500) { items { ${'id username email name role '.repeat(20)} } }`;
    const costly = `{ a: ${page} b: ${page} }`;
    const cost = await s.gql<unknown>(costly, {}, { token: user.token });
    expect(cost.status).toBe(400);
    expect(cost.errors?.[0].message).toMatch(/^Query cost 101002 is above the maximum cost of 100000/);
    const tokens = `{ ${'__typename '.repeat(3000)} }`;
    const tok = await s.gql<unknown>(tokens, {}, { token: user.token });
    expect(tok.status).toBe(400);
    expect(tok.errors?.[0].message).toMatch(/token/i);
  });

  it('answers a syntax error with 400, never 500', async () => {
    const res = await s.gql<unknown>(`{ me { id `, {}, { token: user.token });
    expect(res.status).toBe(400);
    expect(res.errors?.[0].extensions?.code).toBe('GRAPHQL_PARSE_FAILED');
  });

  it('refuses batched requests', async () => {
    const res = await fetch(`${s.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([{ query: '{ __typename }' }, { query: '{ __typename }' }]),
    });
    expect(res.status).toBe(400);
  });

  it('applies CSRF prevention: a simple (non-preflighted) GET or form POST is refused', async () => {
    const get = await fetch(`${s.url}/graphql?query=${encodeURIComponent('{ __typename }')}`);
    expect(get.status).toBe(400);
    const form = await fetch(`${s.url}/graphql`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{"query":"{ __typename }"}' });
    expect(form.status).toBe(400);
    const preflighted = await fetch(`${s.url}/graphql?query=${encodeURIComponent('{ __typename }')}`, { headers: { 'apollo-require-preflight': 'true' } });
    expect(preflighted.status).toBe(200);
  });
});

describe('limits over ws', () => {
  it('refuses a document 8 deep and one with 50 aliases on a graphql-ws subscription', async () => {
    const client = s.ws(user.token);
    try {
      for (const q of [deep(8), aliases(50)]) {
        const err = await collect<unknown>(client, q).done.then(
          () => undefined,
          (e: unknown) => e,
        );
        expect([q.slice(0, 20), JSON.stringify(err)]).toEqual([q.slice(0, 20), expect.stringMatching(/depth|alias/i)]);
        expect(JSON.stringify(err)).toMatch(/depth|alias/i);
      }
      const tokens = await collect<unknown>(client, `subscription { ${'__typename '.repeat(3000)} }`).done.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(JSON.stringify(tokens)).toMatch(/token/i);
    } finally {
      await client.dispose();
    }
  });
});

describe('limits in the REST engine', () => {
  it('fails the start when a route document breaks a limit or does not validate', async () => {
    const schema = await getSchema();
    const pipeline = new Pipeline(schema, testConfig());
    const bad = {
      id: 'coparent' as const,
      title: 't',
      error: () => ({ status: 400, body: {} }),
      routes: [
        { method: 'get' as const, path: '/deep', summary: 'deep', operation: deep(8) },
        { method: 'get' as const, path: '/typo', summary: 'typo', operation: '{ mee { id } }' },
      ],
    };
    expect(() => compileRoutes(pipeline, bad)).toThrow(/GET \/deep: .*depth[\s\S]*GET \/typo: .*mee/i);
  });
});
