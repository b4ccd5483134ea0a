/**
 * cakeplanner events through REST as the legacy client sends them: JSON and multipart creation, the
 * calendar range, details, deletion rights, ratings (never a 500), photos sniffed by content and served
 * with cache headers, ICS downloads, and the Hall of Fame's order with ties.
 */
import { Client } from 'pg';
import { TestServer } from './support/server';
import { api, cakeGroup, cakeServerWithAdmin, cakeUser, CakeUser, createEvent, form, JPEG, nextDate, PNG, TEXT } from './cakeplanner.helpers';

let s: TestServer;
let admin: CakeUser;
let baker: CakeUser;
let colleague: CakeUser;
let groupAdmin: CakeUser;
let outsider: CakeUser;
let group: { id: string; name: string };
let otherGroup: { id: string; name: string };

beforeAll(async () => {
  ({ s, admin } = await cakeServerWithAdmin());
  baker = await cakeUser(s);
  colleague = await cakeUser(s);
  groupAdmin = await cakeUser(s);
  outsider = await cakeUser(s);
  group = await cakeGroup(s, admin, [{ user: baker }, { user: colleague }, { user: groupAdmin, role: 'admin' }]);
  otherGroup = await cakeGroup(s, admin, [{ user: outsider }]);
});
afterAll(() => s.close());

async function sql<T = any>(text: string, params: unknown[] = []): Promise<T[]> {
  const c = new Client({ connectionString: s.databaseUrl });
  await c.connect();
  try {
    return (await c.query(text, params)).rows as T[];
  } finally {
    await c.end();
  }
}

