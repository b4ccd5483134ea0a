/**
 * conduct's organizations (conduct-core.md "Organizations"), as its frontend sends them: the SuperAdmin's
 * list, creation and deletion (with the organization's data and logos); a member's reads; an org_admin's
 * changes, members, events, logo and invite links; the public invite page and its use. With the access
 * matrix (anonymous 401, non-members and viewers 403, unknown 404) and bad input in `{error}`.
 */
import { api, conductServer, conductUser, ConductUser, grantOrgRole, seedEvent, seedInvite, seedOrganization, sql } from './conduct.helpers';
import { form, JPEG, PNG, TEXT } from './cakeplanner.helpers';
import { collect, TestServer } from './support/server';

let s: TestServer;
let superAdmin: ConductUser;
let orgAdmin: ConductUser;
let viewer: ConductUser;
let outsider: ConductUser;
let org: { id: string; slug: string };

const UNKNOWN = '00000000-0000-0000-0000-000000000000';

beforeAll(async () => {
  ({ s, superAdmin } = await conductServer());
  orgAdmin = await conductUser(s, { name: 'Olivia OrgAdmin' });
  viewer = await conductUser(s, { name: 'Victor Viewer' });
  outsider = await conductUser(s, { name: 'Otto Outsider' });
  org = await seedOrganization(s, { name: 'Seeded Org' });
  await grantOrgRole(s, orgAdmin.id, org.id, 'org_admin');
  await grantOrgRole(s, viewer.id, org.id, 'org_viewer');
});
afterAll(() => s?.close());

const ORG_SHAPE = {
  id: expect.any(String),
  name: expect.any(String),
  slug: expect.any(String),
  description: null,
  website: null,
  createdAt: expect.any(String),
  updatedAt: expect.any(String),
};

