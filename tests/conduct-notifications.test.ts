/**
 * conduct's notifications (conduct-reports.md "Notifications"): who is told of each report change, through
 * the routes as the frontend sends them (per recipient and type, never the actor, never outsiders or other
 * events, preferences honoured, a state change's notes never in a Reporter's notification), through the
 * report hook only where no route reaches; the list with its filters, counts, read, read-all and delete
 * (another user's notification unreachable and unchanged), the same through GraphQL, and
 * `conductNotificationAdded` over ws (only one's own).
 */
import { randomBytes } from 'node:crypto';
import type { AppContext } from '../src/context/context';
import { createHttpContext } from '../src/context/context';
import { unitOfWork } from '../src/db/unit-of-work';
import { ConductReport } from '../src/modules/conduct/report.entity';
import { reportChanged, ReportChange } from '../src/modules/conduct/report-hooks';
import { api, conductServer, conductUser, ConductUser, grantEventRole, seedEvent, sql } from './conduct.helpers';
import { collect, TestServer } from './support/server';

let s: TestServer;
let superAdmin: ConductUser;
let admin: ConductUser;
let responder: ConductUser;
let reporter: ConductUser;
let outsider: ConductUser;
let event: { id: string; slug: string };

const MISSING = '00000000-0000-0000-0000-000000000000';

async function seedReport(eventId: string, reporterId: string | null, title = `Report ${randomBytes(3).toString('hex')} at the venue`): Promise<string> {
  const rows = await sql<{ id: string }>(
    s,
    `insert into conduct_reports (id, event_id, reporter_id, title, description, type) values (gen_random_uuid(), $1, $2, $3, 'What happened', 'harassment') returning id`,
    [eventId, reporterId, title],
  );
  return rows[0].id;
}

/** A notification row made in SQL (the list routes are tested apart from the hook that creates them). */
async function seedNotification(
  userId: string,
  over: { type?: string; priority?: string; isRead?: boolean; eventId?: string | null; reportId?: string | null; createdAt?: Date; title?: string } = {},
): Promise<string> {
  const rows = await sql<{ id: string }>(
    s,
    `insert into conduct_notifications (id, user_id, type, priority, title, message, is_read, read_at, event_id, report_id, action_url, created_at)
     values (gen_random_uuid(), $1, $2, $3, $4, 'Something changed', $5, case when $5 then now() else null end, $6, $7, $8, $9) returning id`,
    [
      userId,
      over.type ?? 'report_submitted',
      over.priority ?? 'normal',
      over.title ?? 'A title',
      over.isRead ?? false,
      over.eventId ?? null,
      over.reportId ?? null,
      over.reportId && over.eventId ? `/events/${event.slug}/reports/${over.reportId}` : null,
      over.createdAt ?? new Date(),
    ],
  );
  return rows[0].id;
}

const notificationsOf = (userId: string) =>
  sql<{ id: string; type: string; is_read: boolean; title: string; message: string }>(s, 'select id, type, is_read, title, message from conduct_notifications where user_id = $1', [
    userId,
  ]);

beforeAll(async () => {
  ({ s, superAdmin } = await conductServer());
  admin = await conductUser(s, { name: 'Ada Admin' });
  responder = await conductUser(s, { name: 'Rita Responder' });
  reporter = await conductUser(s, { name: 'Rob Reporter' });
  outsider = await conductUser(s, { name: 'Olga Outsider' });
  event = await seedEvent(s, { name: 'Main Conf' });
  await grantEventRole(s, admin.id, event.id, 'Admin');
  await grantEventRole(s, responder.id, event.id, 'Responder');
  await grantEventRole(s, reporter.id, event.id, 'Reporter');
});
afterAll(() => s?.close());