describe('creating events', () => {
  it("creates from JSON in the baker's only group and answers 201 with the event", async () => {
    const date = nextDate();
    const res = await api(s, 'POST', '/api/events', { token: baker.token, body: { date, description: 'Lemon drizzle' } });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.any(String),
      date,
      description: 'Lemon drizzle',
      groupId: group.id,
      baker: { id: baker.id, name: baker.name },
      photoUrl: null,
      rating: { average: 0, count: 0, myRating: null },
      gallery: [],
      isOwner: true,
      canDelete: true,
      // issue 9: the original backend's flat fields beside the documented ones
      groupName: group.name,
      bakerId: baker.id,
      bakerName: baker.name,
      isFuture: true,
    });
    // one cake per baker, group and date
    const again = await api(s, 'POST', '/api/events', { token: baker.token, body: { date, description: 'Another' } });
    expect(again.status).toBe(409);
    expect(again.body).toEqual({ error: expect.any(String) });
  });

  it('needs a groupId when the baker is in several groups, and refuses bad input with 400', async () => {
    const multi = await cakeUser(s);
    const none = await cakeUser(s);
    await cakeGroup(s, admin, [{ user: multi }]);
    const g2 = await cakeGroup(s, admin, [{ user: multi }]);
    expect((await api(s, 'POST', '/api/events', { token: multi.token, body: { date: nextDate(), description: 'x' } })).status).toBe(400);
    const ok = await api(s, 'POST', '/api/events', { token: multi.token, body: { date: nextDate(), description: 'x', groupId: g2.id } });
    expect(ok.status).toBe(201);
    expect(ok.body.groupId).toBe(g2.id);
    expect((await api(s, 'POST', '/api/events', { token: none.token, body: { date: nextDate(), description: 'x' } })).status).toBe(400);
    expect((await api(s, 'POST', '/api/events', { token: baker.token, body: { date: nextDate(), groupId: otherGroup.id } })).status).toBe(403);
    expect((await api(s, 'POST', '/api/events', { token: baker.token, body: { date: nextDate(), groupId: '00000000-0000-4000-8000-000000000000' } })).status).toBe(404);
    for (const date of ['2031-02-30', '31.01.2031', '', 20310101, null]) {
      const bad = await api(s, 'POST', '/api/events', { token: baker.token, body: { date, description: 'x' } });
      expect([date, bad.status]).toEqual([date, 400]);
    }
    expect((await api(s, 'POST', '/api/events', { token: baker.token, body: { date: nextDate(), description: 'x'.repeat(1001) } })).status).toBe(400);
  });

  it('creates from multipart with an `event` JSON part and an `image` part that becomes the cover', async () => {
    const date = nextDate();
    const res = await api(s, 'POST', '/api/events', {
      token: baker.token,
      rawBody: form({ event: JSON.stringify({ date, description: 'Carrot cake' }), image: { bytes: PNG, filename: 'cake.png', type: 'image/png' } }),
    });
    expect(res.status).toBe(201);
    expect(res.body.description).toBe('Carrot cake');
    expect(res.body.photoUrl).toMatch(/^\/cakeplanner\/api\/photos\/[0-9a-f-]{36}$/);
    expect(res.body.gallery).toEqual([{ id: expect.any(String), userName: baker.name, url: res.body.photoUrl, isMine: true }]);

    const photo = await s.rest('GET', res.body.photoUrl, { token: colleague.token });
    expect(photo.status).toBe(200);
    expect(photo.headers.get('content-type')).toBe('image/png');
    expect(photo.headers.get('cache-control')).toMatch(/max-age=\d+/);
    expect(photo.headers.get('etag')).toBeTruthy();
    const bytes = Buffer.from(await (await fetch(`${s.url}${res.body.photoUrl}?token=${colleague.token}`)).arrayBuffer());
    expect(bytes.equals(PNG)).toBe(true);
    expect((await s.rest('GET', res.body.photoUrl, { token: colleague.token, headers: { 'if-none-match': photo.headers.get('etag')! } })).status).toBe(304);
    expect((await s.rest('GET', res.body.photoUrl)).status).toBe(401);
    expect((await s.rest('GET', res.body.photoUrl, { token: outsider.token })).status).toBe(404);
  });

  it('accepts multipart without a file, and refuses a text file renamed .png without creating anything', async () => {
    const plain = await api(s, 'POST', '/api/events', { token: baker.token, rawBody: form({ event: JSON.stringify({ date: nextDate(), description: 'No photo' }) }) });
    expect(plain.status).toBe(201);
    expect(plain.body.photoUrl).toBeNull();

    const date = nextDate();
    const before = await sql('select count(*)::int as n from stored_files');
    const fake = await api(s, 'POST', '/api/events', {
      token: baker.token,
      rawBody: form({ event: JSON.stringify({ date, description: 'Fake' }), image: { bytes: TEXT, filename: 'cake.png', type: 'image/png' } }),
    });
    expect(fake.status).toBe(400);
    expect(fake.body).toEqual({ error: expect.stringMatching(/JPEG, PNG or WebP/) });
    const list = await api(s, 'GET', `/api/events?start=${date}&end=${date}`, { token: baker.token });
    expect(list.body).toEqual([]);
    expect(await sql('select count(*)::int as n from stored_files')).toEqual(before);
    expect((await api(s, 'POST', '/api/events', { token: baker.token, rawBody: form({ event: '{broken' }) })).status).toBe(400);
  });
});

