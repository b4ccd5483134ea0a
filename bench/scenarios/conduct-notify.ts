/**
 * conduct notification fan-out (issue 13, "Benchmarks"): a report created in an event with 200 staff
 * (Responders), each subscribed to `conductNotificationAdded` on a graphql-ws socket of their own. Measured
 * per report, created one after another over REST as the frontend sends it: the time to commit (the
 * create's answer: the report, its 200 notifications in one statement, the events published) and the time
 * until every one of the 200 subscribers has received its own notification. A create in an event without
 * staff (same server, same reporter) is the control: the difference is what telling 200 people costs.
 */
import WebSocket from 'ws';
import { Metric, Scenario, ScenarioPlan, seedUsers, SeededUser, sql, uniqueName } from '../lib';

const STAFF = 200;
const REPORTS = 20;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};
const p95 = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(s.length * 0.95) - 1)];
};

/** A graphql-ws socket subscribed to the viewer's notifications; `onReport` hears each notification's report id. */
function subscriber(wsUrl: string, token: string, onReport: (reportId: string) => void): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(wsUrl, 'graphql-transport-ws');
    const timer = setTimeout(() => reject(new Error('no connection_ack within 10 s')), 10_000);
    socket.once('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: { token } })));
    socket.on('message', (data) => {
      const msg = JSON.parse(String(data)) as { type: string; payload?: { data?: { conductNotificationAdded?: { reportId: string } }; errors?: unknown } };
      if (msg.type === 'connection_ack') {
        clearTimeout(timer);
        socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: 'subscription BenchNotifications { conductNotificationAdded { id type reportId } }' } }));
        resolve(socket);
      } else if (msg.type === 'next') {
        const n = msg.payload?.data?.conductNotificationAdded;
        if (n) onReport(n.reportId);
        else reject(new Error(`subscription error: ${JSON.stringify(msg.payload)}`));
      } else if (msg.type === 'error') reject(new Error(`subscription refused: ${JSON.stringify(msg.payload)}`));
    });
    socket.once('error', reject);
  });
}

export const conductNotify: Scenario = {
  name: 'conduct-notify',
  title: `conduct: notification fan-out of a report created in an event with ${STAFF} staff, each subscribed over graphql-ws`,
  async setup(env) {
    const ix = await env.interchange();
    const db = ix.databaseUrl;
    const newEvent = async (name: string) => {
      const slug = uniqueName('ev')
        .toLowerCase()
        .replace(/[^a-z0-9-]/g, '-');
      const [e] = await sql<{ id: string }>(
        db,
        `insert into conduct_events (id, name, slug, is_active, created_at, updated_at) values (gen_random_uuid(), $1, $2, true, now(), now()) returning id`,
        [name, slug],
      );
      return { id: e.id, slug };
    };
    const crowded = await newEvent('Bench conference with 200 staff');
    const quiet = await newEvent('Bench conference without staff');
    const staff = await seedUsers(db, STAFF);
    const [reporter] = await seedUsers(db, 1);
    const grant = (eventId: string, users: SeededUser[], role: string) =>
      sql(db, `insert into conduct_event_roles (id, event_id, user_id, role, created_at) select gen_random_uuid(), $1, u, $2, now() from unnest($3::uuid[]) u`, [
        eventId,
        role,
        users.map((u) => u.id),
      ]);
    await grant(crowded.id, staff, 'Responder');
    await grant(crowded.id, [reporter], 'Reporter');
    await grant(quiet.id, [reporter], 'Reporter');

    const metrics = async (): Promise<Metric[]> => {
      const wsUrl = `${ix.url.replace(/^http/, 'ws')}/graphql`;
      const heard = new Map<string, { count: number; last: number }>();
      const sockets = await Promise.all(
        staff.map((u) =>
          subscriber(wsUrl, u.token, (reportId) => {
            const h = heard.get(reportId) ?? { count: 0, last: 0 };
            h.count += 1;
            h.last = performance.now();
            heard.set(reportId, h);
          }),
        ),
      );
      env.defer(async () => void sockets.forEach((s) => s.close()));
      await sleep(500);

      let seq = 0;
      const create = async (slug: string) => {
        seq += 1;
        const t0 = performance.now();
        const res = await fetch(`${ix.url}/conduct/api/events/slug/${slug}/reports`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', cookie: reporter.cookie },
          body: JSON.stringify({ title: `Bench report number ${seq}`, type: 'harassment', description: 'Something happened at the venue', urgency: 'high' }),
        });
        const answered = performance.now();
        const body = (await res.json()) as { report?: { id: string } };
        if (res.status !== 201 || !body.report) throw new Error(`conduct-notify bench: create answered ${res.status} ${JSON.stringify(body)}`);
        return { id: body.report.id, t0, commitMs: answered - t0 };
      };

      // warm up both paths
      for (let i = 0; i < 3; i++) await create(quiet.slug);
      for (let i = 0; i < 3; i++) await create(crowded.slug);
      await sleep(1000);

      const control: number[] = [];
      const commit: number[] = [];
      const delivered: number[] = [];
      for (let i = 0; i < REPORTS; i++) {
        control.push((await create(quiet.slug)).commitMs);
        const { id, t0, commitMs } = await create(crowded.slug);
        commit.push(commitMs);
        const deadline = performance.now() + 10_000;
        while ((heard.get(id)?.count ?? 0) < STAFF && performance.now() < deadline) await sleep(2);
        const h = heard.get(id);
        if (!h || h.count !== STAFF) throw new Error(`conduct-notify bench: ${h?.count ?? 0} of ${STAFF} subscribers heard report ${id}`);
        delivered.push(h.last - t0);
      }
      const [{ n }] = await sql<{ n: string }>(db, 'select count(*) as n from conduct_notifications where event_id = $1', [crowded.id]);
      return [
        {
          name: `create a report in an event with ${STAFF} staff: time to commit (the answer), median of ${REPORTS}`,
          value: median(commit),
          unit: 'ms',
          detail: `p95 ${p95(commit).toFixed(1)} ms; the same create in an event without staff: median ${median(control).toFixed(1)} ms, p95 ${p95(control).toFixed(1)} ms`,
        },
        {
          name: `… until all ${STAFF} subscribers received their conductNotificationAdded, median of ${REPORTS}`,
          value: median(delivered),
          unit: 'ms',
          detail: `p95 ${p95(delivered).toFixed(1)} ms; from the request's start; ${n} notifications in the database (${REPORTS + 3} reports × ${STAFF})`,
        },
      ];
    };

    const plan: ScenarioPlan = {
      notes: [
        `${STAFF} Responders of one event, each with their own session and graphql-ws socket subscribed to \`conductNotificationAdded\`; one Reporter creates ${REPORTS} reports one after another (\`POST /conduct/api/events/slug/:slug/reports\`, JSON, session cookie), each waited for until all ${STAFF} subscribers heard it.`,
        `Notifications are created in the report's transaction by one INSERT … SELECT over the event's roles and preferences, and announced after commit in ${Math.ceil(STAFF / 60)} events of at most 60 recipients (NOTIFY's 8000-byte cap); each instance loads an event's rows once and every subscriber takes its own.`,
      ],
      variants: [],
      ratios: [],
      metrics,
    };
    return plan;
  },
};
