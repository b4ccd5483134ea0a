/**
 * Issue 12: every part-1 call of conduct's own frontend (mattstratton/conducky frontend/, listed in
 * docs/compat/conduct-frontend-calls.md), replayed against the server mounted at the root
 * (COMPAT_ROOT=conduct) from the frontend's own origin (ALLOWED_ORIGINS) exactly as its pages send them
 * — paths and query strings, JSON or FormData bodies, cookies only where the page says
 * `credentials: 'include'`, the preflights — and the fields the pages read, with their types.
 * The state builds up in order, as a deployment is used: first run, accounts, settings, the SuperAdmin's
 * events, organizations, an event's team, the profile.
 */
import { PNG } from './cakeplanner.helpers';
import { api, conductUser, seedEvent, sql, STRONG } from './conduct.helpers';
import { Browser, emailOf, file, FRONTEND, isoDate } from './conduct-frontend.helpers';
import { startCountingServer, CountingServer } from './support/sql-counter';
import { startTestServer, TestServer, unique } from './support/server';

/** The frontend's and the links' origin: the deployment where the pages and the API share PUBLIC_URL. */
const PUBLIC_URL = 'https://conduct.example.test';

let s: TestServer;

beforeAll(async () => {
  s = await startTestServer({ COMPAT_ROOT: 'conduct', ALLOWED_ORIGINS: FRONTEND, PUBLIC_URL });
});
afterAll(() => s?.close());

interface Account {
  b: Browser;
  id: string;
  name: string;
  email: string;
  password: string;
}

/** pages/register.tsx: check-email while typing, then POST /api/auth/register {name, email (trimmed, lower case), password}. */
async function register(name: string, b = new Browser(s)): Promise<Account> {
  const email = emailOf(name);
  const check = await b.fetch(`/api/auth/check-email?email=${encodeURIComponent(email)}`);
  expect(check.ok).toBe(true);
  expect(check.body.available).toBe(true);
  const res = await b.fetch('/api/auth/register', { method: 'POST', json: { name, email: email.trim().toLowerCase(), password: STRONG } });
  expect(res.ok).toBe(true);
  return { b, id: res.body.user.id, name, email, password: STRONG };
}

/** pages/login.tsx: POST /api/auth/login {email, password}, then GET /api/session for the user context. */
async function login(a: Account): Promise<any> {
  const res = await a.b.fetch('/api/auth/login', { method: 'POST', json: { email: a.email, password: a.password } });
  expect(res.ok).toBe(true);
  expect(a.b.cookie).toMatch(/^session=./);
  const session = await a.b.fetch('/api/session');
  expect(session.ok).toBe(true);
  return session.body.user;
}

/** The session user as _app.tsx keeps it and the pages read it (`user.roles.includes('SuperAdmin')`, `user.avatarUrl`). */
function expectSessionUser(u: any, a: Account, roles: string[]) {
  expect(u).toEqual({ id: a.id, email: a.email, name: a.name, avatarUrl: null, roles });
}

let boss: Account; // the SuperAdmin (the first account)
let olga: Account; // organization admin
let ada: Account; // event admin (through the SuperAdmin's admin invite)
let rita: Account; // Responder (through an event invite)
let rob: Account; // Reporter (registers from an invite link)
let nina: Account; // no role anywhere

describe('first run, registration and sign-in (index, register, login, nav-user)', () => {
  it('GET / tells the landing page that the first user is needed, and no more once one exists', async () => {
    const b = new Browser(s);
    const first = await b.fetch('/');
    expect(first.body.firstUserNeeded).toBe(true);
    // FirstUserSetup: POST /api/auth/register {name, email, password}
    boss = await register('Boss Admin', b);
    const after = await b.fetch('/');
    expect(after.ok).toBe(true);
    expect(after.body.firstUserNeeded).toBeUndefined();
    expect(after.body.message).toEqual(expect.any(String));
  });

  it('the register page sees a taken address and the "Email already registered" refusal it matches', async () => {
    const b = new Browser(s);
    const check = await b.fetch(`/api/auth/check-email?email=${encodeURIComponent(boss.email)}`);
    expect(check.body.available).toBe(false);
    const dup = await b.fetch('/api/auth/register', { method: 'POST', json: { name: 'Again', email: boss.email, password: STRONG } });
    expect(dup.ok).toBe(false);
    expect(dup.body.error).toContain('Email already registered');
    const weak = await b.fetch('/api/auth/register', { method: 'POST', json: { name: 'Weak', email: emailOf('weak'), password: 'short' } });
    expect(weak.status).toBe(400);
    expect(weak.body.error).toEqual(expect.any(String));
  });

  it('logs in with the cookie; the session carries the user the pages read; a wrong password shows data.error', async () => {
    const wrong = await boss.b.fetch('/api/auth/login', { method: 'POST', json: { email: boss.email, password: 'Wrong!pass1' } });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error).toEqual(expect.any(String));
    expect(boss.b.cookie).toBeNull();
    expectSessionUser(await login(boss), boss, ['SuperAdmin']);
    for (const name of ['Olga Org', 'Ada Admin', 'Nina None']) {
      const a = await register(name);
      expectSessionUser(await login(a), a, []);
      if (name === 'Olga Org') olga = a;
      else if (name === 'Ada Admin') ada = a;
      else nina = a;
    }
  });

  it('nav-user logs out with a bare POST; the next session check is anonymous (no data.user)', async () => {
    const a = await register('Short Stay');
    await login(a);
    const out = await a.b.fetch('/api/auth/logout', { method: 'POST' });
    expect(out.ok).toBe(true);
    const session = await a.b.fetch('/api/session');
    expect(session.ok).toBe(true);
    expect(session.body.user).toBeUndefined();
    expect(session.body.authenticated).toBe(false);
  });
});

