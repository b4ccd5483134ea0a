/**
 * GraphQL-over-HTTP conformance: every audit of the graphql-http package's serverAudits runs against
 * the running server (introspection on, as outside production). MUST, SHOULD and MAY audits all pass.
 */
import { serverAudits } from 'graphql-http';
import { startTestServer, TestServer } from './support/server';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(() => s.close());

describe('graphql-http server audits', () => {
  const audits = serverAudits({
    url: () => `${s.url}/graphql`,
    fetchFn: (input: string, init: RequestInit = {}) => {
      // CSRF prevention needs a preflighted request; a real browser client sends this header.
      const headers = new Headers(init.headers);
      if (!headers.has('apollo-require-preflight')) headers.set('apollo-require-preflight', 'true');
      return fetch(input, { ...init, headers });
    },
  });
  for (const audit of audits) {
    it(`${audit.id} ${audit.name}`, async () => {
      const result = await audit.fn();
      expect({ id: audit.id, status: result.status, reason: 'reason' in result ? result.reason : undefined }).toEqual({ id: audit.id, status: 'ok', reason: undefined });
    });
  }
});

describe('caching headers', () => {
  const post = (body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${s.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

  it('answers every operation with Cache-Control: no-store (nothing in the graph is cacheable): data, errors, GET, refusals', async () => {
    const ok = await post({ query: '{ __typename }' });
    expect([ok.status, ok.headers.get('cache-control')]).toEqual([200, 'no-store']);
    const invalid = await post({ query: '{ noSuchField }' });
    expect([invalid.status, invalid.headers.get('cache-control')]).toEqual([400, 'no-store']);
    const refused = await post({ query: 'query Me { me { id } }' });
    expect(((await refused.json()) as { errors: { extensions: { code: string } }[] }).errors[0].extensions.code).toBe('UNAUTHENTICATED');
    expect(refused.headers.get('cache-control')).toBe('no-store');
    const get = await fetch(`${s.url}/graphql?query=${encodeURIComponent('{ __typename }')}`, { headers: { 'apollo-require-preflight': 'true' } });
    expect([get.status, get.headers.get('cache-control')]).toEqual([200, 'no-store']);
  });

  it("leaves no field resolver wrapped by Apollo's per-field instrumentation after serving requests", async () => {
    await post({ query: '{ __typename }' });
    const instrumented = Object.getOwnPropertySymbols(s.server.pipeline.schema).map((sym) => sym.description);
    expect(instrumented).not.toContain('apolloServerPluginsEnabled');
  });
});
