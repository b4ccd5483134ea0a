/**
 * The cake change log's append (cake-live.service.ts recordChange): one statement takes the log's lock,
 * reads the event as it is inside the transaction and inserts the row (it was three round trips on the
 * path of the write's answer and of its event, issue 14), and the row's payload is the snapshot the
 * separate SELECT made: baker name, cover photo, rating summary (rounded to two places).
 */
import { api, cakeGroup, cakeUser, CakeUser, createEvent } from './cakeplanner.helpers';
import { CountingServer, startCountingServer } from './support/sql-counter';

let s: CountingServer;
let alice: CakeUser;
let bob: CakeUser;
let carol: CakeUser;

beforeAll(async () => {
  s = await startCountingServer({ CAKE_AUTO_ACTIVATE: 'true' });
  const admin = await cakeUser(s);
  alice = await cakeUser(s);
  bob = await cakeUser(s);
  carol = await cakeUser(s);
  await cakeGroup(s, admin, [{ user: alice }, { user: bob }, { user: carol }]);
});
afterAll(async () => {
  await s.close();
});

async function logRows(eventId: string): Promise<{ id: string; kind: string; payload: Record<string, any> }[]> {
  return s.server.app.orm.em.fork().getConnection().execute('select id, kind, payload from cake_event_log where event_id = ? order by id', [eventId]);
}

it('appends a change in one statement that holds the log lock, with the event as the transaction sees it', async () => {
  const { result: created, statements } = await s.sql.during(() => createEvent(s, alice, { description: 'Lemon drizzle' }));
  const log = statements.filter((q) => /cake_event_log/.test(q));
  expect(log).toHaveLength(1);
  expect(log[0]).toMatch(/^insert into cake_event_log/);
  expect(log[0]).toMatch(/pg_advisory_xact_lock\(/);
  // no separate lock or snapshot statement any more
  expect(statements.filter((q) => /pg_advisory_xact_lock/.test(q))).toHaveLength(1);
  const [row] = await logRows(created.id);
  expect(row.kind).toBe('created');
  expect(row.payload).toEqual({
    kind: 'created',
    groupId: created.groupId,
    event: { id: created.id, date: created.date, description: 'Lemon drizzle', bakerId: alice.id, bakerName: alice.name, coverPhotoId: null, average: 0, count: 0 },
    photo: null,
  });
});

it('carries the rating summary as of the change (average rounded to two places, count)', async () => {
  const created = await createEvent(s, alice, { description: 'Carrot cake' });
  for (const [user, stars] of [
    [bob, 4],
    [carol, 5],
  ] as const) {
    const res = await api(s, 'POST', `/api/events/${created.id}/rate`, { token: user.token, body: { stars } });
    expect(res.status).toBeLessThan(300);
  }
  const rows = await logRows(created.id);
  expect(rows.map((r) => r.kind)).toEqual(['created', 'rated', 'rated']);
  expect(rows[1].payload.event).toMatchObject({ average: 4, count: 1 });
  expect(rows[2].payload.event).toMatchObject({ average: 4.5, count: 2, bakerName: alice.name });
  expect(Number(rows[2].id)).toBeGreaterThan(Number(rows[1].id));
});
