/**
 * conduct's events, the SuperAdmin's routes and the system settings (conduct-core.md "SuperAdmin",
 * "Events", "System settings"), as conduct's frontend sends them, with the access matrix (anonymous 401,
 * a Reporter or another event's Admin 403, unknown 404), bad input (400), duplicates (409), and the same
 * operations through GraphQL.
 */
import { randomBytes } from 'node:crypto';
import { api, conductServer, conductUser, ConductUser, grantEventRole, seedEvent, sql } from './conduct.helpers';
import { form, JPEG, PNG } from './cakeplanner.helpers';
import type { TestServer } from './support/server';

let s: TestServer;
let superAdmin: ConductUser;
let admin: ConductUser;
let responder: ConductUser;
let reporter: ConductUser;
let outsider: ConductUser;
let otherAdmin: ConductUser;
let event: { id: string; slug: string };
let other: { id: string; slug: string };

const GIF = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');
const WEBP = Buffer.concat([Buffer.from('RIFF'), Buffer.from([0x24, 0, 0, 0]), Buffer.from('WEBPVP8 '), Buffer.alloc(32, 0)]);
const MISSING = '00000000-0000-0000-0000-000000000000';

async function seedReport(
  eventId: string,
  over: { reporterId?: string | null; assigneeId?: string | null; state?: string; title?: string; createdAt?: Date } = {},
): Promise<string> {
  const rows = await sql<{ id: string }>(
    s,
    `insert into conduct_reports (id, event_id, reporter_id, assigned_responder_id, title, description, type, state, created_at)
     values (gen_random_uuid(), $1, $2, $3, $4, 'Something happened at the venue', 'harassment', $5, $6) returning id`,
    [eventId, over.reporterId ?? null, over.assigneeId ?? null, over.title ?? `Report ${randomBytes(3).toString('hex')}`, over.state ?? 'submitted', over.createdAt ?? new Date()],
  );
  return rows[0].id;
}

const setPublicList = (on: boolean) => api(s, 'PATCH', '/api/admin/system/settings', { cookie: superAdmin.cookie, body: { showPublicEventList: on } });

beforeAll(async () => {
  ({ s, superAdmin } = await conductServer());
  admin = await conductUser(s, { name: 'Ada Admin' });
  responder = await conductUser(s, { name: 'Rita Responder' });
  reporter = await conductUser(s, { name: 'Rob Reporter' });
  outsider = await conductUser(s, { name: 'Olga Outsider' });
  otherAdmin = await conductUser(s, { name: 'Otto Admin' });
  event = await seedEvent(s, { name: 'Main Conf', isActive: true });
  other = await seedEvent(s, { name: 'Other Conf' });
  await grantEventRole(s, admin.id, event.id, 'Admin');
  await grantEventRole(s, responder.id, event.id, 'Responder');
  await grantEventRole(s, reporter.id, event.id, 'Reporter');
  await grantEventRole(s, otherAdmin.id, other.id, 'Admin');
});
afterAll(() => s?.close());