describe('the list, counts, read, read-all and delete', () => {
  let u: ConductUser;
  let other: ConductUser;
  let reportId: string;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    u = await conductUser(s, { name: 'Nora Notified' });
    other = await conductUser(s, { name: 'Oscar Other' });
    await grantEventRole(s, u.id, event.id, 'Responder');
    reportId = await seedReport(event.id, reporter.id, 'Linked report title');
    const t0 = Date.now() - 60_000;
    ids.oldest = await seedNotification(u.id, { type: 'report_submitted', priority: 'high', createdAt: new Date(t0), eventId: event.id, reportId });
    ids.read = await seedNotification(u.id, { type: 'report_status_changed', isRead: true, createdAt: new Date(t0 + 1000) });
    ids.assigned = await seedNotification(u.id, { type: 'report_assigned', priority: 'urgent', createdAt: new Date(t0 + 2000) });
    ids.newest = await seedNotification(u.id, { type: 'report_comment_added', createdAt: new Date(t0 + 3000), eventId: event.id, reportId });
    ids.others = await seedNotification(other.id, { type: 'report_submitted' });
  });

  it("lists the caller's own, newest first, with event and report, under the three documented paths", async () => {
    for (const path of ['/api/users/me/notifications', '/api/notifications/users/me/notifications', '/users/me/notifications']) {
      const res = await api(s, 'GET', path, { cookie: u.cookie });
      expect([path, res.status]).toEqual([path, 200]);
      expect(res.body.notifications.map((n: { id: string }) => n.id)).toEqual([ids.newest, ids.assigned, ids.read, ids.oldest]);
      expect(res.body.pagination).toEqual({ page: 1, limit: 20, total: 4, totalPages: 1 });
      expect(res.body.unreadCount).toBe(3);
    }
    const res = await api(s, 'GET', '/api/users/me/notifications', { cookie: u.cookie });
    expect(res.body.notifications[0]).toEqual({
      id: ids.newest,
      userId: u.id,
      type: 'report_comment_added',
      priority: 'normal',
      title: 'A title',
      message: 'Something changed',
      isRead: false,
      readAt: null,
      eventId: event.id,
      reportId,
      actionUrl: `/events/${event.slug}/reports/${reportId}`,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
      event: { id: event.id, name: 'Main Conf', slug: event.slug },
      report: { id: reportId, title: 'Linked report title', state: 'submitted' },
    });
    expect(res.body.notifications[1]).toMatchObject({ event: null, report: null, eventId: null, reportId: null, actionUrl: null, priority: 'urgent' });
  });

  it('filters by unreadOnly, type and priority, and pages', async () => {
    const get = (q: string) => api(s, 'GET', `/api/users/me/notifications?${q}`, { cookie: u.cookie });
    const unread = await get('unreadOnly=true');
    expect(unread.body.notifications.map((n: { id: string }) => n.id)).toEqual([ids.newest, ids.assigned, ids.oldest]);
    expect(unread.body.pagination.total).toBe(3);
    expect((await get('type=report_assigned')).body.notifications.map((n: { id: string }) => n.id)).toEqual([ids.assigned]);
    expect((await get('priority=high')).body.notifications.map((n: { id: string }) => n.id)).toEqual([ids.oldest]);
    const paged = await get('page=2&limit=3');
    expect(paged.body.notifications.map((n: { id: string }) => n.id)).toEqual([ids.oldest]);
    expect(paged.body.pagination).toEqual({ page: 2, limit: 3, total: 4, totalPages: 2 });
    // a limit above 100 is cut to 100 (upstream)
    expect((await get('limit=500')).body.pagination.limit).toBe(100);
    for (const bad of ['page=0', 'page=x', 'limit=0', 'limit=-3', 'limit=abc', 'priority=extreme']) {
      const res = await get(bad);
      expect([bad, res.status]).toEqual([bad, 400]);
      expect(res.body).toEqual({ error: expect.any(String), details: expect.any(Object) });
    }
  });

  it('counts all, unread, by type and by priority', async () => {
    for (const path of ['/api/users/me/notifications/stats', '/api/notifications/users/me/notifications/stats', '/users/me/notifications/stats']) {
      const res = await api(s, 'GET', path, { cookie: u.cookie });
      expect([path, res.status, res.body]).toEqual([
        path,
        200,
        {
          total: 4,
          unread: 3,
          byType: { report_submitted: 1, report_status_changed: 1, report_assigned: 1, report_comment_added: 1 },
          byPriority: { high: 1, normal: 2, urgent: 1 },
        },
      ]);
    }
  });

  it("never reaches another user's notification: read and delete are 404 and change nothing", async () => {
    const read = await api(s, 'PATCH', `/api/notifications/${ids.others}/read`, { cookie: u.cookie });
    expect([read.status, read.body]).toEqual([404, { error: 'Notification not found' }]);
    const del = await api(s, 'DELETE', `/api/notifications/${ids.others}`, { cookie: u.cookie });
    expect([del.status, del.body]).toEqual([404, { error: 'Notification not found' }]);
    expect((await notificationsOf(other.id)).map((n) => [n.id, n.is_read])).toEqual([[ids.others, false]]);
    // unknown and malformed ids are 404 too; anonymous 401
    for (const id of [MISSING, 'not-a-uuid']) {
      expect((await api(s, 'PATCH', `/api/notifications/${id}/read`, { cookie: u.cookie })).status).toBe(404);
      expect((await api(s, 'DELETE', `/api/notifications/${id}`, { cookie: u.cookie })).status).toBe(404);
    }
    expect((await api(s, 'PATCH', `/api/notifications/${ids.others}/read`)).status).toBe(401);
    expect((await api(s, 'DELETE', `/api/notifications/${ids.others}`)).status).toBe(401);
    expect((await api(s, 'GET', '/api/users/me/notifications')).status).toBe(401);
    expect((await api(s, 'GET', '/api/users/me/notifications/stats')).status).toBe(401);
    expect((await api(s, 'PATCH', '/api/users/me/notifications/read-all')).status).toBe(401);
    // and the GraphQL operations say NOT_FOUND alike
    const g = await s.gql<unknown>('mutation($id: ID!) { deleteConductNotification(id: $id) }', { id: ids.others }, { cookie: u.cookie });
    expect(g.errors?.[0].extensions?.code).toBe('NOT_FOUND');
    expect(await notificationsOf(other.id)).toHaveLength(1);
  });

  it('marks one read (idempotent, readAt kept), then all, then deletes', async () => {
    const first = await api(s, 'PATCH', `/api/notifications/${ids.newest}/read`, { cookie: u.cookie });
    expect([first.status, first.body]).toEqual([200, { message: 'Notification marked as read' }]);
    const [{ read_at: readAt }] = await sql<{ read_at: Date }>(s, 'select read_at from conduct_notifications where id = $1', [ids.newest]);
    expect(readAt).toBeInstanceOf(Date);
    expect((await api(s, 'PATCH', `/api/notifications/${ids.newest}/read`, { cookie: u.cookie })).status).toBe(200);
    const [{ read_at: again }] = await sql<{ read_at: Date }>(s, 'select read_at from conduct_notifications where id = $1', [ids.newest]);
    expect(again).toEqual(readAt);
    expect((await api(s, 'GET', '/api/users/me/notifications', { cookie: u.cookie })).body.unreadCount).toBe(2);

    const all = await api(s, 'PATCH', '/users/me/notifications/read-all', { cookie: u.cookie });
    expect([all.status, all.body]).toEqual([200, { success: true, message: 'Marked 2 notifications as read' }]);
    expect((await notificationsOf(u.id)).every((n) => n.is_read)).toBe(true);
    // another user's stay unread
    expect((await notificationsOf(other.id))[0].is_read).toBe(false);
    const none = await api(s, 'PATCH', '/api/notifications/users/me/notifications/read-all', { cookie: u.cookie });
    expect(none.body).toEqual({ success: true, message: 'Marked 0 notifications as read' });

    const del = await api(s, 'DELETE', `/api/notifications/${ids.read}`, { cookie: u.cookie });
    expect([del.status, del.body]).toEqual([200, { message: 'Notification deleted successfully' }]);
    expect((await api(s, 'DELETE', `/api/notifications/${ids.read}`, { cookie: u.cookie })).status).toBe(404);
    expect((await notificationsOf(u.id)).map((n) => n.id).sort()).toEqual([ids.oldest, ids.assigned, ids.newest].sort());
  });

  it('answers the same through GraphQL', async () => {
    const page = await s.gql<{
      myConductNotifications: {
        total: number;
        unreadCount: number;
        notifications: { id: string; userId: string; event: { slug: string } | null; report: { title: string } | null }[];
      };
    }>(`query { myConductNotifications(limit: 2) { total unreadCount notifications { id userId event { slug } report { title } } } }`, {}, { cookie: u.cookie });
    expect(page.errors).toBeUndefined();
    expect(page.data!.myConductNotifications.total).toBe(3);
    expect(page.data!.myConductNotifications.notifications).toEqual([
      { id: ids.newest, userId: u.id, event: { slug: event.slug }, report: { title: 'Linked report title' } },
      { id: ids.assigned, userId: u.id, event: null, report: null },
    ]);
    const stats = await s.gql<{ conductNotificationStats: { total: number; byPriority: { key: string; count: number }[] } }>(
      'query { conductNotificationStats { total unread byPriority { key count } } }',
      {},
      { cookie: u.cookie },
    );
    expect(stats.data!.conductNotificationStats).toEqual({
      total: 3,
      unread: 0,
      byPriority: [
        { key: 'high', count: 1 },
        { key: 'normal', count: 1 },
        { key: 'urgent', count: 1 },
      ],
    });
    const tooMany = await s.gql<unknown>('query($l: Int) { myConductNotifications(limit: $l) { total } }', { l: 101 }, { cookie: u.cookie });
    expect(tooMany.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    const anon = await s.gql<unknown>('query { myConductNotifications { total } }');
    expect(anon.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  });
});

