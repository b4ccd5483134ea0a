/** Production mode: introspection off, field suggestions hidden, no Sandbox, no readable outbox. */
import { ProductionTestIntrospectionDocument, ProductionTestOutboxDocument, TestQueryTypeNameDocument, TestRequestPasswordResetDocument } from '../src/generated/graphql';
import { createUser, startTestServer, TestServer } from './support/server';

// This file's operations; codegen generates the typed `ProductionTest…Document`s used below from them
// (operations several files send are in ./support/operations.ts).
/* GraphQL */ `
  query ProductionTestIntrospection { __schema { types { name } } }
  query ProductionTestOutbox { mailOutbox { to } }
`;

describe('in production', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ NODE_ENV: 'production', JWT_SECRET: 'p'.repeat(48) });
  });
  afterAll(() => s.close());

  it('refuses introspection', async () => {
    const res = await s.gql(ProductionTestIntrospectionDocument);
    expect(res.status).toBe(400);
    expect(res.errors?.[0].message).toMatch(/introspection/i);
  });

  it('hides field suggestions', async () => {
    // an unknown field: codegen would refuse the document, so it stays text
    const res = await s.gql<unknown>(`{ mee { id } }`);
    expect(res.errors?.[0].message).toMatch(/Cannot query field "mee"/);
    expect(res.errors?.[0].message).not.toMatch(/Did you mean/);
  });

  it('ws reports and masks request errors exactly as HTTP does', async () => {
    // validation comes before authentication: no account needed (and the first account is the admin below)
    // an unknown field: codegen would refuse the document, so it stays text (on ws too)
    const http = await s.gql<unknown>(`subscription { userChanged { kindd } }`);
    const client = s.ws();
    try {
      const errors = await new Promise<{ message: string; extensions?: Record<string, unknown> }[]>((resolve, reject) => {
        client.subscribe(
          { query: 'subscription { userChanged { kindd } }' },
          { next: () => reject(new Error('no data expected')), error: (e) => resolve(e as never), complete: () => reject(new Error('no error')) },
        );
      });
      expect(errors[0].message).toBe(http.errors?.[0].message);
      expect(errors[0].message).not.toMatch(/Did you mean/);
      expect(errors[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
      expect(http.errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    } finally {
      await client.dispose();
    }
  });

  it('shows no Sandbox landing page and keeps the outbox empty', async () => {
    const page = await fetch(`${s.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(await page.text()).not.toMatch(/new window\.EmbeddedSandbox/);
    const admin = await createUser(s);
    await s.gql(TestRequestPasswordResetDocument, { e: admin.email });
    const box = await s.gql(ProductionTestOutboxDocument, {}, { token: admin.token });
    expect(box.data!.mailOutbox).toEqual([]);
  });
});

describe('outside production', () => {
  it('offers the Sandbox landing page, introspection and suggestions', async () => {
    const s = await startTestServer();
    try {
      const page = await fetch(`${s.url}/graphql`, { headers: { accept: 'text/html' } });
      expect(await page.text()).toMatch(/new window\.EmbeddedSandbox/);
      expect((await s.gql(TestQueryTypeNameDocument)).data!.__schema.queryType.name).toBe('Query');
      expect((await s.gql<unknown>(`{ mee { id } }`)).errors?.[0].message).toMatch(/Did you mean "me"/);
    } finally {
      await s.close();
    }
  });
});