describe('system settings', () => {
  it('are public, false until set, in both shapes', async () => {
    for (const path of ['/api/system/settings', '/api/system/settings/public']) {
      const res = await api(s, 'GET', path);
      expect([path, res.status, res.body]).toEqual([path, 200, { showPublicEventList: false, settings: { showPublicEventList: 'false' } }]);
    }
  });

  it('are changed by the SuperAdmin only, with a boolean or the string "true"/"false"', async () => {
    expect((await api(s, 'PATCH', '/api/admin/system/settings', { body: { showPublicEventList: true } })).status).toBe(401);
    const denied = await api(s, 'PATCH', '/api/admin/system/settings', { cookie: admin.cookie, body: { showPublicEventList: true } });
    expect(denied.status).toBe(403);
    expect(denied.body).toEqual({ error: 'Forbidden: Super Admins only' });
    for (const bad of [{}, { showPublicEventList: 'maybe' }, { showPublicEventList: 1 }, { showPublicEventList: null }]) {
      const res = await api(s, 'PATCH', '/api/admin/system/settings', { cookie: superAdmin.cookie, body: bad });
      expect([bad, res.status]).toEqual([bad, 400]);
      expect(res.body.error).toEqual(expect.any(String));
    }
    const malformed = await api(s, 'PATCH', '/api/admin/system/settings', {
      cookie: superAdmin.cookie,
      rawBody: '{"showPublicEventList":',
      headers: { 'content-type': 'application/json' },
    });
    expect(malformed.status).toBe(400);
    const on = await api(s, 'PATCH', '/api/admin/system/settings', { cookie: superAdmin.cookie, body: { showPublicEventList: 'true' } });
    expect(on.status).toBe(200);
    expect(on.body).toEqual({ message: 'Settings updated successfully', settings: { showPublicEventList: true } });
    expect((await api(s, 'GET', '/api/system/settings')).body).toEqual({ showPublicEventList: true, settings: { showPublicEventList: 'true' } });
    // the SuperAdmin's reading path
    expect((await api(s, 'GET', '/api/admin/system/settings')).status).toBe(401);
    expect((await api(s, 'GET', '/api/admin/system/settings', { cookie: reporter.cookie })).status).toBe(403);
    expect((await api(s, 'GET', '/api/admin/system/settings', { cookie: superAdmin.cookie })).body).toEqual({
      showPublicEventList: true,
      settings: { showPublicEventList: 'true' },
    });
    const off = await setPublicList(false);
    expect(off.body.settings).toEqual({ showPublicEventList: false });
    expect(await sql(s, "select value from conduct_settings where key = 'showPublicEventList'")).toEqual([{ value: 'false' }]);
    expect((await sql<{ n: number }>(s, "select count(*)::int as n from conduct_audit_logs where action = 'system_settings.updated'"))[0].n).toBe(2);
  });

  it('are the same through GraphQL', async () => {
    const read = await s.gql('{ conductSystemSettings { showPublicEventList } }');
    expect(read.data).toEqual({ conductSystemSettings: { showPublicEventList: false } });
    const denied = await s.gql('mutation { updateConductSystemSettings(input: { showPublicEventList: true }) { showPublicEventList } }', {}, { cookie: admin.cookie });
    expect(denied.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const empty = await s.gql('mutation { updateConductSystemSettings(input: {}) { showPublicEventList } }', {}, { cookie: superAdmin.cookie });
    expect(empty.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  });
});

describe('GET /api/events (public list)', () => {
  it('hides the list from anonymous callers while the setting is off; signed-in callers see their events', async () => {
    await setPublicList(false);
    const anonymous = await api(s, 'GET', '/api/events');
    expect(anonymous.status).toBe(200);
    expect(anonymous.body).toEqual({ events: [] });
    const mine = await api(s, 'GET', '/events', { cookie: otherAdmin.cookie });
    expect(mine.body).toEqual({ events: [{ id: other.id, name: 'Other Conf', slug: other.slug, description: null }] });
    expect((await api(s, 'GET', '/api/events', { cookie: outsider.cookie })).body).toEqual({ events: [] });
  });

  it("lists every active event while the setting is on (and the caller's own events)", async () => {
    await setPublicList(true);
    try {
      const anonymous = await api(s, 'GET', '/api/events');
      const ids = anonymous.body.events.map((e: { id: string }) => e.id);
      expect(ids).toContain(event.id);
      expect(ids).not.toContain(other.id); // inactive
      expect(anonymous.body.events.find((e: { id: string }) => e.id === event.id)).toEqual({ id: event.id, name: 'Main Conf', slug: event.slug, description: null });
      const signedIn = (await api(s, 'GET', '/api/events', { cookie: otherAdmin.cookie })).body.events.map((e: { id: string }) => e.id);
      expect(signedIn).toEqual(expect.arrayContaining([event.id, other.id]));
      const viaGql = await s.gql<{ conductEvents: { id: string }[] }>('{ conductEvents { id } }');
      expect(viaGql.data?.conductEvents.map((e) => e.id)).toEqual(ids);
    } finally {
      await setPublicList(false);
    }
  });
});

describe('an event by slug and by id', () => {
  it('is public by slug (404 unknown)', async () => {
    const res = await api(s, 'GET', `/api/events/slug/${event.slug}`);
    expect(res.status).toBe(200);
    expect(res.body.event).toEqual(
      expect.objectContaining({
        id: event.id,
        name: 'Main Conf',
        slug: event.slug,
        description: null,
        startDate: null,
        endDate: null,
        website: null,
        contactEmail: null,
        codeOfConduct: null,
        isActive: true,
        logo: null,
      }),
    );
    expect((await api(s, 'GET', `/events/slug/${event.slug}`)).body).toEqual(res.body);
    const unknown = await api(s, 'GET', '/api/events/slug/no-such-event');
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({ error: expect.any(String) });
  });

  it("is for the event's Admins and the SuperAdmin by id", async () => {
    expect((await api(s, 'GET', `/api/events/${event.id}`)).status).toBe(401);
    expect((await api(s, 'GET', `/api/events/${event.id}`, { cookie: reporter.cookie })).status).toBe(403);
    expect((await api(s, 'GET', `/api/events/${event.id}`, { cookie: responder.cookie })).status).toBe(403);
    expect((await api(s, 'GET', `/api/events/${event.id}`, { cookie: otherAdmin.cookie })).status).toBe(403);
    const byAdmin = await api(s, 'GET', `/api/events/${event.id}`, { cookie: admin.cookie });
    expect(byAdmin.status).toBe(200);
    expect(byAdmin.body.event.slug).toBe(event.slug);
    expect((await api(s, 'GET', `/events/${event.id}`, { cookie: superAdmin.cookie })).status).toBe(200);
    expect((await api(s, 'GET', `/api/events/${MISSING}`, { cookie: superAdmin.cookie })).status).toBe(404);
    expect((await api(s, 'GET', '/api/events/not-a-uuid', { cookie: superAdmin.cookie })).status).toBe(404);
  });
});

describe('PATCH /api/events/slug/:slug', () => {
  it('refuses anonymous callers (401), non-Admins (403), unknown slugs (404) and bad input (400)', async () => {
    const ev = await seedEvent(s);
    await grantEventRole(s, admin.id, ev.id, 'Admin');
    await grantEventRole(s, responder.id, ev.id, 'Responder');
    const patch = (cookie: string | undefined, b: unknown, slug = ev.slug) => api(s, 'PATCH', `/api/events/slug/${slug}`, { cookie, body: b });
    expect((await patch(undefined, { name: 'X' })).status).toBe(401);
    expect((await patch(responder.cookie, { name: 'Xyz' })).status).toBe(403);
    expect((await patch(otherAdmin.cookie, { name: 'Xyz' })).status).toBe(403);
    expect((await patch(admin.cookie, { name: 'Xyz' }, 'no-such-event')).status).toBe(404);
    const bad: unknown[] = [
      {},
      { unknown: 1 },
      { name: '' },
      { name: 5 },
      { newSlug: 'Bad Slug' },
      { newSlug: '' },
      { startDate: '2025-13-01' },
      { startDate: '2025-02-30' },
      { endDate: 'tomorrow' },
      { contactEmail: 'not-an-email' },
      { description: 42 },
    ];
    for (const b of bad) {
      const res = await patch(admin.cookie, b);
      expect([b, res.status]).toEqual([b, 400]);
      expect(res.body.error).toEqual(expect.any(String));
    }
    const malformed = await api(s, 'PATCH', `/api/events/slug/${ev.slug}`, { cookie: admin.cookie, rawBody: '{"name":', headers: { 'content-type': 'application/json' } });
    expect(malformed.status).toBe(400);
  });

  it('changes the documented fields (dates as ISO or YYYY-MM-DD, "" clears), renames with 409 for a taken slug', async () => {
    const ev = await seedEvent(s, { name: 'Patch Conf' });
    await grantEventRole(s, admin.id, ev.id, 'Admin');
    const res = await api(s, 'PATCH', `/api/events/slug/${ev.slug}`, {
      cookie: admin.cookie,
      body: {
        name: 'Patched Conf',
        description: 'A conference about patches',
        startDate: '2025-03-01',
        endDate: '2025-03-03T18:00:00Z',
        website: 'https://patch.example',
        contactEmail: 'Team@Patch.Example',
        codeOfConduct: '# Be kind',
        ignored: 'extra',
      },
    });
    expect(res.status).toBe(200);
    expect(res.body.event).toEqual(
      expect.objectContaining({
        id: ev.id,
        name: 'Patched Conf',
        slug: ev.slug,
        description: 'A conference about patches',
        startDate: '2025-03-01T00:00:00.000Z',
        endDate: '2025-03-03T18:00:00.000Z',
        website: 'https://patch.example',
        contactEmail: 'team@patch.example',
        codeOfConduct: '# Be kind',
        isActive: false,
      }),
    );
    const zoneless = await api(s, 'PATCH', `/api/events/slug/${ev.slug}`, { cookie: admin.cookie, body: { startDate: '2025-03-01T09:30' } });
    expect(zoneless.body.event.startDate).toBe('2025-03-01T09:30:00.000Z');
    const cleared = await api(s, 'PATCH', `/events/slug/${ev.slug}`, { cookie: admin.cookie, body: { website: '', startDate: '', description: null } });
    expect(cleared.status).toBe(200);
    expect(cleared.body.event).toEqual(expect.objectContaining({ website: null, startDate: null, description: null, endDate: '2025-03-03T18:00:00.000Z' }));
    // the SuperAdmin without a role there may change it too
    expect((await api(s, 'PATCH', `/api/events/slug/${ev.slug}`, { cookie: superAdmin.cookie, body: { codeOfConduct: 'Be excellent' } })).status).toBe(200);
    // renaming: a taken slug is 409; the old slug is then unknown
    const taken = await api(s, 'PATCH', `/api/events/slug/${ev.slug}`, { cookie: admin.cookie, body: { newSlug: event.slug } });
    expect(taken.status).toBe(409);
    const newSlug = `renamed-${randomBytes(3).toString('hex')}`;
    const renamed = await api(s, 'PATCH', `/api/events/slug/${ev.slug}`, { cookie: admin.cookie, body: { newSlug } });
    expect(renamed.status).toBe(200);
    expect(renamed.body.event.slug).toBe(newSlug);
    expect((await api(s, 'GET', `/api/events/slug/${ev.slug}`)).status).toBe(404);
    expect((await api(s, 'PATCH', `/api/events/slug/${ev.slug}`, { cookie: admin.cookie, body: { name: 'Again' } })).status).toBe(404);
    expect((await api(s, 'GET', `/api/events/slug/${newSlug}`)).body.event.codeOfConduct).toBe('Be excellent');
    // a REST write seen by GraphQL, and a GraphQL write seen by REST
    const viaGql = await s.gql<{ conductEvent: { name: string; slug: string } }>('query($slug: String!) { conductEvent(slug: $slug) { name slug } }', { slug: newSlug });
    expect(viaGql.data?.conductEvent).toEqual({ name: 'Patched Conf', slug: newSlug });
    const gqlWrite = await s.gql(
      'mutation($slug: String!) { updateConductEvent(slug: $slug, input: { website: "https://gql.example" }) { website } }',
      { slug: newSlug },
      { cookie: admin.cookie },
    );
    expect(gqlWrite.data).toEqual({ updateConductEvent: { website: 'https://gql.example' } });
    expect((await api(s, 'GET', `/api/events/slug/${newSlug}`)).body.event.website).toBe('https://gql.example');
    const audits = await sql<{ n: number }>(s, "select count(*)::int as n from conduct_audit_logs where action = 'event.updated' and event_id = $1", [ev.id]);
    expect(audits[0].n).toBe(6);
  });
});

describe('GET /api/events/slug/:slug/my-roles', () => {
  it('answers the caller\'s roles (an Admin as "Event Admin" and "Admin"; the SuperAdmin\'s "SuperAdmin"; none: [])', async () => {
    expect((await api(s, 'GET', `/api/events/slug/${event.slug}/my-roles`)).status).toBe(401);
    expect((await api(s, 'GET', `/api/events/slug/${event.slug}/my-roles`, { cookie: admin.cookie })).body).toEqual({ roles: ['Event Admin', 'Admin'] });
    expect((await api(s, 'GET', `/events/slug/${event.slug}/my-roles`, { cookie: reporter.cookie })).body).toEqual({ roles: ['Reporter'] });
    const none = await api(s, 'GET', `/api/events/slug/${event.slug}/my-roles`, { cookie: outsider.cookie });
    expect([none.status, none.body]).toEqual([200, { roles: [] }]);
    expect((await api(s, 'GET', `/api/events/slug/${event.slug}/my-roles`, { cookie: superAdmin.cookie })).body).toEqual({ roles: ['SuperAdmin'] });
    expect((await api(s, 'GET', '/api/events/slug/no-such-event/my-roles', { cookie: admin.cookie })).status).toBe(404);
  });
});

describe('event logos', () => {
  it('uploads PNG or JPEG (Admins), serves them publicly with GET and HEAD, and keeps the old logo on a refusal', async () => {
    const ev = await seedEvent(s);
    await grantEventRole(s, admin.id, ev.id, 'Admin');
    await grantEventRole(s, reporter.id, ev.id, 'Reporter');
    const png = () => form({ logo: { bytes: PNG, filename: 'logo.png', type: 'image/png' } });
    expect((await api(s, 'GET', `/api/events/slug/${ev.slug}/logo`)).status).toBe(404);
    expect((await api(s, 'GET', `/api/events/${ev.id}/logo`)).status).toBe(404);
    expect((await api(s, 'POST', `/api/events/slug/${ev.slug}/logo`, { rawBody: png() })).status).toBe(401);
    expect((await api(s, 'POST', `/api/events/slug/${ev.slug}/logo`, { cookie: reporter.cookie, rawBody: png() })).status).toBe(403);
    expect((await api(s, 'POST', `/api/events/slug/${ev.slug}/logo`, { cookie: reporter.cookie, rawBody: form({ note: 'no file' }) })).status).toBe(403);
    expect((await api(s, 'POST', `/api/events/slug/${ev.slug}/logo`, { cookie: otherAdmin.cookie, rawBody: png() })).status).toBe(403);
    expect((await api(s, 'POST', '/api/events/slug/no-such-event/logo', { cookie: admin.cookie, rawBody: png() })).status).toBe(404);
    const noFile = await api(s, 'POST', `/api/events/slug/${ev.slug}/logo`, { cookie: admin.cookie, rawBody: form({ note: 'no file' }) });
    expect(noFile.status).toBe(400);
    expect(noFile.body.error).toEqual(expect.any(String));

    const up = await api(s, 'POST', `/api/events/slug/${ev.slug}/logo`, { cookie: admin.cookie, rawBody: png() });
    expect(up.status).toBe(200);
    expect(up.body.event).toEqual(expect.objectContaining({ id: ev.id, slug: ev.slug, logo: `/events/slug/${ev.slug}/logo` }));
    for (const path of [`/conduct/api/events/slug/${ev.slug}/logo`, `/conduct/events/slug/${ev.slug}/logo`, `/conduct/api/events/${ev.id}/logo`]) {
      const got = await fetch(`${s.url}${path}`);
      expect([path, got.status, got.headers.get('content-type')]).toEqual([path, 200, 'image/png']);
      expect(Buffer.from(await got.arrayBuffer()).equals(PNG)).toBe(true);
    }
    const head = await fetch(`${s.url}/conduct/api/events/slug/${ev.slug}/logo`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-type')).toBe('image/png');
    expect((await head.arrayBuffer()).byteLength).toBe(0);

    // refusals keep the PNG: a GIF, WebP, text, an oversize file
    for (const [bytes, type] of [
      [GIF, 'image/png'],
      [WEBP, 'image/webp'],
      [Buffer.from('not an image at all'), 'image/png'],
    ] as const) {
      const res = await api(s, 'POST', `/api/events/${ev.id}/logo`, { cookie: admin.cookie, rawBody: form({ logo: { bytes, filename: 'logo.png', type } }) });
      expect([type, res.status]).toEqual([type, 400]);
    }
    const big = Buffer.concat([PNG, Buffer.alloc(5 * 1024 * 1024 + 10)]);
    const tooBig = await api(s, 'POST', `/api/events/${ev.id}/logo`, { cookie: admin.cookie, rawBody: form({ logo: { bytes: big, filename: 'big.png', type: 'image/png' } }) });
    expect([400, 413]).toContain(tooBig.status);
    const kept = await fetch(`${s.url}/conduct/api/events/${ev.id}/logo`);
    expect(Buffer.from(await kept.arrayBuffer()).equals(PNG)).toBe(true);

    // a JPEG by id replaces it; the PNG's bytes are gone
    const jpeg = await api(s, 'POST', `/api/events/${ev.id}/logo`, {
      cookie: superAdmin.cookie,
      rawBody: form({ logo: { bytes: JPEG, filename: 'logo.jpg', type: 'image/jpeg' } }),
    });
    expect(jpeg.status).toBe(200);
    const got = await fetch(`${s.url}/conduct/api/events/slug/${ev.slug}/logo`);
    expect(got.headers.get('content-type')).toBe('image/jpeg');
    expect(Buffer.from(await got.arrayBuffer()).equals(JPEG)).toBe(true);
    expect(
      await sql(s, "select count(*)::int as n from stored_files where purpose = 'conduct-event-logo' and id in (select logo_file_id from conduct_events where id = $1)", [ev.id]),
    ).toEqual([{ n: 1 }]);
    expect((await api(s, 'GET', '/api/events/slug/no-such-event/logo')).status).toBe(404);

    // `logo: ""` in a PATCH removes it
    const removed = await api(s, 'PATCH', `/api/events/slug/${ev.slug}`, { cookie: admin.cookie, body: { logo: '' } });
    expect(removed.status).toBe(200);
    expect(removed.body.event.logo).toBeNull();
    expect((await api(s, 'GET', `/api/events/slug/${ev.slug}/logo`)).status).toBe(404);
  });
});

describe("a member's activity and reports", () => {
  let r1: string;
  let r2: string;
  let r3: string;
  beforeAll(async () => {
    r1 = await seedReport(event.id, { reporterId: reporter.id, title: 'First report title', createdAt: new Date(Date.now() - 3000) });
    r2 = await seedReport(event.id, {
      reporterId: reporter.id,
      assigneeId: responder.id,
      state: 'investigating',
      title: 'Second report title',
      createdAt: new Date(Date.now() - 2000),
    });
    r3 = await seedReport(event.id, { reporterId: admin.id, assigneeId: responder.id, title: 'Admin report title', createdAt: new Date(Date.now() - 1000) });
    await seedReport(other.id, { reporterId: reporter.id });
  });

  it("lists a user's activity in the event, newest first, paged (Responders and Admins)", async () => {
    const res = await api(s, 'GET', `/api/events/slug/${event.slug}/users/${reporter.id}/activity`, { cookie: responder.cookie });
    expect(res.status).toBe(200);
    expect(res.body.total).toBe(2);
    expect(res.body.activities).toEqual([
      { id: r2, type: 'report', action: 'submitted', title: 'Second report title', details: { type: 'harassment', state: 'investigating' }, timestamp: expect.any(String) },
      { id: r1, type: 'report', action: 'submitted', title: 'First report title', details: { type: 'harassment', state: 'submitted' }, timestamp: expect.any(String) },
    ]);
    const paged = await api(s, 'GET', `/events/slug/${event.slug}/users/${reporter.id}/activity?page=2&limit=1`, { cookie: admin.cookie });
    expect(paged.body).toEqual({ activities: [expect.objectContaining({ id: r1 })], total: 2 });
    // the admin's audited actions are activity too
    const adminActivity = await api(s, 'GET', `/api/events/slug/${event.slug}/users/${admin.id}/activity?limit=100`, { cookie: admin.cookie });
    expect(adminActivity.body.activities.map((a: { type: string }) => a.type)).toContain('report');
    expect((await api(s, 'GET', `/api/events/slug/${event.slug}/users/${reporter.id}/activity`)).status).toBe(401);
    expect((await api(s, 'GET', `/api/events/slug/${event.slug}/users/${admin.id}/activity`, { cookie: reporter.cookie })).status).toBe(403);
    expect((await api(s, 'GET', `/api/events/slug/${event.slug}/users/${reporter.id}/activity`, { cookie: otherAdmin.cookie })).status).toBe(403);
    expect((await api(s, 'GET', `/api/events/slug/no-such-event/users/${reporter.id}/activity`, { cookie: admin.cookie })).status).toBe(404);
    expect((await api(s, 'GET', `/api/events/slug/${event.slug}/users/${MISSING}/activity`, { cookie: admin.cookie })).status).toBe(404);
    for (const q of ['page=0', 'limit=0', 'limit=101', 'page=x']) {
      expect([q, (await api(s, 'GET', `/api/events/slug/${event.slug}/users/${reporter.id}/activity?${q}`, { cookie: admin.cookie })).status]).toEqual([q, 400]);
    }
  });

  it("lists a user's reports: submitted, assigned or all", async () => {
    const all = await api(s, 'GET', `/api/events/slug/${event.slug}/users/${reporter.id}/reports`, { cookie: responder.cookie });
    expect(all.status).toBe(200);
    expect(all.body.total).toBe(2);
    expect(all.body.reports.map((r: { id: string }) => r.id)).toEqual([r2, r1]);
    expect(all.body.reports[0]).toEqual(
      expect.objectContaining({
        id: r2,
        title: 'Second report title',
        state: 'investigating',
        type: 'harassment',
        reporter: { id: reporter.id, name: 'Rob Reporter', email: reporter.email, avatarUrl: null },
        assignedResponder: { id: responder.id, name: 'Rita Responder', email: responder.email, avatarUrl: null },
      }),
    );
    const assigned = await api(s, 'GET', `/events/slug/${event.slug}/users/${responder.id}/reports?type=assigned`, { cookie: admin.cookie });
    expect(assigned.body.total).toBe(2);
    expect(assigned.body.reports.map((r: { id: string }) => r.id)).toEqual([r3, r2]);
    const submitted = await api(s, 'GET', `/api/events/slug/${event.slug}/users/${responder.id}/reports?type=submitted`, { cookie: admin.cookie });
    expect(submitted.body).toEqual({ reports: [], total: 0 });
    const page = await api(s, 'GET', `/api/events/slug/${event.slug}/users/${reporter.id}/reports?type=all&limit=1&page=2`, { cookie: admin.cookie });
    expect(page.body).toEqual({ reports: [expect.objectContaining({ id: r1 })], total: 2 });
    expect((await api(s, 'GET', `/api/events/slug/${event.slug}/users/${reporter.id}/reports?type=mine`, { cookie: admin.cookie })).status).toBe(400);
    expect((await api(s, 'GET', `/api/events/slug/${event.slug}/users/${reporter.id}/reports`, { cookie: reporter.cookie })).status).toBe(403);
    expect((await api(s, 'GET', `/api/events/slug/${event.slug}/users/not-a-uuid/reports`, { cookie: admin.cookie })).status).toBe(404);
    const viaGql = await s.gql<{ conductEventUserReports: { total: number; reports: { report: { id: string } }[] } }>(
      'query($slug: String!, $id: ID!) { conductEventUserReports(slug: $slug, userId: $id, type: "submitted") { total reports { report { id } } } }',
      { slug: event.slug, id: reporter.id },
      { cookie: responder.cookie },
    );
    expect(viaGql.data?.conductEventUserReports).toEqual({ total: 2, reports: [{ report: { id: r2 } }, { report: { id: r1 } }] });
  });
});

describe('SuperAdmin: events', () => {
  let created: { id: string; slug: string };

  it('creates an event (inactive, setup required, no role for the SuperAdmin) with the documented checks', async () => {
    const slug = `admin-made-${randomBytes(3).toString('hex')}`;
    const good = { name: 'Admin Made Conf', slug, description: 'An event made by the SuperAdmin' };
    expect((await api(s, 'POST', '/api/admin/events', { body: good })).status).toBe(401);
    const denied = await api(s, 'POST', '/api/admin/events', { cookie: admin.cookie, body: good });
    expect([denied.status, denied.body]).toEqual([403, { error: 'Forbidden: Super Admins only' }]);
    const bad: unknown[] = [
      {},
      { ...good, name: 'ab' },
      { ...good, name: 'x'.repeat(101) },
      { ...good, slug: 'ab' },
      { ...good, slug: 'x'.repeat(51) },
      { ...good, slug: 'Bad_Slug' },
      { ...good, description: 'too short' },
      { ...good, name: 42 },
    ];
    for (const b of bad) {
      const res = await api(s, 'POST', '/api/admin/events', { cookie: superAdmin.cookie, body: b });
      expect([b, res.status]).toEqual([b, 400]);
      expect(res.body.error).toEqual(expect.any(String));
    }
    const res = await api(s, 'POST', '/api/admin/events', { cookie: superAdmin.cookie, body: good });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      message: expect.any(String),
      event: {
        id: expect.any(String),
        name: 'Admin Made Conf',
        slug,
        description: 'An event made by the SuperAdmin',
        isActive: false,
        setupRequired: true,
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
      },
    });
    created = { id: res.body.event.id, slug };
    expect((await api(s, 'POST', '/api/admin/events', { cookie: superAdmin.cookie, body: good })).status).toBe(409);
    expect((await api(s, 'POST', '/api/admin/events', { cookie: superAdmin.cookie, body: { ...good, slug: event.slug } })).status).toBe(409);
    expect(await sql(s, 'select 1 from conduct_event_roles where event_id = $1', [created.id])).toEqual([]);
    expect(await sql(s, "select action from conduct_audit_logs where target_id = $1 and action = 'event.created'", [created.id])).toEqual([{ action: 'event.created' }]);
  });

  it('lists every event with its counts and the statistics', async () => {
    expect((await api(s, 'GET', '/api/admin/events')).status).toBe(401);
    expect((await api(s, 'GET', '/api/admin/events', { cookie: admin.cookie })).status).toBe(403);
    const res = await api(s, 'GET', '/api/admin/events', { cookie: superAdmin.cookie });
    expect(res.status).toBe(200);
    const main = res.body.events.find((e: { id: string }) => e.id === event.id);
    const [{ reports }] = await sql<{ reports: number }>(s, 'select count(*)::int as reports from conduct_reports where event_id = $1', [event.id]);
    expect(main).toEqual(
      expect.objectContaining({
        id: event.id,
        name: 'Main Conf',
        slug: event.slug,
        description: null,
        isActive: true,
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
        userCount: 3,
        reportCount: reports,
      }),
    );
    expect(res.body.events.find((e: { id: string }) => e.id === created.id)).toEqual(expect.objectContaining({ userCount: 0, reportCount: 0, isActive: false }));
    const [totals] = await sql(
      s,
      `select (select count(*)::int from conduct_events) as "totalEvents", (select count(*)::int from conduct_events where is_active) as "activeEvents",
              (select count(*)::int from users where deleted_at is null) as "totalUsers", (select count(*)::int from conduct_reports) as "totalReports"`,
    );
    expect(res.body.statistics).toEqual(totals);
    expect(res.body.events).toHaveLength(totals.totalEvents as number);
    const viaGql = await s.gql('{ conductAdminEvents { statistics { totalEvents } } }', {}, { cookie: admin.cookie });
    expect(viaGql.errors?.[0].extensions?.code).toBe('FORBIDDEN');
  });

  it('answers the statistics with reports by state and the newest reports (stats is not an event id)', async () => {
    await seedReport(other.id, { state: 'resolved', title: 'Newest report anywhere' });
    expect((await api(s, 'GET', '/api/admin/events/stats', { cookie: reporter.cookie })).status).toBe(403);
    const res = await api(s, 'GET', '/api/admin/events/stats', { cookie: superAdmin.cookie });
    expect(res.status).toBe(200);
    const rows = await sql<{ state: string; n: number }>(s, 'select state, count(*)::int as n from conduct_reports group by state');
    const expected: Record<string, number> = { submitted: 0, acknowledged: 0, investigating: 0, resolved: 0, closed: 0 };
    for (const r of rows) expected[r.state] = r.n;
    expect(res.body.reportsByState).toEqual(expected);
    expect(res.body.totalReports).toBe(rows.reduce((n, r) => n + r.n, 0));
    expect(res.body.recentActivity.length).toBeLessThanOrEqual(10);
    expect(res.body.recentActivity[0]).toEqual({
      id: expect.any(String),
      title: 'Newest report anywhere',
      state: 'resolved',
      eventName: 'Other Conf',
      eventSlug: other.slug,
      createdAt: expect.any(String),
    });
  });

  it('switches an event on and off {enabled: boolean}', async () => {
    const toggle = (cookie: string | undefined, b: unknown, id = created.id) => api(s, 'PATCH', `/api/admin/events/${id}/toggle`, { cookie, body: b });
    expect((await toggle(undefined, { enabled: true })).status).toBe(401);
    expect((await toggle(admin.cookie, { enabled: true })).status).toBe(403);
    for (const b of [{}, { enabled: 'yes' }, { enabled: 1 }]) expect([b, (await toggle(superAdmin.cookie, b)).status]).toEqual([b, 400]);
    expect((await toggle(superAdmin.cookie, { enabled: true }, MISSING)).status).toBe(404);
    expect((await toggle(superAdmin.cookie, { enabled: true }, 'not-a-uuid')).status).toBe(404);
    const on = await toggle(superAdmin.cookie, { enabled: true });
    expect(on.status).toBe(200);
    expect(on.body).toEqual({ message: expect.any(String), event: { id: created.id, name: 'Admin Made Conf', slug: created.slug, isActive: true, updatedAt: expect.any(String) } });
    expect((await api(s, 'GET', `/api/events/slug/${created.slug}`)).body.event.isActive).toBe(true);
    const off = await s.gql('mutation($id: ID!) { setConductEventActive(eventId: $id, active: false) { isActive } }', { id: created.id }, { cookie: superAdmin.cookie });
    expect(off.data).toEqual({ setConductEventActive: { isActive: false } });
    expect(await sql(s, "select action from conduct_audit_logs where target_id = $1 and action like 'event.%abled' order by created_at", [created.id])).toEqual([
      { action: 'event.enabled' },
      { action: 'event.disabled' },
    ]);
  });

  it('shows one event with its counts and recent activity', async () => {
    expect((await api(s, 'GET', `/api/admin/events/${event.id}`, { cookie: admin.cookie })).status).toBe(403);
    const res = await api(s, 'GET', `/api/admin/events/${event.id}`, { cookie: superAdmin.cookie });
    expect(res.status).toBe(200);
    expect(res.body.event).toEqual(expect.objectContaining({ id: event.id, name: 'Main Conf', slug: event.slug, isActive: true, userCount: 3, recentActivity: expect.any(Array) }));
    expect(res.body.event.recentActivity.every((a: { eventSlug: string }) => a.eventSlug === event.slug)).toBe(true);
    expect((await api(s, 'GET', `/api/admin/events/${MISSING}`, { cookie: superAdmin.cookie })).status).toBe(404);
  });
});

describe('SuperAdmin: event invites', () => {
  it('creates Admin invites with the defaults, lists them with status, and changes them in both PATCH forms', async () => {
    const ev = await seedEvent(s, { name: 'Invite Conf' });
    const base = `/api/admin/events/${ev.id}/invites`;
    expect((await api(s, 'POST', base, { body: {} })).status).toBe(401);
    expect((await api(s, 'POST', base, { cookie: admin.cookie, body: {} })).status).toBe(403);
    expect((await api(s, 'POST', `/api/admin/events/${MISSING}/invites`, { cookie: superAdmin.cookie, body: {} })).status).toBe(404);
    for (const b of [{ role: 'Reporter' }, { role: 'Chief' }, { email: 'not-an-email' }, { maxUses: 0 }, { maxUses: 'many' }, { expiresAt: 'someday' }]) {
      const res = await api(s, 'POST', base, { cookie: superAdmin.cookie, body: b });
      expect([b, res.status]).toEqual([b, 400]);
    }

    const plain = await api(s, 'POST', base, { cookie: superAdmin.cookie, body: {} });
    expect(plain.status).toBe(201);
    expect(plain.body).toEqual({
      message: expect.any(String),
      invite: expect.objectContaining({
        id: expect.any(String),
        code: expect.any(String),
        role: 'Admin',
        maxUses: 1,
        usedCount: 0,
        isDisabled: false,
        note: null,
        createdAt: expect.any(String),
      }),
      inviteUrl: expect.stringMatching(/\/invite\/[0-9a-f]{32}$/),
    });
    const days = (Date.parse(plain.body.invite.expiresAt) - Date.now()) / 86400000;
    expect(days).toBeGreaterThan(29.9);
    expect(days).toBeLessThan(30.1);
    expect(plain.body.inviteUrl.endsWith(`/invite/${plain.body.invite.code}`)).toBe(true);

    const withEmail = await api(s, 'POST', base, {
      cookie: superAdmin.cookie,
      body: { email: 'lead@invite.example', role: 'Responder', note: 'the lead', maxUses: '3', expiresAt: '2099-01-01T10:00' },
    });
    expect(withEmail.status).toBe(201);
    expect(withEmail.body.invite).toEqual(
      expect.objectContaining({ role: 'Responder', maxUses: 3, note: 'lead@invite.example: the lead', expiresAt: expect.stringMatching(/^2099-01-01T/) }),
    );
    expect((await api(s, 'POST', base, { cookie: superAdmin.cookie, body: { role: 'Event Admin' } })).body.invite.role).toBe('Admin');

    const list = await api(s, 'GET', base, { cookie: superAdmin.cookie });
    expect(list.status).toBe(200);
    expect(list.body.invites).toHaveLength(3);
    const listedPlain = list.body.invites.find((i: { id: string }) => i.id === plain.body.invite.id);
    expect(listedPlain).toEqual(expect.objectContaining({ email: 'Not specified', status: 'Pending', useCount: 0, usedCount: 0, role: 'Admin', isDisabled: false }));
    expect(list.body.invites.find((i: { id: string }) => i.id === withEmail.body.invite.id).email).toBe('lead@invite.example: the lead');
    expect((await api(s, 'GET', base, { cookie: admin.cookie })).status).toBe(403);
    expect((await api(s, 'GET', `/api/admin/events/${MISSING}/invites`, { cookie: superAdmin.cookie })).status).toBe(404);

    const patch = (id: string, b: unknown, eventId = ev.id) => api(s, 'PATCH', `/api/admin/events/${eventId}/invites/${id}`, { cookie: superAdmin.cookie, body: b });
    const id = plain.body.invite.id as string;
    const revoked = await patch(id, { status: 'revoked' });
    expect(revoked.status).toBe(200);
    expect(revoked.body).toEqual({ message: expect.any(String), invite: expect.objectContaining({ id, isDisabled: true, updatedAt: expect.any(String) }) });
    expect((await api(s, 'GET', base, { cookie: superAdmin.cookie })).body.invites.find((i: { id: string }) => i.id === id).status).toBe('Disabled');
    expect((await patch(id, { status: 'pending' })).body.invite.isDisabled).toBe(false);
    expect((await patch(id, { status: 'expired' })).body.invite.isDisabled).toBe(true);
    expect((await patch(id, { status: 'accepted' })).body.invite.isDisabled).toBe(true);
    const fields = await patch(id, { isDisabled: false, note: 'changed', maxUses: 5, expiresAt: '2099-06-01T00:00:00Z' });
    expect(fields.body.invite).toEqual(expect.objectContaining({ isDisabled: false, note: 'changed', maxUses: 5, expiresAt: '2099-06-01T00:00:00.000Z' }));
    for (const b of [{}, { status: 'bogus' }, { isDisabled: 'yes' }, { maxUses: -1 }]) expect([b, (await patch(id, b)).status]).toEqual([b, 400]);
    expect((await patch(MISSING, { isDisabled: true })).status).toBe(404);
    expect((await patch(id, { isDisabled: true }, other.id)).status).toBe(404);
    expect((await api(s, 'PATCH', `/api/admin/events/${ev.id}/invites/${id}`, { cookie: admin.cookie, body: { status: 'revoked' } })).status).toBe(403);

    // the invitee redeems it and becomes the event's Admin; the list says Used
    const lead = await conductUser(s);
    const redeemed = await api(s, 'POST', `/api/invites/${plain.body.invite.code}/redeem`, { cookie: lead.cookie });
    expect(redeemed.status).toBe(200);
    expect((await api(s, 'GET', `/api/events/slug/${ev.slug}/my-roles`, { cookie: lead.cookie })).body).toEqual({ roles: ['Event Admin', 'Admin'] });
    const after = (await api(s, 'GET', base, { cookie: superAdmin.cookie })).body.invites.find((i: { id: string }) => i.id === id);
    expect(after).toEqual(expect.objectContaining({ status: 'Used', useCount: 1, usedCount: 1 }));

    // GraphQL
    const viaGql = await s.gql<{ conductAdminEventInvites: { id: string }[] }>(
      'query($id: ID!) { conductAdminEventInvites(eventId: $id) { id } }',
      { id: ev.id },
      { cookie: superAdmin.cookie },
    );
    expect(viaGql.data?.conductAdminEventInvites).toHaveLength(3);
  });
});
