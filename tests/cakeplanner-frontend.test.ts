/**
 * Issue 9: Cake Planner's own frontend (Zheng-Bote/cake-planner-frontends: user-app and admin-panel)
 * against the surface at the server root (COMPAT_ROOT=cakeplanner), as a browser runs it behind a proxy.
 * Every call is replayed as the client's services send it — Angular HttpClient with the auth
 * interceptor (`Authorization: Bearer <token from sessionStorage>` when there is one), JSON or FormData
 * bodies, the session cookie the browser keeps — and every field its models and templates read is
 * asserted. The SSE test parses the stream exactly as the client's SseService does.
 */
import { codeAt, currentStep } from '../src/auth/totp';
import { startTestServer, TestServer, unique } from './support/server';
import { JPEG, PNG } from './cakeplanner.helpers';

let s: TestServer;

beforeAll(async () => {
  s = await startTestServer({ COMPAT_ROOT: 'cakeplanner' });
});
afterAll(() => s.close());

/** One browser tab of the Angular app: sessionStorage's token and the cookie jar of the origin. */
class Browser {
  token: string | null = null;
  user: any = null;
  cookie: string | null = null;

  /** HttpClient through authInterceptor: Bearer when a token is stored; JSON or FormData bodies. */
  async http(method: string, url: string, body?: unknown): Promise<{ status: number; headers: Headers; body: any }> {
    const headers: Record<string, string> = { accept: 'application/json, text/plain, */*' };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    if (this.cookie) headers.cookie = this.cookie;
    let payload: string | FormData | undefined;
    if (body instanceof FormData) payload = body;
    else if (body !== undefined) {
      headers['content-type'] = 'application/json';
      payload = JSON.stringify(body);
    }
    const res = await fetch(`${s.url}${url}`, { method, headers, body: payload });
    const setCookie = res.headers.get('set-cookie');
    if (setCookie?.startsWith('session=')) this.cookie = setCookie.split(';')[0];
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text && (res.headers.get('content-type') ?? '').includes('json') ? JSON.parse(text) : text };
  }

  /** AuthService.login: POST /api/login {email, password, code?}; a token and user make the session. */
  async login(email: string, password: string, code?: string) {
    const payload: Record<string, string> = { email, password };
    if (code) payload.code = code;
    const res = await this.http('POST', '/api/login', payload);
    if (res.body?.token && res.body?.user) {
      this.token = res.body.token;
      this.user = res.body.user;
    }
    return res;
  }

  /** An <img src> or <source srcset>: the browser sends the origin's cookies, never an Authorization header. */
  async image(url: string): Promise<Response> {
    return fetch(`${s.url}${url}`, { headers: this.cookie ? { cookie: this.cookie, accept: 'image/avif,image/webp,*/*' } : {} });
  }
}

/** The client's getWebPUrl (event-detail and hall-of-fame): `<url before the last dot>__<width>.webp`. */
function getWebPUrl(originalUrl: string | undefined, width: number): string {
  if (!originalUrl) return '';
  const lastDot = originalUrl.lastIndexOf('.');
  if (lastDot === -1) return originalUrl;
  return `${originalUrl.substring(0, lastDot)}__${width}.webp`;
}

/** The fields of the client's User model, as its login, dashboard, profile and admin guard read them. */
function expectClientUser(u: any, expected: { isAdmin: boolean; groupId: string | null; groupRole: string | null; has2FA?: boolean }) {
  expect(u).toMatchObject({
    id: expect.any(String),
    name: expect.any(String),
    email: expect.any(String),
    isAdmin: expected.isAdmin,
    isActive: true,
    mustChangePassword: false,
    lastLoginAt: expect.any(String),
    groupId: expected.groupId,
    groupRole: expected.groupRole,
    emailLanguage: expect.stringMatching(/^(en|de)$/),
    language: expect.stringMatching(/^(en|de)$/),
    has2FA: expected.has2FA ?? false,
  });
  expect(Number.isNaN(Date.parse(u.lastLoginAt))).toBe(false);
}