describe('reading events', () => {
  it("lists the caller's groups' events in an inclusive range, by date", async () => {
    const d1 = nextDate();
    const d2 = nextDate();
    const d3 = nextDate();
    const e1 = await createEvent(s, baker, { date: d1 });
    const e2 = await createEvent(s, colleague, { date: d2 });
    await createEvent(s, baker, { date: d3 });
    const foreign = await createEvent(s, outsider, { date: d2 });
    const res = await api(s, 'GET', `/api/events?start=${d1}&end=${d2}`, { token: colleague.token });
    expect(res.status).toBe(200);
    expect(res.body.map((e: { id: string }) => e.id)).toEqual([e1.id, e2.id]);
    expect(res.body[0]).toEqual({
      id: e1.id,
      date: d1,
      description: 'Chocolate cake',
      groupId: group.id,
      baker: { id: baker.id, name: baker.name },
      photoUrl: null,
      rating: { average: 0, count: 0, myRating: null },
      // issue 9: the original backend's flat fields beside the documented ones
      groupName: group.name,
      bakerId: baker.id,
      bakerName: baker.name,
      isFuture: true,
    });
    expect((await api(s, 'GET', `/api/events?start=${d2}&end=${d2}`, { token: outsider.token })).body.map((e: { id: string }) => e.id)).toEqual([foreign.id]);
    // admins list their own groups' events only (they are in none here)
    expect((await api(s, 'GET', `/api/events?start=${d1}&end=${d3}`, { token: admin.token })).body).toEqual([]);
  });

  it('answers 400 when start or end is missing or invalid', async () => {
    for (const q of [
      '',
      '?start=2031-01-01',
      '?end=2031-01-01',
      '?start=2031-13-01&end=2031-12-31',
      '?start=yesterday&end=2031-01-01',
      '?start=2031-02-01&end=2031-01-01',
      '?start[]=a&end=b',
    ]) {
      const res = await api(s, 'GET', `/api/events${q}`, { token: baker.token });
      expect([q, res.status]).toEqual([q, 400]);
      expect(res.body).toEqual({ error: expect.any(String) });
    }
  });

  it('shows an event to members of its group and admins; 404 for others', async () => {
    const e = await createEvent(s, baker);
    const asColleague = await api(s, 'GET', `/api/events/${e.id}`, { token: colleague.token });
    expect(asColleague.status).toBe(200);
    expect(asColleague.body).toMatchObject({ id: e.id, isOwner: false, canDelete: false });
    expect((await api(s, 'GET', `/api/events/${e.id}`, { token: groupAdmin.token })).body).toMatchObject({ isOwner: false, canDelete: true });
    expect((await api(s, 'GET', `/api/events/${e.id}`, { token: admin.token })).body).toMatchObject({ isOwner: false, canDelete: true });
    const hidden = await api(s, 'GET', `/api/events/${e.id}`, { token: outsider.token });
    expect(hidden.status).toBe(404);
    expect(hidden.body).toEqual({ error: expect.any(String) });
    expect((await api(s, 'GET', '/api/events/not-an-id', { token: baker.token })).status).toBe(404);
    expect((await api(s, 'GET', '/api/events/00000000-0000-4000-8000-000000000000', { token: baker.token })).status).toBe(404);
    expect((await api(s, 'GET', `/api/events/${e.id}`)).status).toBe(401);
  });
});

describe('deleting events', () => {
  it('lets the baker, the group admin and an admin delete (204); others get 403', async () => {
    const byBaker = await createEvent(s, baker);
    const byGroupAdmin = await createEvent(s, baker);
    const byAdmin = await createEvent(s, baker);
    expect((await api(s, 'DELETE', `/api/events/${byBaker.id}`, { token: colleague.token })).status).toBe(403);
    expect((await api(s, 'DELETE', `/api/events/${byBaker.id}`, { token: outsider.token })).status).toBe(403);
    expect((await api(s, 'DELETE', `/api/events/${byBaker.id}`)).status).toBe(401);
    expect((await api(s, 'DELETE', `/api/events/${byBaker.id}`, { token: baker.token })).status).toBe(204);
    expect((await api(s, 'DELETE', `/api/events/${byGroupAdmin.id}`, { token: groupAdmin.token })).status).toBe(204);
    expect((await api(s, 'DELETE', `/api/events/${byAdmin.id}`, { token: admin.token })).status).toBe(204);
    expect((await api(s, 'GET', `/api/events/${byBaker.id}`, { token: baker.token })).status).toBe(404);
    expect((await api(s, 'DELETE', `/api/events/${byBaker.id}`, { token: baker.token })).status).toBe(404);
  });

  it("removes the photos' bytes with the event", async () => {
    const e = await createEvent(s, baker);
    const up = await api(s, 'POST', `/api/events/${e.id}/photo`, { token: colleague.token, rawBody: form({ photo: { bytes: JPEG, filename: 'a.jpg', type: 'image/jpeg' } }) });
    expect(up.status).toBe(201);
    const [row] = await sql('select file_id from cake_photos where id = $1', [up.body.id]);
    expect(await sql('select id from stored_files where id = $1', [row.file_id])).toHaveLength(1);
    expect((await api(s, 'DELETE', `/api/events/${e.id}`, { token: baker.token })).status).toBe(204);
    expect(await sql('select id from stored_files where id = $1', [row.file_id])).toHaveLength(0);
    expect((await s.rest('GET', up.body.url, { token: colleague.token })).status).toBe(404);
  });
});