// ------------------------------------------------------------------------------------------------
// who is told, through the routes as conduct's frontend sends them: create by slug, state by event id
// (with notes, with an assignee, self-assigned), the slug PATCH (assignee, state)

/** Who holds notifications of `reportId` (by user id), with type and priority. */
async function told(reportId: string): Promise<Record<string, string[]>> {
  const rows = await sql<{ user_id: string; type: string; priority: string }>(
    s,
    'select user_id, type, priority from conduct_notifications where report_id = $1 order by created_at, type',
    [reportId],
  );
  const out: Record<string, string[]> = {};
  for (const r of rows) (out[r.user_id] ??= []).push(`${r.type}/${r.priority}`);
  for (const k of Object.keys(out)) out[k].sort();
  return out;
}

/** `ids` each told exactly `what` (and nobody else). */
const each = (ids: string[], ...what: string[]): Record<string, string[]> => Object.fromEntries(ids.map((id) => [id, [...what].sort()]));

describe('who is told, through the routes', () => {
  let responder2: ConductUser;
  let adminReporter: ConductUser;
  let otherStaff: ConductUser;
  let quiet: ConductUser;
  let leaver: ConductUser;
  let ev: { id: string; slug: string };
  let otherEvent: { id: string; slug: string };

  beforeAll(async () => {
    ev = await seedEvent(s, { name: 'Told Conf' });
    otherEvent = await seedEvent(s, { name: 'Other Conf' });
    await grantEventRole(s, admin.id, ev.id, 'Admin');
    await grantEventRole(s, responder.id, ev.id, 'Responder');
    await grantEventRole(s, reporter.id, ev.id, 'Reporter');
    responder2 = await conductUser(s, { name: 'Rudi Responder' });
    adminReporter = await conductUser(s, { name: 'Ava Admin-and-Reporter' });
    otherStaff = await conductUser(s, { name: 'Oskar Other-event' });
    quiet = await conductUser(s, { name: 'Quentin Quiet' });
    leaver = await conductUser(s, { name: 'Lea Leaver' });
    await grantEventRole(s, responder2.id, ev.id, 'Responder');
    await grantEventRole(s, adminReporter.id, ev.id, 'Admin');
    await grantEventRole(s, adminReporter.id, ev.id, 'Reporter');
    await grantEventRole(s, quiet.id, ev.id, 'Responder');
    await grantEventRole(s, otherStaff.id, otherEvent.id, 'Admin');
    await grantEventRole(s, otherStaff.id, otherEvent.id, 'Responder');
    // the outsider and the SuperAdmin hold no role here; quiet turned the in-app notices off
    for (const flag of ['reportSubmittedInApp', 'reportStatusChangedInApp', 'reportAssignedInApp', 'reportCommentAddedInApp']) {
      const res = await api(s, 'PATCH', '/api/user/notification-settings', { cookie: quiet.cookie, body: { [flag]: false } });
      expect(res.status).toBe(200);
    }
  });

  /** the event's Admins and Responders who want in-app notices */
  const staffIds = () => [admin.id, responder.id, responder2.id, adminReporter.id];
  const but = (ids: string[], ...left: string[]) => ids.filter((id) => !left.includes(id));

  const create = async (who: ConductUser, title = `Report ${randomBytes(3).toString('hex')} at the venue`): Promise<string> => {
    const res = await api(s, 'POST', `/api/events/slug/${ev.slug}/reports`, {
      cookie: who.cookie,
      body: { title, type: 'harassment', description: 'Someone was rude at the booth.', urgency: 'medium' },
    });
    expect([res.status, res.text.slice(0, 200)]).toEqual([201, expect.any(String)]);
    return res.body.report.id as string;
  };
  const state = (who: ConductUser, id: string, body: Record<string, unknown>) => api(s, 'PATCH', `/api/events/${ev.id}/reports/${id}/state`, { cookie: who.cookie, body });
  const slugPatch = (who: ConductUser, id: string, body: Record<string, unknown>) => api(s, 'PATCH', `/api/events/slug/${ev.slug}/reports/${id}`, { cookie: who.cookie, body });

  it("a report created: the event's Admins and Responders (high priority), once each; not the reporter, outsiders, other events, the SuperAdmin or who turned it off", async () => {
    const id = await create(reporter, 'Told about by the route');
    expect(await told(id)).toEqual(each(staffIds(), 'report_submitted/high'));
    const [row] = await sql<{ title: string; message: string; action_url: string; event_id: string; is_read: boolean }>(
      s,
      'select title, message, action_url, event_id, is_read from conduct_notifications where report_id = $1 and user_id = $2',
      [id, admin.id],
    );
    expect(row).toEqual({
      title: 'New Report Submitted',
      message: expect.stringContaining('Told Conf'),
      action_url: `/events/${ev.slug}/reports/${id}`,
      event_id: ev.id,
      is_read: false,
    });
    // the staff see it in their list (with the report and event); the reporter's list does not hold it
    const list = await api(s, 'GET', '/api/users/me/notifications?type=report_submitted', { cookie: responder2.cookie });
    expect(list.body.notifications.find((n: { reportId: string }) => n.reportId === id)).toMatchObject({
      userId: responder2.id,
      priority: 'high',
      event: { id: ev.id, name: 'Told Conf', slug: ev.slug },
      report: { id, title: 'Told about by the route', state: 'submitted' },
    });
    const mine = await api(s, 'GET', '/api/users/me/notifications?limit=100', { cookie: reporter.cookie });
    expect(mine.body.notifications.some((n: { reportId: string }) => n.reportId === id)).toBe(false);
  });

  it('never tells the actor: staff reporting themselves are not told of their own report', async () => {
    const byResponder = await create(responder);
    expect(await told(byResponder)).toEqual(each(but(staffIds(), responder.id), 'report_submitted/high'));
    // an Admin who is also a Reporter of the event, reporting
    const byAdminReporter = await create(adminReporter);
    expect(await told(byAdminReporter)).toEqual(each(but(staffIds(), adminReporter.id), 'report_submitted/high'));
    // the SuperAdmin reports without a role: the whole staff is told, the SuperAdmin is not
    const bySuperAdmin = await create(superAdmin);
    expect(await told(bySuperAdmin)).toEqual(each(staffIds(), 'report_submitted/high'));
  });

  it("a refused create tells nobody: an outsider, another event's staff, anonymous, bad input", async () => {
    const before = await sql<{ n: number }>(s, 'select count(*)::int as n from conduct_notifications where event_id = $1', [ev.id]);
    const body = { title: 'Should never be stored here', type: 'harassment', description: 'Nothing' };
    expect((await api(s, 'POST', `/api/events/slug/${ev.slug}/reports`, { cookie: outsider.cookie, body })).status).toBe(403);
    expect((await api(s, 'POST', `/api/events/slug/${ev.slug}/reports`, { cookie: otherStaff.cookie, body })).status).toBe(403);
    expect((await api(s, 'POST', `/api/events/slug/${ev.slug}/reports`, { body })).status).toBe(401);
    expect((await api(s, 'POST', `/api/events/slug/${ev.slug}/reports`, { cookie: reporter.cookie, body: { ...body, type: 'rumour' } })).status).toBe(400);
    expect(await sql(s, 'select count(*)::int as n from conduct_notifications where event_id = $1', [ev.id])).toEqual(before);
    expect(await sql(s, "select count(*)::int as n from conduct_reports where title = 'Should never be stored here'")).toEqual([{ n: 0 }]);
  });

  it("a state change with notes: staff and the reporter, not the actor; the Reporter's notification never holds the notes", async () => {
    const id = await create(reporter, 'State changes are told');
    await sql(s, 'delete from conduct_notifications where report_id = $1', [id]);
    const notes = `Spoke to witness ${randomBytes(4).toString('hex')} about the badge number`;
    const ws = s.ws(undefined, { headers: { cookie: reporter.cookie } });
    try {
      const heard = collect<{ conductNotificationAdded: { type: string; title: string; message: string; reportId: string } }>(
        ws,
        'subscription { conductNotificationAdded { type title message reportId } }',
        {},
        1,
        8000,
      );
      await heard.ready;
      const res = await state(responder, id, { state: 'acknowledged', notes });
      expect(res.status).toBe(200);
      expect(await told(id)).toEqual(each([admin.id, responder2.id, adminReporter.id, reporter.id], 'report_status_changed/normal'));
      // the notes were stored (as the internal comment), so their absence below means something
      const [comment] = await sql<{ body: string; visibility: string }>(s, 'select body, visibility from conduct_comments where report_id = $1', [id]);
      expect(comment).toEqual({ body: expect.stringContaining(notes), visibility: 'internal' });
      // the reporter's row, list, stats and live event: the change, never the notes
      const rows = await sql<{ title: string; message: string }>(s, 'select title, message from conduct_notifications where report_id = $1 and user_id = $2', [id, reporter.id]);
      expect(rows).toEqual([{ title: 'Report Status Updated', message: expect.stringContaining('acknowledged') }]);
      const list = await api(s, 'GET', '/api/users/me/notifications?limit=100', { cookie: reporter.cookie });
      expect(list.status).toBe(200);
      expect(list.text).toContain(id);
      expect(list.text).not.toContain(notes);
      expect(list.text).not.toContain('badge number');
      const [live] = await heard.done;
      expect(live.data!.conductNotificationAdded).toEqual({
        type: 'report_status_changed',
        title: 'Report Status Updated',
        message: expect.stringContaining('acknowledged'),
        reportId: id,
      });
      expect(JSON.stringify(live)).not.toContain('badge number');
      // nobody's notification quotes the notes, staff's neither (they read them in the comments)
      expect(
        await sql(s, "select count(*)::int as n from conduct_notifications where report_id = $1 and (title like '%badge number%' or message like '%badge number%')", [id]),
      ).toEqual([{ n: 0 }]);
    } finally {
      await ws.dispose();
    }
  });

  it('investigating with an assignee (assignedTo): the change to staff and the reporter, the assignment to the assignee; nothing to the actor', async () => {
    const id = await create(reporter);
    await sql(s, 'delete from conduct_notifications where report_id = $1', [id]);
    const res = await state(admin, id, { state: 'investigating', assignedTo: responder2.id, notes: 'Assigning Rudi to look into it' });
    expect([res.status, res.body.report?.assignedResponderId]).toEqual([200, responder2.id]);
    expect(await told(id)).toEqual({
      ...each([responder.id, adminReporter.id, reporter.id], 'report_status_changed/normal'),
      [responder2.id]: ['report_assigned/normal', 'report_status_changed/normal'],
    });
    const [assignedRow] = await sql<{ message: string }>(s, "select message from conduct_notifications where report_id = $1 and type = 'report_assigned'", [id]);
    expect(assignedRow.message).toContain('assigned to you');
  });

  it('self-assignment through /state (assignedToUserId): the assignee is told of the assignment, not of their own change', async () => {
    const id = await create(reporter);
    await sql(s, 'delete from conduct_notifications where report_id = $1', [id]);
    const res = await state(responder, id, { status: 'investigating', assignedToUserId: responder.id, notes: 'Taking this one' });
    expect(res.status).toBe(200);
    expect(await told(id)).toEqual({
      ...each([admin.id, responder2.id, adminReporter.id, reporter.id], 'report_status_changed/normal'),
      [responder.id]: ['report_assigned/normal'],
    });
    // the same state and assignee again: nothing changes, nobody is told again
    expect((await state(responder, id, { state: 'investigating', assignedTo: responder.id, notes: 'Still on it' })).status).toBe(200);
    expect(await sql(s, "select count(*)::int as n from conduct_notifications where report_id = $1 and type in ('report_assigned', 'report_status_changed')", [id])).toEqual([
      { n: 5 },
    ]);
  });

  it('the slug PATCH: the new assignee only (also self-assigned); re-assigning the same one or unassigning tells nobody; a state there is told as a change', async () => {
    const id = await create(reporter);
    await sql(s, 'delete from conduct_notifications where report_id = $1', [id]);
    expect((await slugPatch(admin, id, { assignedResponderId: responder.id })).status).toBe(200);
    expect(await told(id)).toEqual({ [responder.id]: ['report_assigned/normal'] });
    // the frontend sends the whole form: the same assignee with a severity is no new assignment
    expect((await slugPatch(admin, id, { assignedResponderId: responder.id, severity: 'high' })).status).toBe(200);
    expect(await told(id)).toEqual({ [responder.id]: ['report_assigned/normal'] });
    expect((await slugPatch(admin, id, { assignedResponderId: null })).status).toBe(200);
    expect(await told(id)).toEqual({ [responder.id]: ['report_assigned/normal'] });

    const self = await create(reporter);
    await sql(s, 'delete from conduct_notifications where report_id = $1', [self]);
    expect((await slugPatch(responder2, self, { assignedResponderId: responder2.id })).status).toBe(200);
    expect(await told(self)).toEqual({ [responder2.id]: ['report_assigned/normal'] });
    // an Admin assigning the one who turned assignments off: nobody is told
    expect((await slugPatch(admin, self, { assignedResponderId: quiet.id })).status).toBe(200);
    expect(await told(self)).toEqual({ [responder2.id]: ['report_assigned/normal'] });

    const moved = await create(reporter);
    await sql(s, 'delete from conduct_notifications where report_id = $1', [moved]);
    expect((await slugPatch(adminReporter, moved, { state: 'acknowledged' })).status).toBe(200);
    expect(await told(moved)).toEqual(each([admin.id, responder.id, responder2.id, reporter.id], 'report_status_changed/normal'));
  });

  it("refused changes tell nobody: a Reporter's state change, another event's staff, an assignee who is not staff here", async () => {
    const id = await create(reporter);
    await sql(s, 'delete from conduct_notifications where report_id = $1', [id]);
    expect((await state(reporter, id, { state: 'closed' })).status).toBe(403);
    expect((await state(otherStaff, id, { state: 'closed' })).status).toBe(403);
    expect((await state(outsider, id, { state: 'closed' })).status).toBe(403);
    expect((await slugPatch(otherStaff, id, { assignedResponderId: otherStaff.id })).status).toBe(403);
    expect((await state(admin, id, { state: 'acknowledged', assignedTo: otherStaff.id })).status).toBe(400);
    expect((await state(admin, id, { state: 'acknowledged', assignedTo: outsider.id })).status).toBe(400);
    expect((await slugPatch(admin, id, { assignedResponderId: reporter.id })).status).toBe(400);
    expect((await state(admin, id, { state: 'resolved' })).status).toBe(400);
    // the report under another event's id is not found
    expect((await api(s, 'PATCH', `/api/events/${otherEvent.id}/reports/${id}/state`, { cookie: otherStaff.cookie, body: { state: 'closed' } })).status).toBe(404);
    expect(await told(id)).toEqual({});
    expect(await sql(s, 'select state, assigned_responder_id from conduct_reports where id = $1', [id])).toEqual([{ state: 'submitted', assigned_responder_id: null }]);
  });

  it('a reporter who left the event is not told of a state change of their report', async () => {
    await grantEventRole(s, leaver.id, ev.id, 'Reporter');
    const gone = await create(leaver);
    await sql(s, 'delete from conduct_event_roles where user_id = $1 and event_id = $2', [leaver.id, ev.id]);
    await sql(s, 'delete from conduct_notifications where report_id = $1', [gone]);
    expect((await state(admin, gone, { state: 'acknowledged' })).status).toBe(200);
    expect(await told(gone)).toEqual(each([responder.id, responder2.id, adminReporter.id], 'report_status_changed/normal'));
  });
});