/** RegisterUserComponent: POST /api/register {name, email, password, language}. */
async function register(b: Browser, name: string, language = 'en') {
  const email = `${name.toLowerCase()}@example.test`;
  const res = await b.http('POST', '/api/register', { name, email, password: 'cake password 1', language });
  expect(res.status).toBe(201);
  return { email, password: 'cake password 1', id: res.body.id as string };
}

/** The admin panel's adminGuard and AdminLoginComponent.finalizeLogin. */
function adminPanelAdmits(user: any): boolean {
  return !!user?.isAdmin || (user?.groupRole === 'admin' && !!user?.groupId);
}

const admin = new Browser();
const alice = new Browser(); // group admin of the bakers' group
const bob = new Browser(); // member
let adminAccount: { email: string; password: string; id: string };
let aliceAccount: { email: string; password: string; id: string };
let bobAccount: { email: string; password: string; id: string };
let group: { id: string; name: string };

describe('accounts: register and log in as the original client does', () => {
  it('registers at /api/register and logs in at /api/login with the original user fields; the first account is the admin', async () => {
    adminAccount = await register(admin, unique('Boss'));
    const res = await admin.login(adminAccount.email, adminAccount.password);
    expect(res.status).toBe(200);
    expect(res.body.token).toEqual(expect.any(String));
    expect(res.headers.get('set-cookie')).toMatch(/^session=.*HttpOnly/i);
    expectClientUser(admin.user, { isAdmin: true, groupId: null, groupRole: null });
    expect(adminPanelAdmits(admin.user)).toBe(true);

    // later accounts wait for the admin, who activates them in the admin panel (UserListComponent)
    aliceAccount = await register(alice, unique('Alice'), 'de');
    bobAccount = await register(bob, unique('Bob'));
    expect((await bob.login(bobAccount.email, bobAccount.password)).status).toBe(403);
    for (const id of [aliceAccount.id, bobAccount.id]) {
      expect((await admin.http('PUT', `/api/admin/users/${id}/status`, { isActive: true })).status).toBe(200);
    }
    expect((await bob.login(bobAccount.email, 'wrong password')).status).toBe(401);
  });

  it('lets the admin panel manage groups and roles: create, assign, set-role, and assign "None" (groupId null)', async () => {
    const created = await admin.http('POST', '/api/admin/groups', { name: unique('Bakers ') });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id: expect.any(String), name: expect.any(String) });
    group = created.body;
    const groups = await admin.http('GET', '/api/admin/groups');
    expect(groups.body.find((g: any) => g.id === group.id)).toMatchObject({ id: group.id, name: group.name, memberCount: 0, createdAt: expect.any(String) });

    // onGroupChange, then onRoleChange with the row's groupId
    for (const id of [aliceAccount.id, bobAccount.id]) {
      expect((await admin.http('POST', '/api/admin/users/assign-group', { userId: id, groupId: group.id })).status).toBe(200);
    }
    expect((await admin.http('POST', '/api/admin/groups/set-role', { userId: aliceAccount.id, groupId: group.id, role: 'admin' })).status).toBe(200);
    const users = await admin.http('GET', '/api/admin/users');
    expect(users.status).toBe(200);
    const row = (id: string) => users.body.find((u: any) => u.id === id);
    // the user list's columns: name, email, group (select on groupId), role (groupRole), isAdmin, active, actions
    expect(row(aliceAccount.id)).toMatchObject({
      name: expect.any(String),
      email: aliceAccount.email,
      groupId: group.id,
      groupRole: 'admin',
      isAdmin: false,
      isActive: true,
      mustChangePassword: false,
    });
    expect(row(bobAccount.id)).toMatchObject({ groupId: group.id, groupRole: 'member', isAdmin: false, isActive: true });
    expect(row(adminAccount.id)).toMatchObject({ groupId: null, groupRole: null, isAdmin: true });

    // togglePasswordForce, both ways
    expect((await admin.http('POST', '/api/admin/users/force-password-change', { userId: bobAccount.id, mustChange: true })).status).toBe(200);
    expect((await admin.http('POST', '/api/admin/users/force-password-change', { userId: bobAccount.id, mustChange: false })).status).toBe(200);

    // the "None" option sends groupId: null and takes the user out of the group
    const spare = new Browser();
    const spareAccount = await register(spare, unique('Spare'));
    await admin.http('POST', '/api/admin/users/assign-group', { userId: spareAccount.id, groupId: group.id });
    const none = await admin.http('POST', '/api/admin/users/assign-group', { userId: spareAccount.id, groupId: null });
    expect(none.status).toBe(200);
    expect(none.body).toEqual({ userId: spareAccount.id, groupId: null, role: null });
    const after = await admin.http('GET', '/api/admin/users');
    expect(after.body.find((u: any) => u.id === spareAccount.id)).toMatchObject({ groupId: null, groupRole: null, groups: [] });
    expect((await admin.http('POST', '/api/admin/users/assign-group', { userId: spareAccount.id, groupId: null })).status).toBe(200);
    expect((await admin.http('POST', '/api/admin/users/assign-group', { userId: unique('nobody'), groupId: null })).status).toBe(404);
    expect((await alice.http('POST', '/api/admin/users/assign-group', { userId: spareAccount.id, groupId: null })).status).toBe(401);

    // a group with no members can be deleted from the groups page
    const empty = await admin.http('POST', '/api/admin/groups', { name: unique('Empty ') });
    expect((await admin.http('DELETE', `/api/admin/groups/${empty.body.id}`)).status).toBe(204);
  });

  it('admits a group admin to the admin panel with groupId and groupRole; a member is refused', async () => {
    const res = await alice.login(aliceAccount.email, aliceAccount.password);
    expect(res.status).toBe(200);
    expectClientUser(alice.user, { isAdmin: false, groupId: group.id, groupRole: 'admin' });
    expect(alice.user.language).toBe('de');
    expect(adminPanelAdmits(alice.user)).toBe(true);
    const scoped = await alice.http('GET', '/api/admin/users');
    expect(scoped.status).toBe(200);
    expect(scoped.body.map((u: any) => u.id).sort()).toEqual([aliceAccount.id, bobAccount.id].sort());
    expect(scoped.body.find((u: any) => u.id === bobAccount.id)).toMatchObject({ groupId: group.id, groupRole: 'member' });

    await bob.login(bobAccount.email, bobAccount.password);
    expectClientUser(bob.user, { isAdmin: false, groupId: group.id, groupRole: 'member' });
    expect(adminPanelAdmits(bob.user)).toBe(false);
  });
});