describe('ratings', () => {
  it('upserts one rating per user and event and summarises them', async () => {
    const e = await createEvent(s, baker);
    const first = await api(s, 'POST', `/api/events/${e.id}/rate`, { token: colleague.token, body: { stars: 2, comment: 'dry' } });
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ id: e.id, rating: { average: 2, count: 1, myRating: 2 } });
    const again = await api(s, 'POST', `/api/events/${e.id}/rate`, { token: colleague.token, body: { stars: 5 } });
    expect(again.body.rating).toEqual({ average: 5, count: 1, myRating: 5 });
    await api(s, 'POST', `/api/events/${e.id}/rate`, { token: groupAdmin.token, body: { stars: '4' } });
    const detail = await api(s, 'GET', `/api/events/${e.id}`, { token: baker.token });
    expect(detail.body.rating).toEqual({ average: 4.5, count: 2, myRating: null });
    const asColleague = await api(s, 'GET', `/api/events/${e.id}`, { token: colleague.token });
    expect(asColleague.body.rating.myRating).toBe(5);
  });

  it('refuses stars outside 1..5 (and non-integers) with 400, never a 500', async () => {
    const e = await createEvent(s, baker);
    for (const stars of [0, 6, -1, 4.5, '4.5', 'five', null, true, 1e12, [3], { n: 3 }]) {
      const res = await api(s, 'POST', `/api/events/${e.id}/rate`, { token: colleague.token, body: { stars } });
      expect([stars, res.status]).toEqual([stars, 400]);
      expect(res.body).toEqual({ error: expect.any(String) });
    }
    expect((await api(s, 'POST', `/api/events/${e.id}/rate`, { token: colleague.token, body: {} })).status).toBe(400);
    expect((await api(s, 'POST', `/api/events/${e.id}/rate`, { token: colleague.token, body: { stars: 3, comment: 'x'.repeat(1001) } })).status).toBe(400);
    // the GraphQL path refuses the same way
    const gql = await s.gql(`mutation CakeTestRate($id: ID!) { rateCakeEvent(eventId: $id, stars: 9) { id } }`, { id: e.id }, { token: colleague.token });
    expect(gql.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect((await api(s, 'GET', `/api/events/${e.id}`, { token: baker.token })).body.rating.count).toBe(0);
  });

  it('lets bakers rate their own cake (issue 9, an upsert like any rating), not outsiders (404)', async () => {
    const e = await createEvent(s, baker);
    const own = await api(s, 'POST', `/api/events/${e.id}/rate`, { token: baker.token, body: { stars: 5 } });
    expect(own.status).toBe(200);
    expect(own.body).toEqual({ id: e.id, rating: { average: 5, count: 1, myRating: 5 } });
    const again = await api(s, 'POST', `/api/events/${e.id}/rate`, { token: baker.token, body: { stars: 4 } });
    expect(again.body.rating).toEqual({ average: 4, count: 1, myRating: 4 });
    expect((await api(s, 'POST', `/api/events/${e.id}/rate`, { token: outsider.token, body: { stars: 1 } })).status).toBe(404);
    expect((await api(s, 'POST', `/api/events/${e.id}/rate`, { body: { stars: 1 } })).status).toBe(401);
  });
});