describe('password reset pages (forgot-password, reset-password at /auth/*)', () => {
  it('mails a link, validates the token, resets with {token, password}; the used token shows data.error', async () => {
    const a = await register('Forgetful Fred');
    const b = new Browser(s);
    const forgot = await b.fetch('/auth/forgot-password', { method: 'POST', json: { email: a.email.trim().toLowerCase() } });
    expect(forgot.ok).toBe(true);
    const [mail] = await sql<{ text: string }>(s, 'select text from mail_messages where to_address = $1 order by created_at desc limit 1', [a.email]);
    const token = new RegExp(`^${PUBLIC_URL}/reset-password\\?token=([A-Za-z0-9_-]+)$`, 'm').exec(mail.text)![1];

    const valid = await b.fetch(`/auth/validate-reset-token?token=${encodeURIComponent(token)}`);
    expect(valid.ok).toBe(true);
    expect(valid.body.valid).toBe(true);
    expect(valid.body.email).toBe(a.email);

    const newPassword = 'N3w!password';
    const reset = await b.fetch('/auth/reset-password', { method: 'POST', json: { token: token.trim(), password: newPassword } });
    expect(reset.ok).toBe(true);
    await login({ ...a, password: newPassword });

    const again = await b.fetch(`/auth/validate-reset-token?token=${encodeURIComponent(token)}`);
    expect(again.ok && again.body.valid).toBe(false);
    expect(again.body.error).toEqual(expect.any(String));
    const reuse = await b.fetch('/auth/reset-password', { method: 'POST', json: { token, password: 'An0ther!pass' } });
    expect(reuse.ok).toBe(false);
    expect(reuse.body.error).toEqual(expect.any(String));
  });
});

let activeEvent: { id: string; slug: string };

describe('system settings and the public event list (admin/system/settings, index)', () => {
  it('the admin page reads settings as strings and saves the string it toggles; the landing page follows it', async () => {
    activeEvent = await seedEvent(s, { name: 'Public Conf', isActive: true });
    const anon = new Browser(s);
    const read = await boss.b.fetch('/api/admin/system/settings');
    expect(read.ok).toBe(true);
    expect(read.body.settings).toEqual({ showPublicEventList: 'false' });
    const before = await anon.fetch('/api/system/settings/public', { credentials: false });
    expect(before.body.settings.showPublicEventList).toBe('false');

    const on = await boss.b.fetch('/api/admin/system/settings', { method: 'PATCH', json: { showPublicEventList: 'true' } });
    expect(on.ok).toBe(true);
    const after = await anon.fetch('/api/system/settings/public', { credentials: false });
    expect(after.body.settings.showPublicEventList).toBe('true');
    // index.tsx fetches the list without credentials and renders name, slug, description
    const list = await anon.fetch('/api/events', { credentials: false });
    expect(list.ok).toBe(true);
    expect(list.body.events).toEqual([{ id: activeEvent.id, name: 'Public Conf', slug: activeEvent.slug, description: null }]);

    const off = await boss.b.fetch('/api/admin/system/settings', { method: 'PATCH', json: { showPublicEventList: 'false' } });
    expect(off.ok).toBe(true);
    expect((await anon.fetch('/api/system/settings/public', { credentials: false })).body.settings.showPublicEventList).toBe('false');
  });

  it('refuses the admin page to anyone but the SuperAdmin, readably', async () => {
    const res = await olga.b.fetch('/api/admin/system/settings', { method: 'PATCH', json: { showPublicEventList: 'true' } });
    expect(res.status).toBe(403);
    expect(res.body.error).toEqual(expect.any(String));
  });
});

let conf: { id: string; slug: string; name: string };

describe("the SuperAdmin's events (admin/events, admin/events/new, admin/events/[eventId]/settings, admin/dashboard)", () => {
  it('creates an event and opens its settings by data.event.id; a taken slug shows data.error', async () => {
    const slug = `conf-${unique('e')
      .toLowerCase()
      .replace(/[^a-z0-9]/g, '')}`.slice(0, 40);
    const res = await boss.b.fetch('/api/admin/events', { method: 'POST', json: { name: 'Frontend Conf', slug, description: 'A conference for the frontend test' } });
    expect(res.ok).toBe(true);
    expect(res.body.event.id).toEqual(expect.any(String));
    conf = { id: res.body.event.id, slug, name: 'Frontend Conf' };
    const dup = await boss.b.fetch('/api/admin/events', { method: 'POST', json: { name: 'Frontend Conf', slug, description: 'A conference for the frontend test' } });
    expect(dup.ok).toBe(false);
    expect(dup.body.error).toEqual(expect.any(String));
  });

  it('lists events with the fields of the table and the statistics cards, and toggles one', async () => {
    const list = await boss.b.fetch('/api/admin/events');
    expect(list.ok).toBe(true);
    const row = list.body.events.find((e: any) => e.id === conf.id);
    expect(row).toMatchObject({ id: conf.id, name: conf.name, slug: conf.slug, isActive: false, userCount: 0, reportCount: 0 });
    expect(isoDate(row.createdAt)).toBe(true);
    for (const k of ['totalEvents', 'activeEvents', 'totalUsers', 'totalReports']) expect(list.body.statistics[k]).toEqual(expect.any(Number));

    const toggle = await boss.b.fetch(`/api/admin/events/${conf.id}/toggle`, { method: 'PATCH', json: { enabled: !row.isActive } });
    expect(toggle.ok).toBe(true);
    const again = await boss.b.fetch('/api/admin/events');
    expect(again.body.events.find((e: any) => e.id === conf.id).isActive).toBe(true);
  });

  it('the dashboard reads the system stats', async () => {
    const res = await boss.b.fetch('/api/admin/events/stats');
    expect(res.ok).toBe(true);
    for (const k of ['totalEvents', 'activeEvents', 'totalUsers', 'totalReports']) expect(res.body[k]).toEqual(expect.any(Number));
    expect(typeof res.body.reportsByState).toBe('object');
    expect(Array.isArray(res.body.recentActivity)).toBe(true);
  });

  it('the event settings page reads the event, creates an Admin invite by email and lists it', async () => {
    const ev = await boss.b.fetch(`/api/admin/events/${conf.id}`);
    expect(ev.ok).toBe(true);
    expect(ev.body.event).toMatchObject({ name: conf.name, slug: conf.slug, description: 'A conference for the frontend test', isActive: true });

    const created = await boss.b.fetch(`/api/admin/events/${conf.id}/invites`, { method: 'POST', json: { email: ada.email, role: 'Admin' } });
    expect(created.ok).toBe(true);
    expect(created.body.invite.code).toMatch(/^[0-9a-f]{32}$/);
    expect(created.body.inviteUrl).toBe(`${PUBLIC_URL}/invite/${created.body.invite.code}`);

    const list = await boss.b.fetch(`/api/admin/events/${conf.id}/invites`);
    expect(list.ok).toBe(true);
    const inv = list.body.invites.find((i: any) => i.code === created.body.invite.code);
    expect(inv).toMatchObject({ id: expect.any(String), email: ada.email, role: 'Admin', status: 'Pending' });
    expect(isoDate(inv.expiresAt)).toBe(true);

    // Ada follows the link: pages/invite/[code].tsx reads the invite without credentials, then redeems
    const page = await ada.b.fetch(`/api/invites/${inv.code}`, { credentials: false });
    expect(page.ok).toBe(true);
    expect(page.body.invite).toMatchObject({ code: inv.code, disabled: false, maxUses: 1, useCount: 0 });
    expect(page.body.event).toMatchObject({ id: conf.id, name: conf.name, slug: conf.slug });
    const redeem = await ada.b.fetch(`/api/invites/${inv.code}/redeem`, { method: 'POST' });
    expect(redeem.ok).toBe(true);
    expect(redeem.body.eventSlug).toBe(conf.slug);
  });
});