// ------------------------------------------------------------------------------------------------
// what no route reaches yet: the hook the report services call in their unit of work (reportChanged),
// driven here as a service does, in a context built as the server builds a request's for the actor's
// session cookie — comments (their routes land with the evidence and comments branch), an assignee the
// routes refuse (400 above: the hook holds the rule too), and a change that fails after the hook

function contextOf(user: ConductUser): Promise<AppContext> {
  return createHttpContext(s.app, { headers: { cookie: user.cookie }, socket: {} } as never, undefined, 'http');
}

type ChangeOf = (report: ConductReport) => ReportChange;

/** Runs a report change as `actor` in a unit of work (as the report services do); `fail` rolls it back. */
async function change(actor: ConductUser, reportId: string, of: ChangeOf, fail = false): Promise<void> {
  const ctx = await contextOf(actor);
  await unitOfWork(ctx, async (tx) => {
    const report = await tx.em.findOneOrFail(ConductReport, { id: reportId });
    await reportChanged(tx, of(report));
    if (fail) throw new Error('refused after the hook');
  });
}

const submitted: ChangeOf = (report) => ({ kind: 'submitted', report });
const assigned =
  (assigneeId: string): ChangeOf =>
  (report) => ({ kind: 'assigned', report, assigneeId });
const comment =
  (visibility: 'public' | 'internal'): ChangeOf =>
  (report) => ({ kind: 'commentAdded', report, commentId: MISSING, visibility });