describe('organization management', () => {
  it('lets the SuperAdmin create an organization (201), making them its org_admin; 400 and 409 as documented', async () => {
    const res = await api(s, 'POST', '/api/organizations', {
      cookie: superAdmin.cookie,
      body: { name: 'Acme Conferences', slug: 'acme', description: 'All our events', website: 'https://acme.test', extra: 1 },
    });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      message: expect.any(String),
      organization: {
        id: expect.any(String),
        name: 'Acme Conferences',
        slug: 'acme',
        description: 'All our events',
        website: 'https://acme.test',
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
      },
    });
    expect(await sql(s, 'select role from conduct_org_memberships where organization_id = $1 and user_id = $2', [res.body.organization.id, superAdmin.id])).toEqual([
      { role: 'org_admin' },
    ]);
    const missing = await api(s, 'POST', '/api/organizations', { cookie: superAdmin.cookie, body: { name: 'No slug' } });
    expect(missing.status).toBe(400);
    expect(missing.body).toEqual({ error: expect.any(String), details: { slug: expect.any(String) } });
    expect((await api(s, 'POST', '/api/organizations', { cookie: superAdmin.cookie, body: { name: 'Bad', slug: 'Bad Slug!' } })).status).toBe(400);
    const dup = await api(s, 'POST', '/api/organizations', { cookie: superAdmin.cookie, body: { name: 'Again', slug: 'acme' } });
    expect(dup.status).toBe(409);
    expect(dup.body.error).toEqual(expect.any(String));
    // 401, then 403 (before the body)
    expect((await api(s, 'POST', '/api/organizations', { body: { name: 'X', slug: 'x-org' } })).status).toBe(401);
    const denied = await api(s, 'POST', '/api/organizations', { cookie: orgAdmin.cookie, body: {} });
    expect(denied.status).toBe(403);
    expect(denied.body.error).toEqual(expect.any(String));
    expect(await sql(s, "select count(*)::int as n from conduct_audit_logs where action = 'organization.created'")).toEqual([{ n: 1 }]);
  });

  it('lists every organization for the SuperAdmin with search, paging and _count; others 403', async () => {
    for (const [name, description] of [
      ['Paging One', 'first'],
      ['Paging Two', 'SECOND special'],
      ['Paging Three', null],
    ] as const) {
      await api(s, 'POST', '/api/organizations', { cookie: superAdmin.cookie, body: { name, slug: name.toLowerCase().replace(' ', '-'), description } });
    }
    const all = await api(s, 'GET', '/api/organizations', { cookie: superAdmin.cookie });
    expect(all.status).toBe(200);
    expect(all.body.pagination).toEqual({ page: 1, limit: 20, total: all.body.organizations.length, totalPages: 1 });
    const seeded = all.body.organizations.find((o: { id: string }) => o.id === org.id);
    // list items carry their (first 50) memberships and logoUrl too: the frontend's cards read them (conduct-frontend-calls.test.ts)
    expect(seeded).toEqual({
      ...ORG_SHAPE,
      id: org.id,
      name: 'Seeded Org',
      slug: org.slug,
      logoUrl: null,
      memberships: [
        { id: expect.any(String), role: 'org_admin', createdAt: expect.any(String), user: { id: orgAdmin.id, name: 'Olivia OrgAdmin', email: orgAdmin.email } },
        { id: expect.any(String), role: 'org_viewer', createdAt: expect.any(String), user: { id: viewer.id, name: 'Victor Viewer', email: viewer.email } },
      ],
      _count: { events: 0, memberships: 2 },
    });
    const page = await api(s, 'GET', '/api/organizations?search=paging&limit=2&page=2', { cookie: superAdmin.cookie });
    expect(page.body.pagination).toEqual({ page: 2, limit: 2, total: 3, totalPages: 2 });
    expect(page.body.organizations).toHaveLength(1);
    const byDescription = await api(s, 'GET', '/api/organizations?search=special', { cookie: superAdmin.cookie });
    expect(byDescription.body.organizations.map((o: { name: string }) => o.name)).toEqual(['Paging Two']);
    expect((await api(s, 'GET', '/api/organizations?page=0', { cookie: superAdmin.cookie })).status).toBe(400);
    expect((await api(s, 'GET', '/api/organizations?limit=1000', { cookie: superAdmin.cookie })).status).toBe(400);
    expect((await api(s, 'GET', '/api/organizations')).status).toBe(401);
    expect((await api(s, 'GET', '/api/organizations', { cookie: orgAdmin.cookie })).status).toBe(403);
  });

  it("answers the caller's organizations with their membership", async () => {
    const mine = await api(s, 'GET', '/api/organizations/me', { cookie: viewer.cookie });
    expect(mine.status).toBe(200);
    expect(mine.body).toEqual({
      organizations: [{ ...ORG_SHAPE, id: org.id, name: 'Seeded Org', slug: org.slug, membership: { id: expect.any(String), role: 'org_viewer', createdAt: expect.any(String) } }],
    });
    expect((await api(s, 'GET', '/api/organizations/me', { cookie: outsider.cookie })).body).toEqual({ organizations: [] });
    expect((await api(s, 'GET', '/api/organizations/me')).status).toBe(401);
  });

  it('shows one organization by slug or id to its members, with memberships and _count; 403 non-members, 404 unknown', async () => {
    const bySlug = await api(s, 'GET', `/api/organizations/slug/${org.slug}`, { cookie: viewer.cookie });
    expect(bySlug.status).toBe(200);
    expect(bySlug.body.organization).toEqual({
      ...ORG_SHAPE,
      id: org.id,
      name: 'Seeded Org',
      slug: org.slug,
      logoUrl: null,
      memberships: expect.arrayContaining([
        { id: expect.any(String), role: 'org_admin', createdAt: expect.any(String), user: { id: orgAdmin.id, name: 'Olivia OrgAdmin', email: orgAdmin.email } },
        { id: expect.any(String), role: 'org_viewer', createdAt: expect.any(String), user: { id: viewer.id, name: 'Victor Viewer', email: viewer.email } },
      ]),
      _count: { events: 0, memberships: 2 },
    });
    const byId = await api(s, 'GET', `/api/organizations/${org.id}`, { cookie: orgAdmin.cookie });
    expect(byId.body).toEqual(bySlug.body);
    expect((await api(s, 'GET', `/api/organizations/${org.id}`, { cookie: superAdmin.cookie })).status).toBe(200);
    expect((await api(s, 'GET', `/api/organizations/${org.id}`)).status).toBe(401);
    expect((await api(s, 'GET', `/api/organizations/${org.id}`, { cookie: outsider.cookie })).status).toBe(403);
    expect((await api(s, 'GET', `/api/organizations/slug/${org.slug}`, { cookie: outsider.cookie })).status).toBe(403);
    expect((await api(s, 'GET', `/api/organizations/${UNKNOWN}`, { cookie: outsider.cookie })).status).toBe(404);
    expect((await api(s, 'GET', '/api/organizations/not-a-uuid', { cookie: superAdmin.cookie })).status).toBe(404);
    expect((await api(s, 'GET', '/api/organizations/slug/no-such-org', { cookie: superAdmin.cookie })).status).toBe(404);
  });

  it('lets an org_admin update the organization; viewers 403; blank name 400; a taken slug 409', async () => {
    const res = await api(s, 'PUT', `/api/organizations/${org.id}`, {
      cookie: orgAdmin.cookie,
      body: { name: 'Seeded Org Renamed', description: 'Now described', website: 'https://seeded.test' },
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      message: expect.any(String),
      organization: { ...ORG_SHAPE, id: org.id, name: 'Seeded Org Renamed', slug: org.slug, description: 'Now described', website: 'https://seeded.test' },
    });
    const cleared = await api(s, 'PUT', `/api/organizations/${org.id}`, { cookie: orgAdmin.cookie, body: { website: '' } });
    expect(cleared.body.organization.website).toBeNull();
    expect(cleared.body.organization.name).toBe('Seeded Org Renamed');
    expect((await api(s, 'PUT', `/api/organizations/${org.id}`, { cookie: viewer.cookie, body: { name: '' } })).status).toBe(403);
    expect((await api(s, 'PUT', `/api/organizations/${org.id}`, { cookie: outsider.cookie, body: { name: 'X' } })).status).toBe(403);
    expect((await api(s, 'PUT', `/api/organizations/${org.id}`, { body: { name: 'X' } })).status).toBe(401);
    expect((await api(s, 'PUT', `/api/organizations/${UNKNOWN}`, { cookie: orgAdmin.cookie, body: { name: 'X' } })).status).toBe(404);
    expect((await api(s, 'PUT', `/api/organizations/${org.id}`, { cookie: orgAdmin.cookie, body: { name: '  ' } })).status).toBe(400);
    expect((await api(s, 'PUT', `/api/organizations/${org.id}`, { cookie: orgAdmin.cookie, body: { slug: 'acme' } })).status).toBe(409);
    const malformed = await api(s, 'PUT', `/api/organizations/${org.id}`, { cookie: orgAdmin.cookie, headers: { 'content-type': 'application/json' }, rawBody: '{"name": ' });
    expect(malformed.status).toBe(400);
    // the REST write seen by GraphQL
    const gql = await s.gql(`query($id: ID!) { conductOrganization(id: $id) { name description website memberCount } }`, { id: org.id }, { cookie: viewer.cookie });
    expect(gql.data).toEqual({ conductOrganization: { name: 'Seeded Org Renamed', description: 'Now described', website: null, memberCount: 2 } });
  });
});