describe('profile', () => {
  it('reads the groups and stores the mail language sent as languageEmail, and the language', async () => {
    const groups = await bob.http('GET', '/api/user/groups');
    expect(groups.body).toEqual([{ id: group.id, name: group.name, role: 'member' }]);
    expect((await bob.http('POST', '/api/user/settings', { languageEmail: 'de' })).status).toBe(200);
    expect((await bob.http('POST', '/api/user/settings', { language: 'de' })).status).toBe(200);
    const again = await new Browser().login(bobAccount.email, bobAccount.password);
    expect(again.body.user).toMatchObject({ emailLanguage: 'de', language: 'de' });
    expect((await bob.http('POST', '/api/user/settings', { languageEmail: 12 })).status).toBe(400);
  });

  it('changes the password with {newPassword} alone (any signed-in user, at least 8 characters)', async () => {
    const carol = new Browser();
    const account = await register(carol, unique('Carol'));
    await admin.http('PUT', `/api/admin/users/${account.id}/status`, { isActive: true });
    await carol.login(account.email, account.password);
    expect((await carol.http('POST', '/api/user/change-password', { newPassword: 'short' })).status).toBe(400);
    const changed = await carol.http('POST', '/api/user/change-password', { newPassword: 'a new cake password' });
    expect(changed.status).toBe(200);
    expect((await new Browser().login(account.email, account.password)).status).toBe(401);
    expect((await new Browser().login(account.email, 'a new cake password')).status).toBe(200);
    // DELETE /api/user (the profile's "delete account")
    expect((await carol.http('DELETE', '/api/user')).status).toBe(204);
  });

  it('sets up 2FA as the shared TwoFactorSetupComponent does ({secret, code}); login then asks for the code', async () => {
    const dave = new Browser();
    const account = await register(dave, unique('Dave'));
    await admin.http('PUT', `/api/admin/users/${account.id}/status`, { isActive: true });
    await dave.login(account.email, account.password);
    const setup = await dave.http('POST', '/api/auth/2fa/setup', {});
    expect(setup.body).toMatchObject({ secret: expect.any(String), otpauth: expect.stringMatching(/^otpauth:/) });
    const step = currentStep();
    expect((await dave.http('POST', '/api/auth/2fa/activate', { secret: setup.body.secret, code: codeAt(setup.body.secret, step) })).status).toBe(200);
    const fresh = new Browser();
    expect((await fresh.login(account.email, account.password)).body).toEqual({ require2fa: true });
    const ok = await fresh.login(account.email, account.password, codeAt(setup.body.secret, step + 1));
    expect(ok.status).toBe(200);
    expectClientUser(fresh.user, { isAdmin: false, groupId: null, groupRole: null, has2FA: true });
    // ForgotPasswordComponent
    expect((await new Browser().http('POST', '/api/auth/forgot-password', { email: account.email })).body).toEqual({ message: expect.any(String) });
  });
});