let org: { id: string; slug: string };

describe('organizations (admin/organizations, orgs/[orgSlug]/*, OrganizationInviteManager, org-invite/[code])', () => {
  it('the SuperAdmin creates an organization from the form (undefined optional fields); a taken slug is refused', async () => {
    const slug = `org-${unique('o')
      .toLowerCase()
      .replace(/[^a-z0-9]/g, '')}`.slice(0, 40);
    const res = await boss.b.fetch('/api/organizations', { method: 'POST', json: { name: 'Frontend Org', slug, description: undefined, website: 'https://org.example' } });
    expect(res.ok).toBe(true);
    org = { id: res.body.organization.id, slug };
    const dup = await boss.b.fetch('/api/organizations', { method: 'POST', json: { name: 'Other', slug } });
    expect(dup.ok).toBe(false);
  });

  it('the admin list carries what its cards read: _count and the (bounded) memberships with users', async () => {
    const res = await boss.b.fetch('/api/organizations');
    expect(res.ok).toBe(true);
    const o = res.body.organizations.find((x: any) => x.id === org.id);
    expect(o).toMatchObject({ id: org.id, name: 'Frontend Org', slug: org.slug, website: 'https://org.example', _count: { events: 0, memberships: 1 }, logoUrl: null });
    expect(isoDate(o.createdAt)).toBe(true);
    // getOrgAdmins: org.memberships.filter(m => m.role === 'org_admin')
    expect(o.memberships).toEqual([{ id: expect.any(String), role: 'org_admin', createdAt: expect.any(String), user: { id: boss.id, name: boss.name, email: boss.email } }]);
  });

  it('an org_admin invite link is created, listed with an absolute url, shown on the invite page and used', async () => {
    const created = await boss.b.fetch(`/api/organizations/${org.id}/invites`, {
      method: 'POST',
      json: { maxUses: undefined, expiresAt: undefined, note: undefined, role: 'org_admin' },
    });
    expect(created.ok).toBe(true);
    // the form's number and date inputs send strings
    const limited = await boss.b.fetch(`/api/organizations/${org.id}/invites`, {
      method: 'POST',
      json: { maxUses: '3', expiresAt: '2031-05-01', note: 'for viewers', role: 'org_viewer' },
    });
    expect(limited.ok).toBe(true);

    const list = await boss.b.fetch(`/api/organizations/${org.id}/invites`);
    expect(list.ok).toBe(true);
    const admin = list.body.invites.find((i: any) => i.role === 'org_admin');
    const viewer = list.body.invites.find((i: any) => i.role === 'org_viewer');
    expect(admin).toMatchObject({ id: expect.any(String), disabled: false, useCount: 0, maxUses: null, expiresAt: null, note: null });
    expect(admin.url).toBe(`${PUBLIC_URL}/org-invite/${admin.code}`);
    expect(viewer).toMatchObject({ disabled: false, useCount: 0, maxUses: 3, note: 'for viewers' });
    expect(isoDate(viewer.expiresAt)).toBe(true);

    // pages/org-invite/[code].tsx: read without credentials, then use with the cookie
    const code = admin.url.split('/org-invite/')[1];
    const page = await olga.b.fetch(`/api/organizations/invite/${code}`, { credentials: false });
    expect(page.ok).toBe(true);
    expect(page.body.invite).toMatchObject({ role: 'org_admin', disabled: false, useCount: 0, maxUses: null, note: null, expiresAt: null });
    expect(page.body.organization).toMatchObject({ name: 'Frontend Org', slug: org.slug });
    const use = await olga.b.fetch(`/api/organizations/invite/${code}/use`, { method: 'POST' });
    expect(use.ok).toBe(true);
    expect(use.body).toEqual(expect.objectContaining({ message: expect.any(String) }));

    // the manager disables the other link with {disabled: true}
    const disable = await boss.b.fetch(`/api/organizations/${org.id}/invites/${viewer.id}`, { method: 'PATCH', json: { disabled: true } });
    expect(disable.ok).toBe(true);
    const after = await boss.b.fetch(`/api/organizations/${org.id}/invites`);
    expect(after.body.invites.find((i: any) => i.id === viewer.id).disabled).toBe(true);
  });

  it("_app lists the caller's organizations with membership.role for the sidebar", async () => {
    const res = await olga.b.fetch('/api/organizations/me');
    expect(res.ok).toBe(true);
    expect(res.body.organizations).toEqual([expect.objectContaining({ name: 'Frontend Org', slug: org.slug, membership: expect.objectContaining({ role: 'org_admin' }) })]);
  });

  it('the organization pages read it by slug (members and counts) and say 404 / 403 apart', async () => {
    const res = await olga.b.fetch(`/api/organizations/slug/${org.slug}`);
    expect(res.ok).toBe(true);
    const o = res.body.organization;
    expect(o).toMatchObject({
      id: org.id,
      name: 'Frontend Org',
      slug: org.slug,
      description: null,
      website: 'https://org.example',
      logoUrl: null,
      _count: { events: 0, memberships: 2 },
    });
    // orgs/[orgSlug]/team maps memberships to {id, role, createdAt, user: {id, name || email, email}}
    expect(o.memberships.map((m: any) => [m.user.id, m.role])).toEqual([
      [boss.id, 'org_admin'],
      [olga.id, 'org_admin'],
    ]);
    for (const m of o.memberships) expect(isoDate(m.createdAt) && typeof m.id === 'string' && typeof m.user.email === 'string').toBe(true);

    expect((await nina.b.fetch(`/api/organizations/slug/${org.slug}`)).status).toBe(403);
    expect((await olga.b.fetch('/api/organizations/slug/no-such-org')).status).toBe(404);
  });

  it('orgs/[orgSlug]/events/new posts its whole form (empty strings, an unknown location) and the list shows the event', async () => {
    const slug = `org-ev-${unique('x')
      .toLowerCase()
      .replace(/[^a-z0-9]/g, '')}`.slice(0, 40);
    const form = { name: 'Org Event', slug, description: '', location: '', startDate: '', endDate: '', website: '', contactEmail: '' };
    const res = await olga.b.fetch(`/api/organizations/${org.id}/events`, { method: 'POST', json: form });
    expect(res.status).toBe(201);
    const dated = await olga.b.fetch(`/api/organizations/${org.id}/events`, {
      method: 'POST',
      json: { ...form, name: 'Dated Event', slug: `${slug}-2`, startDate: '2030-06-01', endDate: '2030-06-03', contactEmail: 'team@example.test' },
    });
    expect(dated.status).toBe(201);
    const bad = await olga.b.fetch(`/api/organizations/${org.id}/events`, { method: 'POST', json: { ...form, slug: 'Not A Slug' } });
    expect(bad.ok).toBe(false);
    expect(bad.body.error).toEqual(expect.any(String));

    const list = await olga.b.fetch(`/api/organizations/${org.id}/events`);
    expect(list.ok).toBe(true);
    const e = list.body.events.find((x: any) => x.slug === slug);
    expect(e).toMatchObject({ id: expect.any(String), name: 'Org Event', slug, organizationId: org.id, _count: { reports: 0, userEventRoles: 1 } });
    expect(isoDate(e.createdAt) && isoDate(e.updatedAt)).toBe(true);
    const full = await olga.b.fetch(`/api/organizations/slug/${org.slug}`);
    expect(full.body.organization._count.events).toBe(2);
  });

  it('logoUrl names the stored logo once there is one, and the SuperAdmin list keeps memberships bounded', async () => {
    const form = new FormData();
    form.append('logo', file(PNG, 'logo.png', 'image/png'));
    const up = await olga.b.fetch(`/api/organizations/${org.id}/logo`, { method: 'POST', form });
    expect(up.ok).toBe(true);
    const o = (await olga.b.fetch(`/api/organizations/slug/${org.slug}`)).body.organization;
    expect(o.logoUrl).toBe(`${PUBLIC_URL}/api/organizations/${org.id}/logo`);
    const img = await olga.b.image(new URL(o.logoUrl).pathname);
    expect(img.status).toBe(200);
    expect(Buffer.from(await img.arrayBuffer())).toEqual(PNG);

    // 60 more members: the admin list carries at most 50 of them, _count says how many there are
    await sql(
      s,
      `with u as (
         insert into users (id, email, name, password_hash, role, is_active)
         select gen_random_uuid(), 'bulk-' || g || '-' || $2 || '@example.test', 'Bulk ' || g, 'x', 'USER', true from generate_series(1, 60) g
         returning id)
       insert into conduct_org_memberships (id, organization_id, user_id, role) select gen_random_uuid(), $1, u.id, 'org_viewer' from u`,
      [org.id, unique('b').toLowerCase()],
    );
    const list = await boss.b.fetch('/api/organizations');
    const row = list.body.organizations.find((x: any) => x.id === org.id);
    expect(row._count.memberships).toBe(62);
    expect(row.memberships).toHaveLength(50);
    expect(row.memberships.slice(0, 2).map((m: any) => m.user.id)).toEqual([boss.id, olga.id]);
    expect(row.logoUrl).toBe(o.logoUrl);
    // a single read still lists every member
    expect((await olga.b.fetch(`/api/organizations/slug/${org.slug}`)).body.organization.memberships).toHaveLength(62);
  });
});