describe('membership', () => {
  it('adds (201), changes and removes members; the change holds on the next request', async () => {
    const u = await conductUser(s, { name: 'Nina Newcomer' });
    expect((await api(s, 'GET', `/api/organizations/${org.id}`, { cookie: u.cookie })).status).toBe(403);
    const added = await api(s, 'POST', `/api/organizations/${org.id}/members`, { cookie: orgAdmin.cookie, body: { userId: u.id, role: 'org_viewer' } });
    expect(added.status).toBe(201);
    expect(added.body.message).toEqual(expect.any(String));
    expect((await api(s, 'GET', `/api/organizations/${org.id}`, { cookie: u.cookie })).status).toBe(200);
    expect((await api(s, 'POST', `/api/organizations/${org.id}/invites`, { cookie: u.cookie, body: { role: 'org_viewer' } })).status).toBe(403);
    const dup = await api(s, 'POST', `/api/organizations/${org.id}/members`, { cookie: orgAdmin.cookie, body: { userId: u.id, role: 'org_admin' } });
    expect(dup.status).toBe(409);
    const changed = await api(s, 'PUT', `/api/organizations/${org.id}/members/${u.id}`, { cookie: orgAdmin.cookie, body: { role: 'org_admin' } });
    expect(changed.status).toBe(200);
    expect(changed.body).toEqual({ message: expect.any(String) });
    expect((await api(s, 'GET', `/api/organizations/${org.id}/invites`, { cookie: u.cookie })).status).toBe(200);
    const removed = await api(s, 'DELETE', `/api/organizations/${org.id}/members/${u.id}`, { cookie: orgAdmin.cookie });
    expect(removed.status).toBe(200);
    expect(removed.body).toEqual({ message: expect.any(String) });
    expect((await api(s, 'GET', `/api/organizations/${org.id}`, { cookie: u.cookie })).status).toBe(403);
    expect((await api(s, 'DELETE', `/api/organizations/${org.id}/members/${u.id}`, { cookie: orgAdmin.cookie })).status).toBe(404);
    expect((await api(s, 'PUT', `/api/organizations/${org.id}/members/${u.id}`, { cookie: orgAdmin.cookie, body: { role: 'org_admin' } })).status).toBe(404);
    expect(await sql(s, "select action from conduct_audit_logs where target_id = $1 and action like 'org_member.%' order by created_at", [u.id])).toEqual([
      { action: 'org_member.added' },
      { action: 'org_member.updated' },
      { action: 'org_member.removed' },
    ]);
  });

  it('refuses bad input (400), unknown users (404), viewers and outsiders (403, before the body), anonymous callers (401)', async () => {
    const u = await conductUser(s);
    const noUser = await api(s, 'POST', `/api/organizations/${org.id}/members`, { cookie: orgAdmin.cookie, body: { role: 'org_viewer' } });
    expect(noUser.status).toBe(400);
    expect(noUser.body.details).toEqual({ userId: expect.any(String) });
    expect((await api(s, 'POST', `/api/organizations/${org.id}/members`, { cookie: orgAdmin.cookie, body: { userId: u.id, role: 'owner' } })).status).toBe(400);
    expect((await api(s, 'POST', `/api/organizations/${org.id}/members`, { cookie: orgAdmin.cookie, body: { userId: u.id } })).status).toBe(400);
    expect((await api(s, 'POST', `/api/organizations/${org.id}/members`, { cookie: orgAdmin.cookie, body: { userId: UNKNOWN, role: 'org_viewer' } })).status).toBe(404);
    expect((await api(s, 'POST', `/api/organizations/${org.id}/members`, { cookie: orgAdmin.cookie, body: { userId: 'nope', role: 'org_viewer' } })).status).toBe(404);
    expect((await api(s, 'POST', `/api/organizations/${org.id}/members`, { cookie: viewer.cookie, body: {} })).status).toBe(403);
    expect((await api(s, 'POST', `/api/organizations/${org.id}/members`, { cookie: outsider.cookie, body: { userId: u.id, role: 'org_viewer' } })).status).toBe(403);
    expect((await api(s, 'POST', `/api/organizations/${org.id}/members`, { body: { userId: u.id, role: 'org_viewer' } })).status).toBe(401);
    expect((await api(s, 'POST', `/api/organizations/${UNKNOWN}/members`, { cookie: orgAdmin.cookie, body: { userId: u.id, role: 'org_viewer' } })).status).toBe(404);
    expect((await api(s, 'PUT', `/api/organizations/${org.id}/members/${viewer.id}`, { cookie: orgAdmin.cookie, body: { role: 'boss' } })).status).toBe(400);
    expect((await api(s, 'PUT', `/api/organizations/${org.id}/members/${viewer.id}`, { cookie: orgAdmin.cookie, body: {} })).status).toBe(400);
    expect((await api(s, 'PUT', `/api/organizations/${org.id}/members/${orgAdmin.id}`, { cookie: viewer.cookie, body: { role: 'org_viewer' } })).status).toBe(403);
    expect((await api(s, 'DELETE', `/api/organizations/${org.id}/members/${orgAdmin.id}`, { cookie: viewer.cookie })).status).toBe(403);
    // the SuperAdmin passes without a membership
    const other = await seedOrganization(s);
    expect((await api(s, 'POST', `/api/organizations/${other.id}/members`, { cookie: superAdmin.cookie, body: { userId: u.id, role: 'org_admin' } })).status).toBe(201);
  });
});