describe('events, photos and the Hall of Fame', () => {
  let eventId: string;
  let date: string;

  it('creates an event the way EventService.createEvent does (FormData: `event` JSON and `image`), and lists it with bakerName and groupName', async () => {
    date = '2031-06-15';
    const fd = new FormData();
    fd.append('event', JSON.stringify({ date, description: 'Lemon drizzle' }));
    fd.append('image', new Blob([new Uint8Array(JPEG)], { type: 'image/jpeg' }), 'cake.jpg');
    const created = await alice.http('POST', '/api/events', fd);
    expect(created.status).toBe(201);
    eventId = created.body.id;

    // CalendarComponent.loadEvents and DashboardComponent.loadNextCake
    const list = await bob.http('GET', `/api/events?start=2031-05-26&end=2031-07-06`);
    expect(list.status).toBe(200);
    const evt = list.body.find((e: any) => e.id === eventId);
    expect(evt).toMatchObject({
      id: eventId,
      date,
      description: 'Lemon drizzle',
      groupId: group.id,
      groupName: group.name,
      bakerId: aliceAccount.id,
      bakerName: alice.user.name,
      photoUrl: expect.stringMatching(/^\/api\/photos\/[0-9a-f-]{36}$/),
      rating: { average: 0, count: 0 },
      isFuture: true,
    });
  });

  it('shows the detail (EventDetailComponent) and serves its photos to an <img> with the session cookie only, variants included', async () => {
    const fd = new FormData();
    fd.append('photo', new Blob([new Uint8Array(PNG)], { type: 'image/png' }), 'mine.png');
    const up = await bob.http('POST', `/api/events/${eventId}/photo`, fd);
    expect(up.status).toBe(201);
    expect(up.body.url).toBe(`/api/photos/${up.body.id}`);

    const detail = await bob.http('GET', `/api/events/${eventId}`);
    expect(detail.status).toBe(200);
    const e = detail.body;
    expect(e).toMatchObject({
      bakerName: alice.user.name,
      bakerId: aliceAccount.id,
      groupName: group.name,
      isOwner: false,
      canDelete: false,
      photoUrl: expect.stringMatching(/^\/api\/photos\//),
    });
    expect(e.rating).toEqual({ average: 0, count: 0, myRating: null });
    expect(e.gallery).toHaveLength(2);
    for (const item of e.gallery)
      expect(item).toEqual({ id: expect.any(String), userName: expect.any(String), url: expect.stringMatching(/^\/api\/photos\//), isMine: expect.any(Boolean) });
    expect(e.gallery.find((g: any) => g.isMine)).toMatchObject({ userName: bob.user.name, url: up.body.url });

    // <picture>: the <source> variants and the <img> fallback, as the browser loads them (cookie, no Bearer)
    const urls = [e.photoUrl, ...e.gallery.map((g: any) => g.url)];
    for (const url of urls) {
      for (const variant of [url, getWebPUrl(url, 480), getWebPUrl(url, 800), getWebPUrl(url, 1280), `${url}__480.webp`, `${url}__800.webp`, `${url}__1280.webp`]) {
        const img = await bob.image(variant);
        expect([variant, img.status]).toEqual([variant, 200]);
        expect(img.headers.get('content-type')).toMatch(/^image\/(jpeg|png)$/);
      }
    }
    const pic = await bob.image(`${up.body.url}__800.webp`);
    expect(Buffer.from(await pic.arrayBuffer()).equals(PNG)).toBe(true);
    // without the cookie (and no header) the photo is not public
    expect((await fetch(`${s.url}${e.photoUrl}`)).status).toBe(401);
    expect((await bob.image(`/api/photos/${up.body.id}__640.webp`)).status).toBe(404);

    // the same event through the prefix names the prefix in its URLs
    const prefixed = await bob.http('GET', `/cakeplanner/api/events/${eventId}`);
    expect(prefixed.body.photoUrl).toBe(`/cakeplanner${e.photoUrl}`);
    expect(prefixed.body.gallery.map((g: any) => g.url)).toEqual(e.gallery.map((g: any) => `/cakeplanner${g.url}`));
    expect((await bob.image(prefixed.body.photoUrl)).status).toBe(200);

    // downloadIcs: a blob
    const ics = await bob.http('GET', `/api/events/${eventId}/ics`);
    expect(ics.status).toBe(200);
    expect(ics.headers.get('content-type')).toMatch(/^text\/calendar/);
  });

  it('rates (EventService.rateEvent sends {stars, comment: ""}), the baker her own cake too, then reloads the detail', async () => {
    expect((await bob.http('POST', `/api/events/${eventId}/rate`, { stars: 4, comment: '' })).status).toBe(200);
    const own = await alice.http('POST', `/api/events/${eventId}/rate`, { stars: 5, comment: '' });
    expect(own.status).toBe(200);
    const detail = await alice.http('GET', `/api/events/${eventId}`);
    expect(detail.body).toMatchObject({ isOwner: true, canDelete: true, rating: { average: 4.5, count: 2, myRating: 5 } });
  });

  it('fills the Hall of Fame podium and cards: bakerName, photoUrl, rating, description, date and gallery', async () => {
    const ranked = await bob.http('GET', '/api/events/ranked');
    expect(ranked.status).toBe(200);
    const evt = ranked.body.find((x: any) => x.id === eventId);
    expect(evt).toMatchObject({ bakerName: alice.user.name, description: 'Lemon drizzle', date, groupName: group.name, rating: { average: 4.5, count: 2 } });
    expect(evt.photoUrl).toMatch(/^\/api\/photos\//);
    expect(evt.gallery).toHaveLength(2);
    // the template: gallery.length, gallery.slice(0, 3) with pic.url and pic.userName
    for (const pic of evt.gallery.slice(0, 3)) expect(pic).toMatchObject({ url: expect.stringMatching(/^\/api\/photos\//), userName: expect.any(String) });
    for (const item of ranked.body) expect(Array.isArray(item.gallery)).toBe(true);
    // bakerStats: a Map keyed by bakerName
    expect(ranked.body.every((x: any) => typeof x.bakerName === 'string' && x.bakerName.length > 0)).toBe(true);
  });

  it('deletes an event (EventDetailComponent.deleteEvent)', async () => {
    const fd = new FormData();
    fd.append('event', JSON.stringify({ date: '2031-06-20', description: 'Spare' }));
    const created = await bob.http('POST', '/api/events', fd);
    expect(created.status).toBe(201);
    expect((await bob.http('DELETE', `/api/events/${created.body.id}`)).status).toBe(204);
  });
});

describe('live calendar (SseService)', () => {
  /**
   * The client's reader: fetch with Bearer and Accept, decode, split the buffer on blank lines, keep the
   * last piece as the buffer; a block that starts with `data: ` is JSON after that prefix (the whole rest
   * of the block); messages pass when `type === 'NEW_EVENT'` and their `groupId` is the user's.
   */
  function clientStream(b: Browser) {
    const ac = new AbortController();
    const accepted: any[] = [];
    const parseErrors: string[] = [];
    const blocks: string[] = [];
    const waiters = new Set<() => void>();
    const done = (async () => {
      const response = await fetch(`${s.url}/api/events/stream`, { headers: { Authorization: `Bearer ${b.token}`, Accept: 'text/event-stream' }, signal: ac.signal });
      if (!response.ok) throw new Error(`SSE Error: ${response.statusText}`);
      const reader = response.body!.getReader();
      const decoder = new TextDecoder();
      let buffer = '';
      try {
        while (true) {
          const { value, done: end } = await reader.read();
          if (end) break;
          buffer += decoder.decode(value, { stream: true });
          const lines = buffer.split('\n\n');
          buffer = lines.pop() || '';
          for (const line of lines) {
            blocks.push(line);
            const dataPrefix = 'data: ';
            if (line.startsWith(dataPrefix)) {
              const jsonStr = line.substring(dataPrefix.length);
              try {
                const data = JSON.parse(jsonStr);
                if (data.type === 'NEW_EVENT' && data.groupId === b.user?.groupId) accepted.push(data);
              } catch {
                parseErrors.push(line);
              }
            }
          }
          for (const w of [...waiters]) w();
        }
      } catch (err) {
        if ((err as Error).name !== 'AbortError') throw err;
      }
    })();
    const next = (match: (m: any) => boolean, timeoutMs = 10_000) =>
      new Promise<any>((resolve, reject) => {
        const check = () => {
          const m = accepted.find(match);
          if (m) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(m);
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no NEW_EVENT within ${timeoutMs} ms; blocks: ${JSON.stringify(blocks)}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    return { accepted, parseErrors, blocks, next, close: () => ac.abort(), done };
  }

  it("delivers NEW_EVENT frames the client's parser accepts, while documented frames keep id: and event: for resume", async () => {
    const st = clientStream(bob);
    await new Promise((r) => setTimeout(r, 300));
    // the calendar's dialog creates an event, and another member rates it (a change the client ignores)
    const fd = new FormData();
    fd.append('event', JSON.stringify({ date: '2031-06-22', description: 'Carrot cake' }));
    const created = await alice.http('POST', '/api/events', fd);
    expect(created.status).toBe(201);
    await bob.http('POST', `/api/events/${created.body.id}/rate`, { stars: 3, comment: '' });
    const msg = await st.next((m) => m.id === created.body.id);
    // CalendarComponent's snackbar reads bakerName and date; SseMessage has type, groupId, bakerName, date
    expect(msg).toMatchObject({ type: 'NEW_EVENT', groupId: bob.user.groupId, bakerName: alice.user.name, date: '2031-06-22' });
    // give the rating's frame time to arrive, then check that every `data:` block parsed
    await new Promise((r) => setTimeout(r, 500));
    st.close();
    await st.done;
    expect(st.parseErrors).toEqual([]);
    // the documented frames are still there (the client skips them: they do not start with `data:`),
    // with the change id that Last-Event-ID resumes from
    const documented = st.blocks.filter((b) => b.startsWith('id: '));
    expect(documented.some((b) => /^id: \d+\nevent: created\ndata: \{/.test(b))).toBe(true);
    expect(documented.some((b) => /^id: \d+\nevent: rated\ndata: \{/.test(b))).toBe(true);
    expect(st.accepted.filter((m) => m.id === created.body.id)).toHaveLength(1);
  });
});

describe('system information', () => {
  it("answers sysinfo with the original's fields that SystemInfosComponent prints without a fallback", async () => {
    const res = await new Browser().http('GET', '/api/system/sysinfo');
    expect(res.status).toBe(200);
    for (const key of ['prog_longname', 'project_name', 'version', 'organization', 'domain']) {
      expect([key, typeof res.body[key], res.body[key].length > 0]).toEqual([key, 'string', true]);
    }
    for (const key of ['description', 'author', 'license', 'homepage']) expect([key, typeof res.body[key]]).toEqual([key, 'string']);
  });
});
