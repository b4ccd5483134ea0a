/**
 * conduct report list (issue 13, "Benchmarks"): `GET /conduct/api/events/slug/:slug/reports?search=…&
 * status=…&page=1&limit=20` in an event of 2,000 reports, as a staff member (Responder or Admin) of the
 * event, against a bare node:http + node-pg handler doing the same work (bench/baselines/pg-routes.ts):
 * the session cookie's token check and session lookup with the same caching, the event by slug with the
 * viewer's roles (and conduct's enrollment check), the page of reports matching the filter and the search
 * (staff see every report; newest first) with the matching total, the reporters and assignees of the page
 * (id, name, email), and the same JSON, byte for byte; in the same interleaved rounds, requests rotating
 * over the staff's cookies (target ≥ 0.8). The statements per request do not grow with the page size
 * (tests/conduct-reports-lists.test.ts counts them).
 */
import { Scenario, ScenarioPlan, seedUsers, sql, uniqueName } from '../lib';

const REPORTS = 2000;
const STAFF = 50;
const REPORTERS = 300;
const SEARCH = 'hall';
const STATUS = 'investigating';
const PLACES = ['main hall', 'booth', 'hallway', 'after party', 'workshop room', 'registration desk', 'lunch queue'];

export const conductReports: Scenario = {
  name: 'conduct-reports',
  title: `conduct: a page of an event's ${REPORTS.toLocaleString('en')} reports over REST, as staff, with search and a status filter`,
  async setup(env) {
    const ix = await env.interchange();
    const db = ix.databaseUrl;
    const slug = uniqueName('ev')
      .toLowerCase()
      .replace(/[^a-z0-9-]/g, '-');
    const [event] = await sql<{ id: string }>(
      db,
      `insert into conduct_events (id, name, slug, is_active, created_at, updated_at) values (gen_random_uuid(), 'Bench conference with reports', $1, true, now(), now()) returning id`,
      [slug],
    );
    const staff = await seedUsers(db, STAFF);
    const reporters = await seedUsers(db, REPORTERS);
    // staff: every 5th an Admin, the others Responders; reporters: Reporters
    await sql(
      db,
      `insert into conduct_event_roles (id, event_id, user_id, role, created_at)
       select gen_random_uuid(), $1::uuid, s.id, case when s.n % 5 = 0 then 'Admin' else 'Responder' end, now()
         from unnest($2::uuid[]) with ordinality as s(id, n)
       union all
       select gen_random_uuid(), $1::uuid, r, 'Reporter', now() from unnest($3::uuid[]) r`,
      [event.id, staff.map((u) => u.id), reporters.map((u) => u.id)],
    );
    // 2,000 reports a minute apart: states in turn, places in turn (title or description), a third assigned
    // to a staff member, some with a severity, an incident date, a location and parties
    await sql(
      db,
      `insert into conduct_reports (id, event_id, reporter_id, assigned_responder_id, title, description, type, state, severity, location,
                                    contact_preference, incident_at, parties, created_at, updated_at)
       select gen_random_uuid(), $1::uuid, ($2::uuid[])[1 + g % array_length($2::uuid[], 1)],
              case when g % 3 = 0 then ($3::uuid[])[1 + g % array_length($3::uuid[], 1)] end,
              'Report ' || g || ' near the ' || ($4::text[])[1 + g % array_length($4::text[], 1)],
              'Someone was rude to a volunteer ' || case when g % 4 = 0 then 'next to the ' || ($4::text[])[1 + (g / 4) % array_length($4::text[], 1)] else 'today' end || '.',
              (array['harassment', 'safety', 'other'])[1 + g % 3],
              (array['submitted', 'acknowledged', 'investigating', 'resolved', 'closed'])[1 + (g / 2) % 5],
              (array[null, 'low', 'medium', 'high', 'critical'])[1 + g % 5],
              case when g % 2 = 0 then 'Room ' || g % 17 end,
              (array['email', 'phone', 'in_person', 'no_contact'])[1 + g % 4],
              case when g % 6 = 0 then timestamptz '2026-01-01 09:00:00+00' + g * interval '37 minutes' end,
              case when g % 8 = 0 then 'A person in a ' || (array['red', 'blue', 'green'])[1 + g % 3] || ' hat' end,
              timestamptz '2026-01-01 00:00:00+00' + g * interval '1 minute',
              timestamptz '2026-01-01 00:00:00+00' + g * interval '1 minute' + (g % 11) * interval '1 hour'
         from generate_series(1, $5::int) g`,
      [event.id, reporters.map((u) => u.id), staff.map((u) => u.id), PLACES, REPORTS],
    );
    const [{ n: matching }] = await sql<{ n: number }>(
      db,
      `select count(*)::int as n from conduct_reports where event_id = $1 and state = $2 and (title ilike $3 or description ilike $3)`,
      [event.id, STATUS, `%${SEARCH}%`],
    );

    const bare = await env.startBaseline({ name: 'pg-conduct-reports', script: 'pg-routes', databaseUrl: db, cacheSeconds: ix.sessionCacheSeconds });
    const cookies = staff.map((m) => ({ cookie: m.cookie }));
    const path = `/conduct/api/events/slug/${slug}/reports?page=1&limit=20&search=${encodeURIComponent(SEARCH)}&status=${STATUS}`;

    // Same work, same answer: the two bodies must be byte for byte equal before anything is measured
    // (an Admin's and a Responder's view alike).
    for (const who of [staff[0], staff[4]]) {
      const bodyOf = async (base: string) => (await fetch(`${base}${path}`, { headers: { cookie: who.cookie } })).text();
      const [ours, theirs] = await Promise.all([bodyOf(ix.url), bodyOf(bare.url)]);
      const parsed = JSON.parse(ours) as { reports?: { assignedResponder: unknown }[]; total?: number };
      if (ours !== theirs || parsed.reports?.length !== 20 || parsed.total !== matching || !parsed.reports.some((r) => r.assignedResponder)) {
        throw new Error(`conduct-reports bench: the bare handler's JSON differs from the route's (${ours.slice(0, 400)} vs ${theirs.slice(0, 400)})`);
      }
    }

    const plan: ScenarioPlan = {
      notes: [
        `${REPORTS.toLocaleString('en')} reports in one event by ${REPORTERS} Reporters, a third assigned; \`search=${SEARCH}\` (title or description) and \`status=${STATUS}\` match ${matching}; a page of 20, newest first, with each report's reporter and assignee.`,
        `Requests rotate over the ${STAFF} staff's \`session\` cookies (every 5th an Admin, the others Responders); the bare handler caches verified sessions for SESSION_CACHE_SECONDS=${ix.sessionCacheSeconds} as our server does, and reads the people's id, name and email only.`,
      ],
      variants: [
        {
          id: 'event-reports-rest',
          label: `GET /conduct/api/events/slug/:slug/reports?search&status&page=1&limit=20 (${REPORTS} reports), staff session cookie`,
          server: ix,
          url: `${ix.url}${path}`,
          method: 'GET',
          headerSets: cookies,
          expect: { status: 200, contains: [`"total":${matching}`, '"canViewAssignments":true'] },
        },
        {
          id: 'event-reports-pg',
          label: 'bare node:http + node-pg, same auth lookup and caching, event and role statement, page with window count, people statement, same JSON',
          server: bare,
          url: `${bare.url}${path}`,
          method: 'GET',
          headerSets: cookies,
          expect: { status: 200, contains: [`"total":${matching}`, '"canViewAssignments":true'] },
        },
      ],
      ratios: [
        {
          name: `REST event reports (page of 20 of ${REPORTS}, search + status, staff) ÷ bare node-pg handler`,
          ours: 'event-reports-rest',
          baseline: 'event-reports-pg',
          target: 0.8,
        },
      ],
    };
    return plan;
  },
};