describe('organization events', () => {
  it('creates an event (201) whose creator is its Admin, and lists the events with _count, search, isActive and paging', async () => {
    const res = await api(s, 'POST', `/api/organizations/${org.id}/events`, {
      cookie: orgAdmin.cookie,
      body: {
        name: 'Org Conf 2030',
        slug: 'org-conf-2030',
        description: 'The big one',
        startDate: '2030-05-01',
        endDate: '2030-05-03T18:00:00.000Z',
        website: 'https://conf.test',
        contactEmail: 'team@conf.test',
      },
    });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      message: expect.any(String),
      event: expect.objectContaining({
        id: expect.any(String),
        name: 'Org Conf 2030',
        slug: 'org-conf-2030',
        description: 'The big one',
        startDate: '2030-05-01T00:00:00.000Z',
        endDate: '2030-05-03T18:00:00.000Z',
        website: 'https://conf.test',
        contactEmail: 'team@conf.test',
        codeOfConduct: null,
        isActive: false,
        organizationId: org.id,
      }),
    });
    const eventId = res.body.event.id;
    expect(await sql(s, 'select role, user_id from conduct_event_roles where event_id = $1', [eventId])).toEqual([{ role: 'Admin', user_id: orgAdmin.id }]);
    expect(await sql(s, 'select organization_id from conduct_events where id = $1', [eventId])).toEqual([{ organization_id: org.id }]);
    // the creator is the event's Admin from the next request on
    const session = await api(s, 'GET', '/api/session', { cookie: orgAdmin.cookie });
    expect(session.body.user.roles).toEqual(['Event Admin', 'Admin']);

    await sql(s, "insert into conduct_reports (id, event_id, type, title, description) values (gen_random_uuid(), $1, 'other', 'A report', 'Something happened')", [eventId]);
    const active = await seedEvent(s, { name: 'Active Meetup', organizationId: org.id, isActive: true });
    await seedEvent(s, { name: 'Elsewhere' });
    const list = await api(s, 'GET', `/api/organizations/${org.id}/events`, { cookie: viewer.cookie });
    expect(list.status).toBe(200);
    expect(list.body.pagination).toEqual({ page: 1, limit: 20, total: 2, totalPages: 1 });
    const conf = list.body.events.find((e: { id: string }) => e.id === eventId);
    expect(conf._count).toEqual({ reports: 1, userEventRoles: 1 });
    expect(conf.slug).toBe('org-conf-2030');
    expect((await api(s, 'GET', `/api/organizations/${org.id}/events?isActive=true`, { cookie: viewer.cookie })).body.events.map((e: { id: string }) => e.id)).toEqual([active.id]);
    expect((await api(s, 'GET', `/api/organizations/${org.id}/events?search=BIG`, { cookie: viewer.cookie })).body.events.map((e: { id: string }) => e.id)).toEqual([eventId]);
    const paged = await api(s, 'GET', `/api/organizations/${org.id}/events?limit=1&page=2`, { cookie: viewer.cookie });
    expect(paged.body.events).toHaveLength(1);
    expect(paged.body.pagination).toEqual({ page: 2, limit: 1, total: 2, totalPages: 2 });
    expect((await api(s, 'GET', `/api/organizations/${org.id}`, { cookie: viewer.cookie })).body.organization._count.events).toBe(2);
  });

  it('refuses viewers (403, before the body), bad input (400), a taken slug (409), outsiders and anonymous callers', async () => {
    expect((await api(s, 'POST', `/api/organizations/${org.id}/events`, { cookie: viewer.cookie, body: {} })).status).toBe(403);
    expect((await api(s, 'POST', `/api/organizations/${org.id}/events`, { body: { name: 'A', slug: 'a-event' } })).status).toBe(401);
    const missing = await api(s, 'POST', `/api/organizations/${org.id}/events`, { cookie: orgAdmin.cookie, body: { name: 'No Slug' } });
    expect(missing.status).toBe(400);
    expect(missing.body.details).toEqual({ slug: expect.any(String) });
    expect((await api(s, 'POST', `/api/organizations/${org.id}/events`, { cookie: orgAdmin.cookie, body: { name: 'Bad', slug: 'Bad_Slug' } })).status).toBe(400);
    expect((await api(s, 'POST', `/api/organizations/${org.id}/events`, { cookie: orgAdmin.cookie, body: { name: 'Bad', slug: 'bad-date', startDate: 'someday' } })).status).toBe(
      400,
    );
    expect((await api(s, 'POST', `/api/organizations/${org.id}/events`, { cookie: orgAdmin.cookie, body: { name: 'Bad', slug: 'bad-mail', contactEmail: 'nope' } })).status).toBe(
      400,
    );
    expect((await api(s, 'POST', `/api/organizations/${org.id}/events`, { cookie: orgAdmin.cookie, body: { name: 'Again', slug: 'org-conf-2030' } })).status).toBe(409);
    expect((await api(s, 'GET', `/api/organizations/${org.id}/events`, { cookie: outsider.cookie })).status).toBe(403);
    expect((await api(s, 'GET', `/api/organizations/${org.id}/events`)).status).toBe(401);
    expect((await api(s, 'GET', `/api/organizations/${UNKNOWN}/events`, { cookie: superAdmin.cookie })).status).toBe(404);
    expect((await api(s, 'GET', `/api/organizations/${org.id}/events?isActive=maybe`, { cookie: viewer.cookie })).status).toBe(400);
    expect((await api(s, 'GET', `/api/organizations/${org.id}/events?limit=0`, { cookie: viewer.cookie })).status).toBe(400);
  });
});