describe('photos', () => {
  it("uploads one photo per user and event (a new one replaces theirs); the baker's is the cover", async () => {
    const e = await createEvent(s, baker);
    const mine = await api(s, 'POST', `/api/events/${e.id}/photo`, { token: colleague.token, rawBody: form({ photo: { bytes: PNG, filename: 'x.png', type: 'image/png' } }) });
    expect(mine.status).toBe(201);
    expect(mine.body).toEqual({ id: expect.any(String), url: `/cakeplanner/api/photos/${mine.body.id}` });
    expect((await api(s, 'GET', `/api/events/${e.id}`, { token: baker.token })).body.photoUrl).toBeNull();

    const replaced = await api(s, 'POST', `/api/events/${e.id}/photo`, {
      token: colleague.token,
      rawBody: form({ photo: { bytes: JPEG, filename: 'y.jpg', type: 'image/jpeg' } }),
    });
    expect(replaced.status).toBe(201);
    expect(replaced.body.id).not.toBe(mine.body.id);
    expect((await s.rest('GET', mine.body.url, { token: baker.token })).status).toBe(404);
    const served = await s.rest('GET', replaced.body.url, { token: baker.token });
    expect(served.headers.get('content-type')).toBe('image/jpeg');

    const cover = await api(s, 'POST', `/api/events/${e.id}/photo`, { token: baker.token, rawBody: form({ photo: { bytes: PNG, filename: 'c.png', type: 'image/png' } }) });
    const detail = await api(s, 'GET', `/api/events/${e.id}`, { token: colleague.token });
    expect(detail.body.photoUrl).toBe(cover.body.url);
    expect(detail.body.gallery).toEqual([
      { id: replaced.body.id, userName: colleague.name, url: replaced.body.url, isMine: true },
      { id: cover.body.id, userName: baker.name, url: cover.body.url, isMine: false },
    ]);
  });

  it('refuses anything that is not a JPEG, PNG or WebP by content, files over 10 MB, and outsiders', async () => {
    const e = await createEvent(s, baker);
    const fake = await api(s, 'POST', `/api/events/${e.id}/photo`, { token: colleague.token, rawBody: form({ photo: { bytes: TEXT, filename: 'fake.png', type: 'image/png' } }) });
    expect(fake.status).toBe(400);
    expect(fake.body).toEqual({ error: expect.any(String) });
    const big = Buffer.concat([PNG, Buffer.alloc(10 * 1024 * 1024, 1)]);
    expect(
      (await api(s, 'POST', `/api/events/${e.id}/photo`, { token: colleague.token, rawBody: form({ photo: { bytes: big, filename: 'big.png', type: 'image/png' } }) })).status,
    ).toBe(400);
    expect((await api(s, 'POST', `/api/events/${e.id}/photo`, { token: colleague.token, body: { photo: 'base64?' } })).status).toBe(400);
    expect((await api(s, 'POST', `/api/events/${e.id}/photo`, { token: colleague.token, rawBody: form({ other: 'field' }) })).status).toBe(400);
    expect(
      (await api(s, 'POST', `/api/events/${e.id}/photo`, { token: outsider.token, rawBody: form({ photo: { bytes: PNG, filename: 'x.png', type: 'image/png' } }) })).status,
    ).toBe(404);
    expect((await api(s, 'POST', `/api/events/${e.id}/photo`, { rawBody: form({ photo: { bytes: PNG, filename: 'x.png', type: 'image/png' } }) })).status).toBe(401);
    expect((await api(s, 'GET', `/api/events/${e.id}`, { token: baker.token })).body.gallery).toEqual([]);
  });
});

