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