describe('logos', () => {
  it('uploads a logo by id or slug (org_admin) and serves it publicly, byte for byte, with HEAD', async () => {
    expect((await api(s, 'GET', `/api/organizations/${org.id}/logo`)).status).toBe(404);
    const up = await api(s, 'POST', `/api/organizations/${org.id}/logo`, {
      cookie: orgAdmin.cookie,
      rawBody: form({ logo: { bytes: PNG, filename: 'logo.png', type: 'image/png' } }),
    });
    expect(up.status).toBe(200);
    expect(up.body).toEqual({ message: expect.any(String) });
    for (const path of [`/conduct/api/organizations/${org.id}/logo`, `/conduct/api/organizations/slug/${org.slug}/logo`]) {
      const got = await fetch(`${s.url}${path}`);
      expect(got.status).toBe(200);
      expect(got.headers.get('content-type')).toBe('image/png');
      expect(Buffer.from(await got.arrayBuffer()).equals(PNG)).toBe(true);
      const head = await fetch(`${s.url}${path}`, { method: 'HEAD' });
      expect(head.status).toBe(200);
      expect(head.headers.get('content-type')).toBe('image/png');
    }
    const [{ logo_file_id: first }] = await sql<{ logo_file_id: string }>(s, 'select logo_file_id from conduct_organizations where id = $1', [org.id]);
    const bySlug = await api(s, 'POST', `/api/organizations/slug/${org.slug}/logo`, {
      cookie: superAdmin.cookie,
      rawBody: form({ logo: { bytes: JPEG, filename: 'logo.jpg', type: 'image/jpeg' } }),
    });
    expect(bySlug.status).toBe(200);
    const got = await fetch(`${s.url}/conduct/api/organizations/${org.id}/logo`);
    expect(got.headers.get('content-type')).toBe('image/jpeg');
    expect(Buffer.from(await got.arrayBuffer()).equals(JPEG)).toBe(true);
    // the replaced logo's bytes are gone
    expect(await sql(s, 'select 1 from stored_files where id = $1', [first])).toEqual([]);
  });

  it('refuses no file or non-image bytes (400) keeping the old logo, too big (413/400), viewers (403), anonymous (401), unknown (404)', async () => {
    const png = () => form({ logo: { bytes: PNG, filename: 'logo.png', type: 'image/png' } });
    await api(s, 'POST', `/api/organizations/${org.id}/logo`, { cookie: orgAdmin.cookie, rawBody: png() });
    expect((await api(s, 'POST', `/api/organizations/${org.id}/logo`, { rawBody: png() })).status).toBe(401);
    expect((await api(s, 'POST', `/api/organizations/${org.id}/logo`, { cookie: viewer.cookie, rawBody: form({ note: 'no file' }) })).status).toBe(403);
    expect((await api(s, 'POST', `/api/organizations/slug/${org.slug}/logo`, { cookie: outsider.cookie, rawBody: png() })).status).toBe(403);
    const none = await api(s, 'POST', `/api/organizations/${org.id}/logo`, { cookie: orgAdmin.cookie, rawBody: form({ note: 'no file' }) });
    expect(none.status).toBe(400);
    expect(none.body.error).toEqual(expect.any(String));
    const text = await api(s, 'POST', `/api/organizations/${org.id}/logo`, {
      cookie: orgAdmin.cookie,
      rawBody: form({ logo: { bytes: TEXT, filename: 'logo.png', type: 'image/png' } }),
    });
    expect(text.status).toBe(400);
    const big = Buffer.concat([PNG, Buffer.alloc(5 * 1024 * 1024 + 10)]);
    const tooBig = await api(s, 'POST', `/api/organizations/${org.id}/logo`, {
      cookie: orgAdmin.cookie,
      rawBody: form({ logo: { bytes: big, filename: 'big.png', type: 'image/png' } }),
    });
    expect([400, 413]).toContain(tooBig.status);
    const kept = await fetch(`${s.url}/conduct/api/organizations/${org.id}/logo`);
    expect(Buffer.from(await kept.arrayBuffer()).equals(PNG)).toBe(true);
    expect((await api(s, 'POST', `/api/organizations/${UNKNOWN}/logo`, { cookie: superAdmin.cookie, rawBody: png() })).status).toBe(404);
    expect((await api(s, 'GET', `/api/organizations/${UNKNOWN}/logo`)).status).toBe(404);
    expect((await api(s, 'GET', '/api/organizations/slug/no-such-org/logo')).status).toBe(404);
  });
});