describe('ICS download', () => {
  it('answers text/calendar as an attachment with one all-day VEVENT, escaped and folded per RFC 5545', async () => {
    const date = nextDate();
    const description = 'Black forest; cherries, cream \\ chocolate\nSecond line — ' + 'très long '.repeat(12);
    const e = await createEvent(s, baker, { date, description });
    const res = await api(s, 'GET', `/api/events/${e.id}/ics`, { token: colleague.token });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/calendar/);
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="cake-${date}.ics"`);
    const text = res.text;
    expect(text.split('\r\n').slice(0, 1)).toEqual(['BEGIN:VCALENDAR']);
    expect(text.endsWith('END:VCALENDAR\r\n')).toBe(true);
    expect(text.replace(/\r\n/g, '')).not.toMatch(/\n/); // CRLF only
    for (const line of text.split('\r\n')) expect(Buffer.byteLength(line)).toBeLessThanOrEqual(75);
    expect(text.match(/BEGIN:VEVENT/g)).toHaveLength(1);
    expect(text).toContain(`DTSTART;VALUE=DATE:${date.replace(/-/g, '')}\r\n`);
    const unfolded = text.replace(/\r\n /g, '');
    expect(unfolded).toContain('DESCRIPTION:Black forest\\; cherries\\, cream \\\\ chocolate\\nSecond line — très long');
    expect(unfolded).toContain(`SUMMARY:Cake by ${baker.name}`);
    expect((await api(s, 'GET', `/api/events/${e.id}/ics`, { token: outsider.token })).status).toBe(404);
    expect((await api(s, 'GET', `/api/events/${e.id}/ics`)).status).toBe(401);
  });
});

describe('Hall of Fame', () => {
  it("ranks the caller's groups' events by mean stars (unrated = 0), then date, newest first", async () => {
    const a = await cakeUser(s);
    const b = await cakeUser(s);
    const c = await cakeUser(s);
    const stranger = await cakeUser(s);
    await cakeGroup(s, admin, [{ user: a }, { user: b }, { user: c }]);
    await cakeGroup(s, admin, [{ user: stranger }, { user: b }]);
    const ev = async (u: CakeUser, date: string) =>
      (await api(s, 'POST', '/api/events', { token: u.token, body: { date, description: 'x', groupId: (await api(s, 'GET', '/api/user/groups', { token: u.token })).body[0].id } }))
        .body;
    const rate = (u: CakeUser, id: string, stars: number) => api(s, 'POST', `/api/events/${id}/rate`, { token: u.token, body: { stars } });

    const top = await ev(a, '2032-01-01'); // 5.0
    const tieNew = await ev(a, '2032-03-01'); // 4.0, newer
    const tieOld = await ev(c, '2032-02-01'); // 4.0, older
    const low = await ev(c, '2032-04-01'); // 1.0
    const unratedNew = await ev(a, '2032-05-01'); // 0
    const unratedOld = await ev(c, '2031-12-01'); // 0
    const foreign = await ev(stranger, '2032-06-01'); // another group: hidden from a
    await rate(b, top.id, 5);
    await rate(c, top.id, 5);
    await rate(b, tieNew.id, 3);
    await rate(c, tieNew.id, 5);
    await rate(a, tieOld.id, 4);
    await rate(b, tieOld.id, 4);
    await rate(a, low.id, 1);
    await rate(b, foreign.id, 5);

    const res = await api(s, 'GET', '/api/events/ranked', { token: a.token });
    expect(res.status).toBe(200);
    expect(res.body.map((e: { id: string }) => e.id)).toEqual([top.id, tieNew.id, tieOld.id, low.id, unratedNew.id, unratedOld.id]);
    expect(res.body[0]).toEqual({
      id: top.id,
      date: '2032-01-01',
      description: 'x',
      groupId: top.groupId,
      baker: { id: a.id, name: a.name },
      photoUrl: null,
      rating: { average: 5, count: 2, myRating: null },
      // issue 9: the original backend's flat fields and the gallery its Hall of Fame reads
      groupName: expect.any(String),
      bakerId: a.id,
      bakerName: a.name,
      isFuture: true,
      gallery: [],
    });
    expect(res.body[2].rating).toEqual({ average: 4, count: 2, myRating: 4 });
    expect(res.body[4].rating).toEqual({ average: 0, count: 0, myRating: null });
    // b belongs to both groups and sees both
    expect((await api(s, 'GET', '/api/events/ranked', { token: b.token })).body.map((e: { id: string }) => e.id)).toContain(foreign.id);
    expect((await api(s, 'GET', '/api/events/ranked')).status).toBe(401);
  });
});
