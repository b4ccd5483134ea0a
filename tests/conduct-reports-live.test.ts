/**
 * conduct's live report changes over graphql-ws (`conductReportChanged`, conduct-reports.md; issue 13 "a
 * leak test"): staff hear every report's changes, a Reporter only their own reports' public changes and
 * never the notes of a state change; outsiders are refused at subscribe; access is re-checked per event.
 */
import { api, conductServer, conductUser, ConductUser, grantEventRole, reportBody, seedEvent, sql } from './conduct.helpers';
import { collect, TestServer } from './support/server';

let s: TestServer;
let admin: ConductUser;
let responder: ConductUser;
let reporter: ConductUser;
let reporter2: ConductUser;
let outsider: ConductUser;
let event: { id: string; slug: string };
let other: { id: string; slug: string };

const DOC = `subscription($slug: String) {
  conductReportChanged(slug: $slug) { kind eventId reportId report { id title state reporterId assignedResponderId reporter { id name } } }
}`;
type Change = { conductReportChanged: { kind: string; reportId: string; report: { title: string; state: string } } };

beforeAll(async () => {
  ({ s } = await conductServer());
  admin = await conductUser(s, { name: 'Ada Admin' });
  responder = await conductUser(s, { name: 'Rita Responder' });
  reporter = await conductUser(s, { name: 'Rob Reporter' });
  reporter2 = await conductUser(s, { name: 'Rae Reporter' });
  outsider = await conductUser(s, { name: 'Olga Outsider' });
  event = await seedEvent(s, { name: 'Live Conf' });
  other = await seedEvent(s, { name: 'Other Live Conf' });
  await grantEventRole(s, admin.id, event.id, 'Admin');
  await grantEventRole(s, responder.id, event.id, 'Responder');
  await grantEventRole(s, reporter.id, event.id, 'Reporter');
  await grantEventRole(s, reporter2.id, event.id, 'Reporter');
  await grantEventRole(s, outsider.id, other.id, 'Admin');
});
afterAll(() => s?.close());

const report = (who: ConductUser, title: string, slug = event.slug) =>
  api(s, 'POST', `/api/events/slug/${slug}/reports`, { cookie: who.cookie, body: reportBody({ title }) }).then((r) => {
    expect(r.status).toBe(201);
    return r.body.report.id as string;
  });

it('staff hear every change; a Reporter only their own reports, and never the notes', async () => {
  const staffWs = s.ws(undefined, { headers: { cookie: responder.cookie } });
  const reporterWs = s.ws(undefined, { headers: { cookie: reporter.cookie } });
  try {
    const staff = collect<Change>(staffWs, DOC, { slug: event.slug }, 5);
    const mine = collect<Change>(reporterWs, DOC, { slug: event.slug }, 3);
    await Promise.all([staff.ready, mine.ready]);
    const theirs = await report(reporter2, 'Someone else reported this');
    await report(outsider, 'Report in another event', other.slug);
    const own = await report(reporter, 'My own report, live');
    const state = (id: string, b: unknown) =>
      api(s, 'PATCH', `/api/events/${event.id}/reports/${id}/state`, { cookie: admin.cookie, body: b }).then((r) => expect(r.status).toBe(200));
    await state(theirs, { state: 'acknowledged' });
    await state(own, { state: 'investigating', assignedTo: responder.id, notes: 'SECRET-NOTE-TEXT about the reporter' });
    await api(s, 'PATCH', `/api/events/slug/${event.slug}/reports/${own}`, { cookie: admin.cookie, body: { severity: 'high' } }).then((r) => expect(r.status).toBe(200));

    const staffSeen = await staff.done;
    expect(staffSeen.map((r) => [r.data!.conductReportChanged.kind, r.data!.conductReportChanged.reportId])).toEqual([
      ['CREATED', theirs],
      ['CREATED', own],
      ['STATE_CHANGED', theirs],
      ['STATE_CHANGED', own],
      ['UPDATED', own],
    ]);
    const reporterSeen = await mine.done;
    expect(reporterSeen.map((r) => [r.data!.conductReportChanged.kind, r.data!.conductReportChanged.reportId])).toEqual([
      ['CREATED', own],
      ['STATE_CHANGED', own],
      ['UPDATED', own],
    ]);
    expect(reporterSeen[1].data!.conductReportChanged.report).toMatchObject({ state: 'INVESTIGATING', title: 'My own report, live' });
    const everything = JSON.stringify(reporterSeen);
    expect(everything).not.toContain('SECRET-NOTE-TEXT');
    expect(everything).not.toContain(theirs);
    // the notes were kept, as an internal comment
    expect((await sql(s, "select 1 from conduct_comments where report_id = $1 and visibility = 'internal' and body like '%SECRET-NOTE-TEXT%'", [own])).length).toBe(1);
  } finally {
    await Promise.all([staffWs.dispose(), reporterWs.dispose()]);
  }
});

it('refuses outsiders at subscribe, anonymous sockets too, and an unknown event', async () => {
  const outsiderWs = s.ws(undefined, { headers: { cookie: outsider.cookie } });
  const anonymousWs = s.ws();
  try {
    const refused = await collect(outsiderWs, DOC, { slug: event.slug }, 1).done;
    expect(refused[0].errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const unknown = await collect(outsiderWs, DOC, { slug: 'no-such-event' }, 1).done;
    expect(unknown[0].errors?.[0].extensions?.code).toBe('NOT_FOUND');
    const anonymous = await collect(anonymousWs, DOC, { slug: event.slug }, 1).done;
    expect(anonymous[0].errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  } finally {
    await Promise.all([outsiderWs.dispose(), anonymousWs.dispose()]);
  }
});

it("re-checks the role at every event: a Responder demoted to Reporter stops hearing others' reports", async () => {
  const demoted = await conductUser(s, { name: 'Dee Demoted' });
  await grantEventRole(s, demoted.id, event.id, 'Responder');
  await grantEventRole(s, demoted.id, event.id, 'Reporter');
  const ws = s.ws(undefined, { headers: { cookie: demoted.cookie } });
  try {
    const got = collect<Change>(ws, DOC, { slug: event.slug }, 2);
    await got.ready;
    const before = await report(reporter2, 'Heard while still staff');
    const revoked = await api(s, 'DELETE', `/api/events/${event.id}/roles`, { cookie: admin.cookie, body: { userId: demoted.id, roleName: 'Responder' } });
    expect(revoked.status).toBe(200);
    await report(reporter2, 'Not for a Reporter anymore');
    const own = await report(demoted, 'Their own report now');
    const seen = await got.done;
    expect(seen.map((r) => r.data!.conductReportChanged.reportId)).toEqual([before, own]);
  } finally {
    await ws.dispose();
  }
});