describe('invite links', () => {
  it('creates (201), lists and disables invite links (org_admin); the public page shows one; using it grants its role', async () => {
    const created = await api(s, 'POST', `/api/organizations/${org.id}/invites`, {
      cookie: orgAdmin.cookie,
      body: { role: 'org_viewer', maxUses: '2', note: 'for the team', expiresAt: '2099-01-01T00:00' },
    });
    expect(created.status).toBe(201);
    const inv = created.body.invite;
    expect(created.body).toEqual({
      message: expect.any(String),
      invite: expect.objectContaining({
        id: expect.any(String),
        code: expect.stringMatching(/^[0-9a-f]{32}$/),
        role: 'org_viewer',
        maxUses: 2,
        useCount: 0,
        expiresAt: expect.stringMatching(/^2099-01-01/),
        disabled: false,
        note: 'for the team',
      }),
    });
    expect(inv.url).toBe(`/org-invite/${inv.code}`);
    const list = await api(s, 'GET', `/api/organizations/${org.id}/invites`, { cookie: orgAdmin.cookie });
    expect(list.status).toBe(200);
    expect(list.body.invites).toEqual([inv]);

    const page = await api(s, 'GET', `/api/organizations/invite/${inv.code}`);
    expect(page.status).toBe(200);
    expect(page.body).toEqual({ organization: { id: org.id, name: 'Seeded Org Renamed', slug: org.slug, description: 'Now described' }, invite: inv });

    const joiner = await conductUser(s, { name: 'Jo Joiner' });
    expect((await api(s, 'POST', `/api/organizations/invite/${inv.code}/use`)).status).toBe(401);
    const used = await api(s, 'POST', `/api/organizations/invite/${inv.code}/use`, { cookie: joiner.cookie });
    expect(used.status).toBe(200);
    expect(used.body).toEqual({ message: expect.any(String), organization: expect.objectContaining({ id: org.id, slug: org.slug }), role: 'org_viewer' });
    expect((await api(s, 'GET', `/api/organizations/${org.id}`, { cookie: joiner.cookie })).status).toBe(200);
    expect((await api(s, 'POST', `/api/organizations/invite/${inv.code}/use`, { cookie: joiner.cookie })).status).toBe(409);
    expect((await api(s, 'GET', `/api/organizations/invite/${inv.code}`)).body.invite.useCount).toBe(1);

    const patched = await api(s, 'PATCH', `/api/organizations/${org.id}/invites/${inv.id}`, { cookie: orgAdmin.cookie, body: { disabled: true, note: 'closed' } });
    expect(patched.status).toBe(200);
    expect(patched.body.message).toEqual(expect.any(String));
    const another = await conductUser(s);
    const disabled = await api(s, 'POST', `/api/organizations/invite/${inv.code}/use`, { cookie: another.cookie });
    expect(disabled.status).toBe(400);
    expect(disabled.body.error).toEqual(expect.any(String));
    expect((await api(s, 'GET', `/api/organizations/invite/${inv.code}`)).body.invite).toEqual(expect.objectContaining({ disabled: true, note: 'closed' }));
  });

  it('refuses unusable codes (400), unknown codes (404 on the page), bad roles (400) and non-admins (403)', async () => {
    const u = await conductUser(s);
    const expired = await seedInvite(s, { organizationId: org.id }, { role: 'org_viewer', expiresAt: new Date(Date.now() - 1000) });
    const usedUp = await seedInvite(s, { organizationId: org.id }, { role: 'org_admin', maxUses: 1, useCount: 1 });
    const eventInvite = await seedInvite(s, { eventId: (await seedEvent(s)).id });
    expect((await api(s, 'POST', `/api/organizations/invite/${expired.code}/use`, { cookie: u.cookie })).status).toBe(400);
    expect((await api(s, 'POST', `/api/organizations/invite/${usedUp.code}/use`, { cookie: u.cookie })).status).toBe(400);
    expect((await api(s, 'POST', `/api/organizations/invite/${eventInvite.code}/use`, { cookie: u.cookie })).status).toBe(400);
    expect((await api(s, 'POST', '/api/organizations/invite/nope/use', { cookie: u.cookie })).status).toBe(400);
    expect((await api(s, 'GET', '/api/organizations/invite/nope')).status).toBe(404);
    expect((await api(s, 'GET', `/api/organizations/invite/${eventInvite.code}`)).status).toBe(404);
    // an admin invite makes an org_admin
    const adminInvite = await api(s, 'POST', `/api/organizations/${org.id}/invites`, { cookie: superAdmin.cookie, body: { role: 'org_admin' } });
    expect(adminInvite.status).toBe(201);
    expect((await api(s, 'POST', `/api/organizations/invite/${adminInvite.body.invite.code}/use`, { cookie: u.cookie })).body.role).toBe('org_admin');
    expect((await api(s, 'GET', `/api/organizations/${org.id}/invites`, { cookie: u.cookie })).status).toBe(200);

    expect((await api(s, 'POST', `/api/organizations/${org.id}/invites`, { cookie: orgAdmin.cookie, body: { role: 'Reporter' } })).status).toBe(400);
    expect((await api(s, 'POST', `/api/organizations/${org.id}/invites`, { cookie: orgAdmin.cookie, body: {} })).status).toBe(400);
    expect((await api(s, 'POST', `/api/organizations/${org.id}/invites`, { cookie: orgAdmin.cookie, body: { role: 'org_viewer', maxUses: 0 } })).status).toBe(400);
    expect((await api(s, 'POST', `/api/organizations/${org.id}/invites`, { cookie: viewer.cookie, body: {} })).status).toBe(403);
    expect((await api(s, 'GET', `/api/organizations/${org.id}/invites`, { cookie: viewer.cookie })).status).toBe(403);
    expect((await api(s, 'GET', `/api/organizations/${org.id}/invites`)).status).toBe(401);
    expect((await api(s, 'PATCH', `/api/organizations/${org.id}/invites/${expired.id}`, { cookie: viewer.cookie, body: { disabled: true } })).status).toBe(403);
    expect((await api(s, 'PATCH', `/api/organizations/${org.id}/invites/${UNKNOWN}`, { cookie: orgAdmin.cookie, body: { disabled: true } })).status).toBe(404);
    expect((await api(s, 'PATCH', `/api/organizations/${org.id}/invites/${expired.id}`, { cookie: orgAdmin.cookie, body: { disabled: 'yes' } })).status).toBe(400);
    // another organization's invite is 404 here
    const other = await seedOrganization(s);
    const foreign = await seedInvite(s, { organizationId: other.id }, { role: 'org_viewer' });
    expect((await api(s, 'PATCH', `/api/organizations/${org.id}/invites/${foreign.id}`, { cookie: orgAdmin.cookie, body: { disabled: true } })).status).toBe(404);
  });

  it('works through GraphQL with the same rules', async () => {
    const doc = `mutation($id: ID!, $input: ConductOrgInviteInput!) { createConductOrgInvite(organizationId: $id, input: $input) { code role } }`;
    const denied = await s.gql(doc, { id: org.id, input: { role: 'org_viewer' } }, { cookie: viewer.cookie });
    expect(denied.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const made = await s.gql<{ createConductOrgInvite: { code: string; role: string } }>(doc, { id: org.id, input: { role: 'ORG_VIEWER' } }, { cookie: orgAdmin.cookie });
    expect(made.data?.createConductOrgInvite.role).toBe('org_viewer');
    const u = await conductUser(s);
    const used = await s.gql<{ useConductOrgInvite: { role: string; organization: { slug: string } } }>(
      `mutation($code: String!) { useConductOrgInvite(code: $code) { role organization { slug } } }`,
      { code: made.data!.createConductOrgInvite.code },
      { cookie: u.cookie },
    );
    expect(used.data).toEqual({ useConductOrgInvite: { role: 'ORG_VIEWER', organization: { slug: org.slug } } });
    const mine = await s.gql(`{ myConductOrganizations { role organization { id memberships(limit: 50) { user { id } } } } }`, {}, { cookie: u.cookie });
    expect(mine.errors).toBeUndefined();
    expect(mine.data).toEqual({ myConductOrganizations: [{ role: 'ORG_VIEWER', organization: { id: org.id, memberships: expect.arrayContaining([{ user: { id: u.id } }]) } }] });
    // the public view does not show members to anonymous callers
    const anon = await s.gql(`query($code: String!) { conductOrgInvite(code: $code) { organization { name memberships { id } } } }`, {
      code: made.data!.createConductOrgInvite.code,
    });
    expect(anon.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});

describe('deleting an organization', () => {
  it("is for the SuperAdmin only and takes the organization's data and logos with it; then 404", async () => {
    const doomed = (await api(s, 'POST', '/api/organizations', { cookie: superAdmin.cookie, body: { name: 'Doomed Org', slug: 'doomed-org' } })).body.organization;
    await grantOrgRole(s, orgAdmin.id, doomed.id, 'org_admin');
    const ev = (await api(s, 'POST', `/api/organizations/${doomed.id}/events`, { cookie: orgAdmin.cookie, body: { name: 'Doomed Event', slug: 'doomed-event' } })).body.event;
    await sql(
      s,
      "insert into conduct_reports (id, event_id, type, title, description, state) values (gen_random_uuid(), $1, 'other', 'A report', 'Something happened', 'submitted')",
      [ev.id],
    );
    await api(s, 'POST', `/api/organizations/${doomed.id}/invites`, { cookie: orgAdmin.cookie, body: { role: 'org_viewer' } });
    await api(s, 'POST', `/api/organizations/${doomed.id}/logo`, { cookie: orgAdmin.cookie, rawBody: form({ logo: { bytes: PNG, filename: 'logo.png', type: 'image/png' } }) });
    const [{ logo_file_id: logoFile }] = await sql<{ logo_file_id: string }>(s, 'select logo_file_id from conduct_organizations where id = $1', [doomed.id]);
    expect(logoFile).toEqual(expect.any(String));

    expect((await api(s, 'DELETE', `/api/organizations/${doomed.id}`)).status).toBe(401);
    const denied = await api(s, 'DELETE', `/api/organizations/${doomed.id}`, { cookie: orgAdmin.cookie });
    expect(denied.status).toBe(403);
    expect(denied.body.error).toEqual(expect.any(String));
    const res = await api(s, 'DELETE', `/api/organizations/${doomed.id}`, { cookie: superAdmin.cookie });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ message: expect.any(String) });
    expect((await api(s, 'GET', `/api/organizations/${doomed.id}`, { cookie: superAdmin.cookie })).status).toBe(404);
    expect((await api(s, 'DELETE', `/api/organizations/${doomed.id}`, { cookie: superAdmin.cookie })).status).toBe(404);
    expect((await api(s, 'GET', `/api/organizations/${doomed.id}/logo`)).status).toBe(404);
    expect(await sql(s, 'select 1 from conduct_events where id = $1', [ev.id])).toEqual([]);
    expect(await sql(s, 'select 1 from conduct_event_roles where event_id = $1', [ev.id])).toEqual([]);
    expect(await sql(s, 'select 1 from conduct_reports where event_id = $1', [ev.id])).toEqual([]);
    expect(await sql(s, 'select 1 from conduct_invites where organization_id = $1', [doomed.id])).toEqual([]);
    expect(await sql(s, 'select 1 from conduct_org_memberships where organization_id = $1', [doomed.id])).toEqual([]);
    expect(await sql(s, 'select 1 from stored_files where id = $1', [logoFile])).toEqual([]);
    expect(await sql(s, "select count(*)::int as n from conduct_audit_logs where action = 'organization.deleted' and target_id = $1", [doomed.id])).toEqual([{ n: 1 }]);
  });
});

describe('live membership', () => {
  it("tells the organization's members of membership changes; someone removed hears only their own from then on", async () => {
    const live = await seedOrganization(s, { name: 'Live Org' });
    await grantOrgRole(s, orgAdmin.id, live.id, 'org_admin');
    await grantOrgRole(s, viewer.id, live.id, 'org_viewer');
    const first = await conductUser(s);
    const second = await conductUser(s);
    const ws = s.ws(undefined, { headers: { cookie: viewer.cookie } });
    try {
      const got = collect<{ conductOrgMembershipChanged: { kind: string; userId: string; organizationId: string } }>(
        ws,
        'subscription($o: ID!) { conductOrgMembershipChanged(organizationId: $o) { kind userId organizationId } }',
        { o: live.id },
        3,
      );
      await got.ready;
      const members = (method: string, path: string, body?: unknown) =>
        api(s, method, `/api/organizations/${live.id}/members${path}`, { cookie: orgAdmin.cookie, body }).then((r) => expect(r.status).toBeLessThan(300));
      await members('POST', '', { userId: first.id, role: 'org_viewer' }); // seen: a member's view
      await members('DELETE', `/${viewer.id}`); // seen: their own
      await members('POST', '', { userId: second.id, role: 'org_viewer' }); // not seen: no longer a member
      await members('POST', '', { userId: viewer.id, role: 'org_admin' }); // seen: their own
      const seen = (await got.done).map((r) => r.data!.conductOrgMembershipChanged);
      expect(seen).toEqual([
        { kind: 'MEMBER_ADDED', userId: first.id, organizationId: live.id },
        { kind: 'MEMBER_REMOVED', userId: viewer.id, organizationId: live.id },
        { kind: 'MEMBER_ADDED', userId: viewer.id, organizationId: live.id },
      ]);
    } finally {
      await ws.dispose();
    }
  });

  it('refuses an anonymous subscriber and answers 404 for an unknown organization', async () => {
    const anon = s.ws();
    const authed = s.ws(undefined, { headers: { cookie: viewer.cookie } });
    try {
      const doc = 'subscription($o: ID!) { conductOrgMembershipChanged(organizationId: $o) { kind } }';
      const code = (rs: { errors?: readonly { extensions?: { code?: unknown } }[] }[]) => rs[0]?.errors?.[0]?.extensions?.code;
      expect(code(await collect(anon, doc, { o: org.id }, 1, 3000).done.catch((e) => [e]))).toBe('UNAUTHENTICATED');
      expect(code(await collect(authed, doc, { o: UNKNOWN }, 1, 3000).done.catch((e) => [e]))).toBe('NOT_FOUND');
    } finally {
      await anon.dispose();
      await authed.dispose();
    }
  });
});