describe('who is told, through the hook (cases no route reaches)', () => {
  let responder2: ConductUser;
  let adminReporter: ConductUser;
  let ev: { id: string; slug: string };

  beforeAll(async () => {
    ev = await seedEvent(s, { name: 'Hooked Conf' });
    await grantEventRole(s, admin.id, ev.id, 'Admin');
    await grantEventRole(s, responder.id, ev.id, 'Responder');
    await grantEventRole(s, reporter.id, ev.id, 'Reporter');
    responder2 = await conductUser(s, { name: 'Rudi Responder' });
    adminReporter = await conductUser(s, { name: 'Ava Admin-and-Reporter' });
    await grantEventRole(s, responder2.id, ev.id, 'Responder');
    await grantEventRole(s, adminReporter.id, ev.id, 'Admin');
    await grantEventRole(s, adminReporter.id, ev.id, 'Reporter');
  });

  const staffIds = () => [admin.id, responder.id, responder2.id, adminReporter.id];

  it('an assignee without a role in the event is never told, whoever names them', async () => {
    const id = await seedReport(ev.id, reporter.id);
    await change(admin, id, assigned(outsider.id));
    expect(await told(id)).toEqual({});
  });

  it('a public comment: staff and the reporter; an internal one: staff only', async () => {
    const id = await seedReport(ev.id, reporter.id);
    await change(responder, id, comment('public'));
    expect(Object.keys(await told(id)).sort()).toEqual([admin.id, responder2.id, adminReporter.id, reporter.id].sort());
    const internal = await seedReport(ev.id, reporter.id);
    await change(responder, internal, comment('internal'));
    expect(Object.keys(await told(internal)).sort()).toEqual([admin.id, responder2.id, adminReporter.id].sort());
    // the reporter commenting publicly on their own report: staff only
    const own = await seedReport(ev.id, reporter.id);
    await change(reporter, own, comment('public'));
    expect(Object.keys(await told(own)).sort()).toEqual(staffIds().sort());
  });

  it('rolls back with the change: nothing is created, nothing is announced', async () => {
    const id = await seedReport(ev.id, reporter.id);
    const ws = s.ws(undefined, { headers: { cookie: admin.cookie } });
    try {
      const got = collect<{ conductNotificationAdded: { reportId: string } }>(ws, 'subscription { conductNotificationAdded { reportId } }', {}, 1, 5000);
      await got.ready;
      await expect(change(reporter, id, submitted, true)).rejects.toThrow('refused after the hook');
      expect(await told(id)).toEqual({});
      // the next committed one is the first the subscriber hears
      const next = await seedReport(ev.id, reporter.id);
      await change(reporter, next, submitted);
      expect((await got.done).map((r) => r.data!.conductNotificationAdded.reportId)).toEqual([next]);
    } finally {
      await ws.dispose();
    }
  });
});