let responderCode: string;

describe("an event's pages (events/[eventSlug]/*, EventMetaEditor, InviteManager, JoinEventWidget)", () => {
  it('the public event page reads the event without credentials; my-roles says what Ada holds there', async () => {
    const ev = await nina.b.fetch(`/api/events/slug/${conf.slug}`, { credentials: false });
    expect(ev.ok).toBe(true);
    expect(ev.body.event).toMatchObject({
      id: conf.id,
      name: conf.name,
      slug: conf.slug,
      description: 'A conference for the frontend test',
      startDate: null,
      endDate: null,
      website: null,
      contactEmail: null,
      codeOfConduct: null,
      logo: null,
    });

    const roles = await ada.b.fetch(`/api/events/slug/${conf.slug}/my-roles`);
    expect(roles.ok).toBe(true);
    // settings/index.tsx and team/invite.tsx test "Event Admin"
    expect(roles.body.roles).toEqual(['Event Admin', 'Admin']);
    expect((await nina.b.fetch(`/api/events/slug/${conf.slug}/my-roles`)).body.roles).toEqual([]);
    expect((await boss.b.fetch(`/api/events/slug/${conf.slug}/my-roles`)).body.roles).toContain('SuperAdmin');
    expect((await ada.b.fetch('/api/events/slug/no-such-event')).status).toBe(404);
  });

  it('the settings page checks the logo with HEAD, uploads one as FormData and shows it', async () => {
    const head = () => ada.b.fetch(`/api/events/slug/${conf.slug}/logo`, { method: 'HEAD', credentials: false });
    expect((await head()).ok).toBe(false);
    const form = new FormData();
    form.append('logo', file(PNG, 'logo.png', 'image/png'));
    const up = await ada.b.fetch(`/api/events/slug/${conf.slug}/logo`, { method: 'POST', form });
    expect(up.ok).toBe(true);
    expect(up.body.event).toMatchObject({ id: conf.id, slug: conf.slug, name: conf.name });
    expect(up.body.event.logo).toEqual(expect.any(String));
    expect((await head()).ok).toBe(true);
    // EventMetaCard / EventHeader: `${backendBaseUrl}/api/events/slug/${slug}/logo`
    const img = await nina.b.image(`/api/events/slug/${conf.slug}/logo`);
    expect(img.status).toBe(200);
    expect(img.headers.get('content-type')).toBe('image/png');
  });

  it('EventMetaEditor saves one field at a time with PATCH /events/slug/:slug (no /api) and reads data.event', async () => {
    const edits: [string, string, unknown][] = [
      ['name', 'Frontend Conf 2030', 'Frontend Conf 2030'],
      ['description', 'Now with dates', 'Now with dates'],
      ['startDate', '2030-05-01', '2030-05-01T00:00:00.000Z'],
      ['endDate', '2030-05-03', '2030-05-03T00:00:00.000Z'],
      ['website', 'https://conf.example', 'https://conf.example'],
      ['contactEmail', 'Team@Conf.example', 'team@conf.example'],
      ['codeOfConduct', '# Be kind', '# Be kind'],
      ['website', '', null],
    ];
    for (const [field, value, shown] of edits) {
      const res = await ada.b.fetch(`/events/slug/${conf.slug}`, { method: 'PATCH', json: { [field]: value } });
      expect({ field, status: res.status }).toEqual({ field, status: 200 });
      expect(res.body.event[field]).toEqual(shown);
      expect(res.body.event.slug).toBe(conf.slug);
    }
    conf.name = 'Frontend Conf 2030';
    expect((await nina.b.fetch(`/events/slug/${conf.slug}`, { method: 'PATCH', json: { name: 'Taken over' } })).status).toBe(403);
  });

  it('InviteManager lists, creates (number and date inputs as strings) and disables invite links at /events/slug/:slug/invites', async () => {
    // the SuperAdmin's invite (used by Ada) is one of the event's links
    const first = await ada.b.fetch(`/events/slug/${conf.slug}/invites`);
    expect(first.ok).toBe(true);
    expect(first.body.invites).toEqual([expect.objectContaining({ role: 'Admin', useCount: 1, maxUses: 1, note: ada.email })]);
    const mk = (json: unknown) => ada.b.fetch(`/events/slug/${conf.slug}/invites`, { method: 'POST', json });
    expect((await mk({ maxUses: '5', expiresAt: '2031-12-31', note: 'responders', role: 'Responder' })).ok).toBe(true);
    expect((await mk({ maxUses: undefined, expiresAt: undefined, note: undefined, role: 'Reporter' })).ok).toBe(true);
    expect((await mk({ role: 'Admin' })).ok).toBe(true);

    const list = await ada.b.fetch(`/events/slug/${conf.slug}/invites`);
    expect(list.body.invites).toHaveLength(4);
    const responder = list.body.invites.find((i: any) => i.role === 'Responder');
    expect(responder).toMatchObject({ id: expect.any(String), disabled: false, useCount: 0, maxUses: 5, note: 'responders' });
    expect(isoDate(responder.expiresAt)).toBe(true);
    expect(responder.url).toBe(`${PUBLIC_URL}/invite/${responder.code}`);
    responderCode = responder.code;
    const admin = list.body.invites.find((i: any) => i.role === 'Admin' && i.useCount === 0);
    const off = await ada.b.fetch(`/events/slug/${conf.slug}/invites/${admin.id}`, { method: 'PATCH', json: { disabled: true } });
    expect(off.ok).toBe(true);
    expect((await ada.b.fetch(`/events/slug/${conf.slug}/invites`)).body.invites.find((i: any) => i.id === admin.id).disabled).toBe(true);
  });

  it('JoinEventWidget reads and redeems a code at /invites/:code (no /api); data.eventSlug leads to the event', async () => {
    rita = await register('Rita Responder');
    await login(rita);
    const info = await rita.b.fetch(`/invites/${responderCode}`, { credentials: false });
    expect(info.ok).toBe(true);
    expect(info.body.invite).toMatchObject({ code: responderCode, note: 'responders', maxUses: 5, useCount: 0, disabled: false });
    expect(info.body.event.name).toBe(conf.name);
    const join = await rita.b.fetch(`/invites/${info.body.invite.code}/redeem`, { method: 'POST' });
    expect(join.ok).toBe(true);
    expect(join.body.eventSlug).toBe(conf.slug);
  });

  it('login with next=/invite/<code> redeems, and on a refusal (already a member) finds the event through the invite', async () => {
    const list = await ada.b.fetch(`/events/slug/${conf.slug}/invites`);
    const code = list.body.invites.find((i: any) => i.role === 'Reporter').code;
    rob = await register('Rob Reporter');
    await login(rob);
    const first = await rob.b.fetch(`/api/invites/${code}/redeem`, { method: 'POST' });
    expect(first.ok).toBe(true);
    expect(first.body.eventSlug).toBe(conf.slug);
    const second = await rob.b.fetch(`/api/invites/${code}/redeem`, { method: 'POST' });
    expect(second.status).toBe(409);
    expect(second.body.error).toEqual(expect.any(String));
    const invite = await rob.b.fetch(`/api/invites/${code}`);
    expect(invite.body.event.slug).toBe(conf.slug);
  });

  it('the team lists send the query strings of their pages and read the member fields', async () => {
    const base = `/api/events/slug/${conf.slug}/users`;
    const member = (u: any) => {
      expect(u).toEqual({
        id: expect.any(String),
        email: expect.any(String),
        name: expect.any(String),
        roles: expect.any(Array),
        avatarUrl: null,
        joinDate: expect.any(String),
        lastActivity: expect.any(String),
      });
    };
    // _app.tsx, no query; CoCTeamList: ?role=Responder and ?role=Admin
    expect((await rob.b.fetch(base)).ok).toBe(true);
    const responders = await rob.b.fetch(`${base}?role=Responder`);
    const admins = await rob.b.fetch(`${base}?role=Admin`);
    expect(responders.body.users.map((u: any) => u.id)).toEqual([rita.id]);
    expect(admins.body.users.map((u: any) => u.id)).toEqual([ada.id]);
    [...responders.body.users, ...admins.body.users].forEach(member);
    // the report page: ?role=Responder&limit=1000
    expect((await ada.b.fetch(`${base}?role=Responder&limit=1000`)).body.users).toHaveLength(1);

    // UserManager: ?sort&order&page&limit[&search][&role]
    const page = await ada.b.fetch(`${base}?sort=name&order=asc&page=1&limit=10`);
    expect(page.body.total).toBe(3);
    expect(page.body.users.map((u: any) => u.name)).toEqual(['Ada Admin', 'Rita Responder', 'Rob Reporter']);
    page.body.users.forEach(member);
    expect(page.body.users[0].roles[0]).toBe('Event Admin');
    const searched = await ada.b.fetch(`${base}?sort=email&order=desc&page=1&limit=10&search=${encodeURIComponent('rit')}&role=${encodeURIComponent('Responder')}`);
    expect(searched.body).toEqual({ users: [expect.objectContaining({ id: rita.id })], total: 1 });
    const byRole = await ada.b.fetch(`${base}?sort=role&order=desc&page=1&limit=10`);
    expect(byRole.body.users.map((u: any) => u.id)).toEqual([ada.id, rita.id, rob.id]);

    // team/index.tsx: URLSearchParams({search, role ('' for all), sort, order, page: '1', limit: '50'})
    const params = (role: string) => new URLSearchParams({ search: '', role, sort: 'name', order: 'asc', page: '1', limit: '50' });
    const all = await ada.b.fetch(`${base}?${params('')}`);
    expect(all.body.total).toBe(3);
    // its role menu offers SuperAdmin, which is no event role: nobody, not a refusal
    const supers = await ada.b.fetch(`${base}?${params('SuperAdmin')}`);
    expect(supers.status).toBe(200);
    expect(supers.body).toEqual({ users: [], total: 0 });
    const reporters = await ada.b.fetch(`${base}?${params('Reporter')}`);
    expect(reporters.body.users.map((u: any) => u.id)).toEqual([rob.id]);
    // a stranger's team page shows the 403 message; an unknown role word is still bad input
    expect((await nina.b.fetch(`${base}?${params('')}`)).status).toBe(403);
    expect((await ada.b.fetch(`${base}?${params('Chef')}`)).status).toBe(400);
  });

  it('the member profile page reads the profile, the activity and the reports (page=1&limit=10)', async () => {
    const reportId = (
      await sql<{ id: string }>(
        s,
        "insert into conduct_reports (id, event_id, reporter_id, title, description, type, state, severity) values (gen_random_uuid(), $1, $2, 'Loud talk', 'Someone shouted', 'harassment', 'submitted', 'high') returning id",
        [conf.id, rob.id],
      )
    )[0].id;
    const base = `/api/events/slug/${conf.slug}/users/${rob.id}`;
    const profile = await rita.b.fetch(base);
    expect(profile.ok).toBe(true);
    expect(profile.body).toEqual({
      user: { id: rob.id, name: rob.name, email: rob.email, avatarUrl: null },
      roles: ['Reporter'],
      joinDate: expect.any(String),
      lastActivity: expect.any(String),
    });
    const activity = await rita.b.fetch(`${base}/activity?page=1&limit=10`);
    expect(activity.ok).toBe(true);
    const submitted = activity.body.activities.find((a: any) => a.type === 'report');
    expect(submitted).toMatchObject({ id: expect.any(String), action: 'submitted', title: 'Loud talk', details: { type: 'harassment', state: 'submitted' } });
    expect(isoDate(submitted.timestamp)).toBe(true);
    const reports = await rita.b.fetch(`${base}/reports?page=1&limit=10`);
    expect(reports.ok).toBe(true);
    expect(reports.body.reports).toEqual([expect.objectContaining({ id: reportId, title: 'Loud talk', type: 'harassment', state: 'submitted', createdAt: expect.any(String) })]);
    // the page shows `report.urgency` when present: the report's severity
    expect(reports.body.reports[0].urgency).toBe('high');

    expect((await rob.b.fetch(`/api/events/slug/${conf.slug}/users/${rita.id}`)).status).toBe(403);
    expect((await rita.b.fetch(`/api/events/slug/${conf.slug}/users/${nina.id}`)).status).toBe(404);
  });

  it('UserManager and the team page change a member with {name, email, role} (role as listed: "Event Admin" too) and remove one', async () => {
    const url = (id: string) => `/api/events/slug/${conf.slug}/users/${id}`;
    // UserManager.handleEdit: role = eu.roles[0]: an admin's first role name is "Event Admin"
    const same = await ada.b.fetch(url(ada.id), { method: 'PATCH', json: { name: 'Ada Admin', email: ada.email, role: 'Event Admin' } });
    expect(same.ok).toBe(true);
    expect((await ada.b.fetch(`/api/events/slug/${conf.slug}/my-roles`)).body.roles).toEqual(['Event Admin', 'Admin']);
    // team/index.tsx handleRoleUpdate: {name, email, role: newRole}
    const promote = await ada.b.fetch(url(rob.id), { method: 'PATCH', json: { name: rob.name, email: rob.email, role: 'Responder' } });
    expect(promote.ok).toBe(true);
    expect((await rob.b.fetch(`/api/events/slug/${conf.slug}/my-roles`)).body.roles).toEqual(['Responder']);
    const bad = await ada.b.fetch(url(rob.id), { method: 'PATCH', json: { name: rob.name, email: rob.email, role: 'Boss' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toEqual(expect.any(String));
    expect((await rita.b.fetch(url(rob.id), { method: 'PATCH', json: { name: 'x', email: rob.email, role: 'Admin' } })).status).toBe(403);

    const gone = await ada.b.fetch(url(rob.id), { method: 'DELETE' });
    expect(gone.ok).toBe(true);
    expect((await rob.b.fetch(`/api/events/slug/${conf.slug}/my-roles`)).body.roles).toEqual([]);
  });
});

describe('the profile pages (profile, profile/settings, profile/events, dashboard)', () => {
  it('_app and the dashboard list my events with their roles and my global roles', async () => {
    const mine = await rita.b.fetch('/api/users/me/events');
    expect(mine.ok).toBe(true);
    expect(mine.body.events).toEqual([{ id: conf.id, name: conf.name, slug: conf.slug, description: 'Now with dates', roles: ['Responder'] }]);
    expect(mine.body.globalRoles).toEqual([]);
    expect((await boss.b.fetch('/api/users/me/events')).body.globalRoles).toEqual(['SuperAdmin']);
  });

  it('uploads the avatar as FormData field "avatar"; the session\'s avatarUrl loads under both prefixes the pages use; DELETE is 204', async () => {
    const form = new FormData();
    form.append('avatar', file(PNG, 'me.png', 'image/png'));
    const up = await rita.b.fetch(`/api/users/${rita.id}/avatar`, { method: 'POST', form });
    expect(up.ok).toBe(true);
    const session = (await rita.b.fetch('/api/session')).body;
    expect(session.user.avatarUrl).toBe(`/users/${rita.id}/avatar`);
    // profile.tsx: apiUrl + avatarUrl; team pages: `${apiUrl}/api${avatarUrl}`
    for (const path of [session.user.avatarUrl, `/api${session.user.avatarUrl}`]) {
      const img = await nina.b.image(path);
      expect({ path, status: img.status, type: img.headers.get('content-type') }).toEqual({ path, status: 200, type: 'image/png' });
    }
    const members = await ada.b.fetch(`/api/events/slug/${conf.slug}/users?role=Responder`);
    expect(members.body.users[0].avatarUrl).toBe(`/users/${rita.id}/avatar`);

    const other = new FormData();
    other.append('avatar', file(PNG, 'me.png', 'image/png'));
    const foreign = await nina.b.fetch(`/api/users/${rita.id}/avatar`, { method: 'POST', form: other });
    expect(foreign.status).toBe(403);
    expect(foreign.body.error).toEqual(expect.any(String));

    const del = await rita.b.fetch(`/api/users/${rita.id}/avatar`, { method: 'DELETE' });
    expect(del.status).toBe(204);
    expect((await rita.b.fetch('/api/session')).body.user.avatarUrl).toBeNull();
  });

  it('profile settings: the profile form answers data.user; a taken email shows data.error', async () => {
    const email = emailOf('rita new');
    const res = await rita.b.fetch('/api/users/me/profile', { method: 'PATCH', json: { name: 'Rita R.', email } });
    expect(res.ok).toBe(true);
    expect(res.body.user).toMatchObject({ id: rita.id, name: 'Rita R.', email, avatarUrl: null });
    rita = { ...rita, name: 'Rita R.', email };
    const taken = await rita.b.fetch('/api/users/me/profile', { method: 'PATCH', json: { name: 'Rita R.', email: ada.email } });
    expect(taken.status).toBe(409);
    expect(taken.body.error).toEqual(expect.any(String));
  });

  it('profile settings: the password form {currentPassword, newPassword}; a wrong current one shows data.error', async () => {
    const wrong = await rita.b.fetch('/api/users/me/password', { method: 'PATCH', json: { currentPassword: 'Nope!nope1', newPassword: 'Fresh!pass1' } });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error).toEqual(expect.any(String));
    const ok = await rita.b.fetch('/api/users/me/password', { method: 'PATCH', json: { currentPassword: rita.password, newPassword: 'Fresh!pass1' } });
    expect(ok.ok).toBe(true);
    rita = { ...rita, password: 'Fresh!pass1' };
    await login(rita);
  });

  it('profile settings: notification flags are read with !!, saved one at a time, and email-enabled says whether mail is on', async () => {
    const read = await rita.b.fetch('/api/user/notification-settings');
    expect(read.ok).toBe(true);
    expect(read.body).toMatchObject({ reportSubmittedEmail: false, reportAssignedEmail: false, reportCommentAddedEmail: false });
    const save = await rita.b.fetch('/api/user/notification-settings', { method: 'PATCH', json: { reportAssignedEmail: true } });
    expect(save.ok).toBe(true);
    expect((await rita.b.fetch('/api/user/notification-settings')).body.reportAssignedEmail).toBe(true);
    const mail = await rita.b.fetch('/api/config/email-enabled');
    expect(mail.ok).toBe(true);
    expect(mail.body.enabled).toBe(false);
  });

  it('profile/events joins with a code, and leaves an event (the list no longer has it); the only Admin may not leave', async () => {
    const inv = await ada.b.fetch(`/events/slug/${conf.slug}/invites`, { method: 'POST', json: { role: 'Reporter' } });
    expect(inv.ok).toBe(true);
    const code = (await ada.b.fetch(`/events/slug/${conf.slug}/invites`)).body.invites.find((i: any) => i.role === 'Reporter' && i.useCount === 0).code;
    const join = await nina.b.fetch(`/api/invites/${code.trim()}/redeem`, { method: 'POST' });
    expect(join.ok).toBe(true);
    expect(join.body.eventSlug).toBe(conf.slug);
    expect((await nina.b.fetch('/api/users/me/events')).body.events.map((e: any) => e.id)).toEqual([conf.id]);

    const leave = await nina.b.fetch(`/api/users/me/events/${conf.id}`, { method: 'DELETE' });
    expect(leave.ok).toBe(true);
    expect(leave.body.message).toEqual(expect.any(String));
    expect((await nina.b.fetch('/api/users/me/events')).body.events).toEqual([]);
    const only = await ada.b.fetch(`/api/users/me/events/${conf.id}`, { method: 'DELETE' });
    expect(only.status).toBe(400);
    expect(only.body.error).toEqual(expect.any(String));
  });
});

describe('the cookie across origins', () => {
  it("another origin's page gets no CORS answer and cannot write with the cookie", async () => {
    const evil = 'https://evil.example';
    const res = await fetch(`${s.url}/api/users/me/profile`, {
      method: 'PATCH',
      headers: { origin: evil, 'sec-fetch-site': 'cross-site', 'content-type': 'application/json', cookie: rita.b.cookie! },
      body: JSON.stringify({ name: 'Hacked' }),
    });
    expect(res.status).toBe(403);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    expect((await rita.b.fetch('/api/session')).body.user.name).toBe('Rita R.');
  });

  it('every JSON write and PATCH/DELETE above went through a preflight', () => {
    expect(ada.b.preflights).toEqual(expect.arrayContaining([`PATCH /events/slug/${conf.slug}`, `DELETE /api/events/slug/${conf.slug}/users/${rob.id}`]));
    expect(rita.b.preflights.some((p) => p.startsWith('POST /api/users/') && p.endsWith('/avatar'))).toBe(false);
  });
});

describe('without PUBLIC_URL', () => {
  let s2: TestServer;
  beforeAll(async () => {
    s2 = await startTestServer({ COMPAT_ROOT: 'conduct', ALLOWED_ORIGINS: FRONTEND });
  });
  afterAll(() => s2?.close());

  it("invite links and logo URLs are paths on the frontend's origin", async () => {
    const b = new Browser(s2);
    const email = emailOf('solo');
    expect((await b.fetch('/api/auth/register', { method: 'POST', json: { name: 'Solo Admin', email, password: STRONG } })).ok).toBe(true);
    expect((await b.fetch('/api/auth/login', { method: 'POST', json: { email, password: STRONG } })).ok).toBe(true);
    const ev = await b.fetch('/api/admin/events', { method: 'POST', json: { name: 'Solo Conf', slug: 'solo-conf', description: 'An event without PUBLIC_URL' } });
    const admin = await b.fetch(`/api/admin/events/${ev.body.event.id}/invites`, { method: 'POST', json: { email, role: 'Responder' } });
    expect(admin.body.inviteUrl).toBe(`/invite/${admin.body.invite.code}`);
    expect((await b.fetch('/events/slug/solo-conf/invites', { method: 'POST', json: { role: 'Reporter' } })).ok).toBe(true);
    const [inv] = (await b.fetch('/events/slug/solo-conf/invites')).body.invites.filter((i: any) => i.role === 'Reporter');
    expect(inv.url).toBe(`/invite/${inv.code}`);
    const o = await b.fetch('/api/organizations', { method: 'POST', json: { name: 'Solo Org', slug: 'solo-org' } });
    expect((await b.fetch(`/api/organizations/${o.body.organization.id}/invites`, { method: 'POST', json: { role: 'org_viewer' } })).ok).toBe(true);
    const [oinv] = (await b.fetch(`/api/organizations/${o.body.organization.id}/invites`)).body.invites;
    expect(oinv.url).toBe(`/org-invite/${oinv.code}`);
    const form = new FormData();
    form.append('logo', file(PNG, 'logo.png', 'image/png'));
    expect((await b.fetch('/api/organizations/slug/solo-org/logo', { method: 'POST', form })).ok).toBe(true);
    const read = await b.fetch('/api/organizations/slug/solo-org');
    expect(read.body.organization.logoUrl).toBe(`/api/organizations/${o.body.organization.id}/logo`);
  });
});

describe("the SuperAdmin's organization list with its members, in SQL", () => {
  let c: CountingServer;
  let cookie: string;
  beforeAll(async () => {
    c = await startCountingServer();
    cookie = (await conductUser(c, { name: 'Counting Admin' })).cookie;
    // 25 organizations of 80 members each, made in SQL
    await sql(
      c,
      `with o as (
         insert into conduct_organizations (id, name, slug, created_at)
         select gen_random_uuid(), 'Org ' || lpad(g::text, 2, '0'), 'counted-' || g, now() - g * interval '1 minute' from generate_series(1, 25) g returning id),
       u as (
         insert into users (id, name, email) select gen_random_uuid(), 'Member ' || g, 'counted-' || g || '@example.test' from generate_series(1, 80) g returning id)
       insert into conduct_org_memberships (id, organization_id, user_id, role) select gen_random_uuid(), o.id, u.id, 'org_viewer' from o cross join u`,
    );
  }, 120_000);
  afterAll(() => c?.close());

  it('answers a page of 3 and a page of 25 organizations with the same statements, each carrying 50 of its 80 members', async () => {
    const page = (limit: number) => c.sql.during(() => api(c, 'GET', `/api/organizations?limit=${limit}`, { cookie }));
    const small = await page(3);
    const big = await page(25);
    expect([small.result.status, big.result.status]).toEqual([200, 200]);
    expect(big.result.body.organizations).toHaveLength(25);
    for (const o of big.result.body.organizations) {
      expect(o._count.memberships).toBe(80);
      expect(o.memberships).toHaveLength(50);
    }
    expect(big.statements).toHaveLength(small.statements.length);
    // the session, the page and its total, the caller's roles, each organization's first 50 member ids, the
    // counts, those members with their users
    expect(big.statements.length).toBeLessThanOrEqual(7);
    expect(big.statements.filter((q) => /row_number\(\) over \(partition by m\.organization_id/.test(q))).toHaveLength(1);
  });
});
