/**
 * A report's comment page and its evidence list cost a constant number of SQL statements, whatever
 * their length (authors and uploaders load with their rows or through one batch), on REST and GraphQL,
 * counted by the server's own logger (tests/support/sql-counter.ts).
 */
import { api, conductUser, ConductUser, grantEventRole, seedReport, seedEvent, sql } from './conduct.helpers';
import { PNG } from './cakeplanner.helpers';
import { startCountingServer, CountingServer } from './support/sql-counter';

let s: CountingServer;
let viewer: ConductUser;
let event: { id: string; slug: string };
let report: string;
let small: string;

beforeAll(async () => {
  s = await startCountingServer();
  await conductUser(s, { name: 'Super Admin' });
  viewer = await conductUser(s, { name: 'Vera Viewer' });
  event = await seedEvent(s, { name: 'Counted Conf' });
  await grantEventRole(s, viewer.id, event.id, 'Admin');
  report = await seedReport(s, event.id, { reporterId: viewer.id });
  small = await seedReport(s, event.id, { reporterId: viewer.id });
  // 60 comments by 30 different authors, every third internal
  const authors = await sql<{ id: string }>(
    s,
    `insert into users (id, name, email) select gen_random_uuid(), 'Author ' || i, 'author' || i || '-' || md5(random()::text) || '@example.test' from generate_series(1, 30) i returning id`,
  );
  await sql(
    s,
    `insert into conduct_comments (id, report_id, author_id, body, visibility, created_at, updated_at)
     select gen_random_uuid(), $1, ($2::uuid[])[1 + (i % 30)], 'Comment ' || i, case when i % 3 = 0 then 'internal' else 'public' end,
            now() + i * interval '1 second', now() + i * interval '1 second'
       from generate_series(1, 60) i`,
    [report, authors.map((a) => a.id)],
  );
  // evidence: 10 files on one report, 1 on the other
  for (let batch = 0; batch < 2; batch++) {
    const fd = new FormData();
    for (let i = 0; i < 5; i++) fd.append('evidence', new Blob([new Uint8Array(PNG)]), `p${batch}${i}.png`);
    expect((await api(s, 'POST', `/api/events/slug/${event.slug}/reports/${report}/evidence`, { cookie: viewer.cookie, rawBody: fd })).status).toBe(200);
  }
  const one = new FormData();
  one.append('evidence', new Blob([new Uint8Array(PNG)]), 'one.png');
  expect((await api(s, 'POST', `/api/events/slug/${event.slug}/reports/${small}/evidence`, { cookie: viewer.cookie, rawBody: one })).status).toBe(200);
}, 120_000);
afterAll(() => s?.close());

it('answers a comment page of 2 and of 60 with the same statements (REST and GraphQL)', async () => {
  const rest = (limit: number) => s.sql.during(() => api(s, 'GET', `/api/events/slug/${event.slug}/reports/${report}/comments?limit=${limit}`, { cookie: viewer.cookie }));
  const a = await rest(2);
  const b = await rest(60);
  expect([a.result.status, b.result.status]).toEqual([200, 200]);
  expect(b.result.body.comments).toHaveLength(60);
  expect(new Set(b.result.body.comments.map((c: { author: { id: string } }) => c.author.id)).size).toBe(30);
  expect(b.statements).toHaveLength(a.statements.length);

  const doc =
    'query CountedComments($r: ID!, $slug: String, $limit: Int) { conductComments(reportId: $r, slug: $slug, limit: $limit) { total comments { id author { id name } } } }';
  const g2 = await s.sql.during(() => s.gql(doc, { r: report, slug: event.slug, limit: 2 }, { cookie: viewer.cookie }));
  const g60 = await s.sql.during(() => s.gql(doc, { r: report, slug: event.slug, limit: 60 }, { cookie: viewer.cookie }));
  expect(g60.result.errors).toBeUndefined();
  expect(g60.statements).toHaveLength(g2.statements.length);
});

it('lists 1 and 10 evidence files with the same statements', async () => {
  const list = (r: string) => s.sql.during(() => api(s, 'GET', `/api/reports/${r}/evidence`, { cookie: viewer.cookie }));
  const one = await list(small);
  const ten = await list(report);
  expect(one.result.body.files).toHaveLength(1);
  expect(ten.result.body.files).toHaveLength(10);
  expect(ten.result.body.files[9].uploader).toEqual({ id: viewer.id, name: viewer.name, email: viewer.email });
  expect(ten.statements).toHaveLength(one.statements.length);
});