describe('conductNotificationAdded over ws', () => {
  it('brings each subscriber their own notification only; the actor, outsiders and other users hear nothing', async () => {
    const sockets = [admin, responder, reporter, outsider].map((u) => ({ u, ws: s.ws(undefined, { headers: { cookie: u.cookie } }) }));
    try {
      const subs = sockets.map(({ u, ws }) => ({
        u,
        got: collect<{ conductNotificationAdded: { id: string; userId: string; type: string; reportId: string; event: { slug: string }; report: { title: string } } }>(
          ws,
          'subscription { conductNotificationAdded { id userId type reportId event { slug } report { title } } }',
          {},
          1,
          4000,
        ),
      }));
      await Promise.all(subs.map((x) => x.got.ready));
      const created = await api(s, 'POST', `/api/events/slug/${event.slug}/reports`, {
        cookie: reporter.cookie,
        body: { title: 'Announced report title', type: 'harassment', description: 'Someone was rude at the booth.' },
      });
      expect(created.status).toBe(201);
      const id = created.body.report.id as string;
      // a state change by the Responder: the reporter hears this one (their first), the admin a second
      expect((await api(s, 'PATCH', `/api/events/${event.id}/reports/${id}/state`, { cookie: responder.cookie, body: { state: 'acknowledged' } })).status).toBe(200);
      const [adminSub, responderSub, reporterSub, outsiderSub] = subs;
      const first = (await adminSub.got.done)[0].data!.conductNotificationAdded;
      const [mine] = await sql<{ id: string }>(s, `select id from conduct_notifications where report_id = $1 and user_id = $2 and type = 'report_submitted'`, [id, admin.id]);
      expect(first).toEqual({ id: mine.id, userId: admin.id, type: 'report_submitted', reportId: id, event: { slug: event.slug }, report: { title: 'Announced report title' } });
      expect((await responderSub.got.done)[0].data!.conductNotificationAdded).toMatchObject({ userId: responder.id, type: 'report_submitted' });
      expect((await reporterSub.got.done)[0].data!.conductNotificationAdded).toMatchObject({
        userId: reporter.id,
        type: 'report_status_changed',
        report: { title: 'Announced report title' },
      });
      await expect(outsiderSub.got.done).rejects.toThrow(/timed out with 0\/1/);
    } finally {
      await Promise.all(sockets.map(({ ws }) => ws.dispose()));
    }
  });

  it('needs a session', async () => {
    const ws = s.ws();
    try {
      const got = collect(ws, 'subscription { conductNotificationAdded { id } }', {}, 1, 3000);
      const results = await got.done.catch((e: unknown) => e);
      expect(JSON.stringify(results)).toContain('UNAUTHENTICATED');
    } finally {
      await ws.dispose();
    }
  });
});
