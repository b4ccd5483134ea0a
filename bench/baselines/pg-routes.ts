/**
 * The bare baselines of the REST routes and of `me`: node:http + node-pg, no framework, one process
 * (`node dist-bench/bench/baselines/pg-routes.js`, settings in bench/baselines/bare.ts). Each route
 * does the work of ours and no less: the same authentication (jsonwebtoken, the prepared session
 * join, the same caching), the same statement as our service as a named prepared statement, the same
 * rules, and the same JSON; each scenario compares the two bodies byte for byte before measuring.
 * The statements restate our services' SQL on purpose rather than import it: a baseline is a fixed
 * reference, and a change to our SQL should show up as a change in the ratio (or, if the results
 * differ, as a failed byte comparison), not silently move the baseline with it.
 */
import argon2 from 'argon2';
import { createHmac, randomUUID } from 'node:crypto';
import { Authenticator, BareRequest, BareResponse, baselineEnv, enrollmentProblem, householdOf, onStop, openPool, serveBare } from './bare';

const env = baselineEnv();
const pool = openPool(env);
const auth = new Authenticator(env, pool);

const round2 = (n: number) => Math.round(n * 100) / 100;
const axis = (sum: number, count: number) => (count > 0 ? (sum / count) * 5 : 0);
const MAX_DISTANCE = 20 * Math.SQRT2;

/** src/modules/coparent: a month's items of the viewer's household with their owners. */
const COPARENT_ITEMS = {
  name: 'bench_coparent_items',
  text: `select i.id, i.date::text as date, i.type, i.title, i.body, i.owner_id, u.username, i.created_at, i.updated_at
           from coparent_items i join users u on u.id = i.owner_id
          where i.household_id = $2 and i.date >= $1::date and i.date < ($1::date + interval '1 month')
          order by i.date, i.created_at, i.id`,
};

/** src/modules/compass/compass.service.ts `matches`: the user's kept score sums and every party's sums, one statement. */
const COMPASS_MATCHES = {
  name: 'bench_compass_matches',
  text: `with p as (
           select p.id, p.name, p.abbreviation, p.description, p.code, p.logo_file_id, p.created_at, p.updated_at,
                  coalesce(sum(a.score * q.direction) filter (where q.axis = 'economic'), 0)::int as es,
                  count(a.score) filter (where q.axis = 'economic')::int as ec,
                  coalesce(sum(a.score * q.direction) filter (where q.axis = 'social'), 0)::int as ss,
                  count(a.score) filter (where q.axis = 'social')::int as sc,
                  (select count(*) from compass_questions)::int as total
             from compass_parties p
             left join compass_party_answers a on a.party_id = p.id and a.score is not null
             left join compass_questions q on q.id = a.question_id
            group by p.id)
         select u.id as user_id, coalesce(s.economic_sum, 0) as ues, coalesce(s.economic_count, 0) as uec,
                coalesce(s.social_sum, 0) as uss, coalesce(s.social_count, 0) as usc, p.*
           from users u left join compass_user_scores s on s.user_id = u.id left join p on true
          where u.number = $1 and u.deleted_at is null`,
};

/**
 * src/modules/cake/cake-event.service.ts `hallOfFame`: the ranking and everything the list shows (since
 * issue 9 also the group's name and each event's gallery with the uploaders' names), one statement.
 */
const CAKE_RANKED = {
  name: 'bench_cake_ranked',
  text: `with ranked as (
           select e.id, e.date::text as date, e.description, e.group_id, e.baker_id, e.created_at, u.name as baker_name, cover.id as cover_id,
                  coalesce(r.average, 0) as average, coalesce(r.count, 0) as count, r.mine
             from cake_events e
             join cake_memberships m on m.group_id = e.group_id and m.user_id = $1
             left join users u on u.id = e.baker_id
             left join cake_photos cover on cover.event_id = e.id and cover.user_id = e.baker_id
             left join lateral (
               select avg(stars) as average, count(*) as count, max(stars) filter (where user_id = $1) as mine
                 from cake_ratings where event_id = e.id
             ) r on true
            order by coalesce(r.average, 0) desc, e.date desc, e.created_at desc, e.id
            limit 50
         )
         select ranked.*, g.name as group_name, coalesce(gal.photos, '[]'::json) as gallery
           from ranked
           join cake_groups g on g.id = ranked.group_id
           left join lateral (
             select json_agg(json_build_object('id', p.id, 'user_id', p.user_id, 'user_name', pu.name) order by p.created_at, p.id) as photos
               from cake_photos p left join users pu on pu.id = p.user_id
              where p.event_id = ranked.id
           ) gal on true
          order by ranked.average desc, ranked.date desc, ranked.created_at desc, ranked.id`,
};

/**
 * src/modules/conduct/conduct-access.ts `eventIdWithRole`: the event by slug with the viewer's roles
 * there (whether conduct is DISABLED for the viewer comes with the session check, as ours).
 */
const CONDUCT_EVENT_ROLES = {
  name: 'bench_conduct_event_roles',
  text: `select e.id, coalesce(array_agg(r.role) filter (where r.role is not null), '{}') as roles
           from conduct_events e left join conduct_event_roles r on r.event_id = e.id and r.user_id = $2
          where e.slug = $1 group by e.id`,
};

/** src/modules/conduct/event-users.service.ts `eventUsers` (sort by name): the page with the users' columns and the matching total. */
const CONDUCT_MEMBERS = {
  name: 'bench_conduct_members',
  text: `select u.id, u.email, u.name, u.avatar_file_id, min(r.created_at) as join_date, array_agg(r.role) as roles,
                (select max(s.created_at) from sessions s where s.user_id = u.id) as last_activity, count(*) over ()::int as total
           from conduct_event_roles r join users u on u.id = r.user_id
          where r.event_id = $1 and u.deleted_at is null and ($2::text is null or u.name ilike $2 or u.email ilike $2)
          group by u.id
          order by lower(u.name) asc, u.id
          limit $3 offset $4`,
};
const CONDUCT_RANK: Record<string, number> = { Admin: 3, Responder: 2, Reporter: 1 };
const CONDUCT_USERS_PATH = /^\/conduct\/api\/events\/slug\/([^/]+)\/users$/;

/** conduct's role-name array: highest first, an Admin as "Event Admin" and "Admin". */
function conductRoleNames(roles: string[]): string[] {
  const out: string[] = [];
  for (const r of [...new Set(roles)].sort((a, b) => CONDUCT_RANK[b] - CONDUCT_RANK[a])) {
    if (r === 'Admin') out.push('Event Admin');
    out.push(r);
  }
  return out;
}

/**
 * src/modules/conduct/report-lists.service.ts `eventReports` (sort createdAt desc, the default): an
 * event's page of reports with the matching total (a window count). $2 only this reporter (a Reporter's
 * own; null for staff), $3 search pattern over title and description, $4 state, $5 severity, $6 the
 * `assigned` mode with $7 the viewer, $8 the `userId` filter, $9 report ids.
 */
const CONDUCT_REPORTS = {
  name: 'bench_conduct_reports',
  text: `select r.id, r.event_id, r.reporter_id, r.assigned_responder_id, r.title, r.description, r.type, r.state, r.severity,
                r.resolution, r.location, r.contact_preference, r.incident_at, r.parties, r.created_at, r.updated_at,
                count(*) over ()::int as total
           from conduct_reports r
          where r.event_id = $1::uuid
            and ($2::uuid is null or r.reporter_id = $2::uuid)
            and ($3::text is null or r.title ilike $3 or r.description ilike $3)
            and ($4::text is null or r.state = $4)
            and ($5::text is null or r.severity = $5)
            and ($6::text is null or ($6 = 'me' and r.assigned_responder_id = $7::uuid) or ($6 = 'unassigned' and r.assigned_responder_id is null)
                 or ($6 = 'others' and r.assigned_responder_id <> $7::uuid))
            and ($8::uuid is null or r.reporter_id = $8::uuid)
            and ($9::uuid[] is null or r.id = any($9::uuid[]))
          order by r.created_at desc, r.id desc
          limit $10 offset $11`,
};
/** The people a page names (reporters, assignees), one statement per page, the columns the list shows. */
const CONDUCT_PEOPLE = { name: 'bench_conduct_people', text: 'select u.id, u.name, u.email from users u where u.id = any($1::uuid[])' };
const CONDUCT_REPORTS_PATH = /^\/conduct\/api\/events\/slug\/([^/]+)\/reports$/;
const CONDUCT_STATES = ['submitted', 'acknowledged', 'investigating', 'resolved', 'closed'];
const iso = (v: Date | null) => (v === null ? null : v.toISOString());

const MATCHES_PATH = /^\/compass\/api\/users\/(\d+)\/matches$/;

/**
 * The login's floor (`POST /login`, the variables of our login mutation as its body): what a login must
 * do and nothing else — the attempt counted against the client's one-minute window and the account
 * looked up in one statement (src/auth/auth-store.ts `ATTEMPT`, the columns a login reads), one
 * `argon2.verify`, the active check, the session inserted (the same statement), an HS256 token signed
 * with the same claims, the cookie and the JSON of our answer. No GraphQL, no framework, no log line.
 */
const LOGIN_ATTEMPT = {
  name: 'bench_login_attempt',
  text:
    'with attempt as (insert into rate_limits as r (key, points, expire) values ($1, 1, $3) on conflict (key) do update set ' +
    'points = case when r.expire is null or r.expire <= $2 then 1 else r.points + 1 end, ' +
    'expire = case when r.expire is null or r.expire <= $2 then $3 else r.expire end returning points, expire) ' +
    'select a.points, u.id, u.username, u.role, u.password_hash, u.is_active, u.two_factor_enabled from attempt a ' +
    'left join users u on (lower(u.username) = $4 or lower(u.email) = $4) and u.deleted_at is null limit 1',
};
const LOGIN_SESSION = { name: 'bench_login_session', text: 'insert into sessions (id, user_id, created_at, expires_at, ip, user_agent) values ($1, $2, now(), $3, $4, $5)' };
const TOKEN_HEADER = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');
const SESSION_SECONDS = 168 * 3600;
const LOGIN_LIMIT = Number(process.env.LOGIN_MAX_PER_MINUTE ?? '10');

const UNAUTHENTICATED: BareResponse = { body: { errors: [{ message: 'Invalid credentials', extensions: { code: 'UNAUTHENTICATED' } }], data: null } };

async function bareLogin(req: BareRequest): Promise<BareResponse> {
  const input = (JSON.parse(req.body) as { variables?: { input?: { login?: unknown; password?: unknown } } }).variables?.input;
  const login = typeof input?.login === 'string' ? input.login.trim().toLowerCase() : null;
  const now = Date.now();
  const { rows } = await pool.query({ ...LOGIN_ATTEMPT, values: [`login:${req.ip}`, now, now + 60_000, login] });
  const row = rows[0];
  if (Number(row.points) > LOGIN_LIMIT) return { body: { errors: [{ message: 'Too many login attempts, try again later', extensions: { code: 'RATE_LIMITED' } }], data: null } };
  if (!row.id || typeof input?.password !== 'string' || !(await argon2.verify(row.password_hash, input.password))) return UNAUTHENTICATED;
  if (!row.is_active) return { body: { errors: [{ message: 'Account is inactive', extensions: { code: 'FORBIDDEN' } }], data: null } };
  if (row.two_factor_enabled) return { body: { data: { login: { token: null, requiresTwoFactor: true, user: null } } } };
  const iat = Math.floor(now / 1000);
  const exp = iat + SESSION_SECONDS;
  const sessionId = randomUUID();
  await pool.query({ ...LOGIN_SESSION, values: [sessionId, row.id, new Date(exp * 1000), req.ip, req.headers['user-agent'] ?? null] });
  const payload = Buffer.from(JSON.stringify({ sid: sessionId, iat, exp, aud: env.jwtAudience, iss: env.jwtIssuer, sub: row.id })).toString('base64url');
  const token = `${TOKEN_HEADER}.${payload}.${createHmac('sha256', auth.key).update(`${TOKEN_HEADER}.${payload}`).digest('base64url')}`;
  return {
    headers: { 'content-type': 'application/json; charset=utf-8', 'set-cookie': `session=${token}; Path=/; Expires=${new Date(exp * 1000).toUTCString()}; HttpOnly; SameSite=Lax` },
    // Apollo ends its JSON with a newline
    body: JSON.stringify({ data: { login: { token, requiresTwoFactor: false, user: { id: row.id, username: row.username, role: row.role } } } }) + '\n',
  };
}

const server = serveBare(env.port, async (req): Promise<BareResponse> => {
  const { path, query, headers } = req;
  if (path === '/login' && req.method === 'POST') return bareLogin(req);
  const viewer = await auth.viewer(headers);

  if (path === '/me') {
    if (!viewer) return { status: 401, body: { errors: [{ message: 'Not authenticated' }] } };
    return { body: { data: { me: { id: viewer.id, username: viewer.username, role: viewer.role } } } };
  }

  if (path === '/coparent/api/items') {
    if (!viewer) return { status: 401, body: { error: 'Authentication required' } };
    // coparent is closed: an ACTIVE membership in a household (a global ADMIN without one reads the
    // default household: not a case the bench loads)
    const household = householdOf(viewer);
    if (!household) return { status: 403, body: { error: 'You are not a member of a household' } };
    const month = query.get('month') ?? '';
    if (!/^(\d{4})-(0[1-9]|1[0-2])$/.test(month)) return { status: 400, body: { error: 'month must be a month in YYYY-MM format' } };
    const { rows } = await pool.query({ ...COPARENT_ITEMS, values: [`${month}-01`, household] });
    return {
      body: rows.map((r) => ({
        id: r.id,
        date: `${r.date}T00:00:00.000Z`,
        type: r.type,
        title: r.title,
        body: r.body,
        ownerId: r.owner_id,
        owner: { id: r.owner_id, username: r.username },
        createdAt: (r.created_at as Date).toISOString(),
        updatedAt: (r.updated_at as Date).toISOString(),
      })),
    };
  }

  const matches = MATCHES_PATH.exec(path);
  if (matches) {
    if (!viewer) return { status: 401, body: { status: 'error', message: 'Invalid or expired token' } };
    // compass self-enrolls: only a PENDING or DISABLED membership is refused
    const problem = enrollmentProblem(viewer, 'COMPASS', true);
    if (problem) return { status: 403, body: { status: 'error', message: problem === 'pending' ? 'Your compass account is not active' : 'Your compass account is disabled' } };
    const number = Number(matches[1]);
    if (viewer.number !== number && viewer.role !== 'ADMIN') return { status: 403, body: { status: 'error', message: 'Access denied' } };
    const { rows } = await pool.query({ ...COMPASS_MATCHES, values: [number] });
    if (!rows.length) return { status: 404, body: { status: 'error', message: 'User not found' } };
    const u = rows[0];
    if (u.uec + u.usc === 0) return { status: 422, body: { status: 'error', message: 'Validation failed' } };
    const ux = axis(u.ues, u.uec);
    const uy = axis(u.uss, u.usc);
    const data = rows
      .filter((r) => r.id !== null)
      .map((r) => {
        const x = axis(r.es, r.ec);
        const y = axis(r.ss, r.sc);
        return { r, x, y, d: Math.sqrt((x - ux) * (x - ux) + (y - uy) * (y - uy)) };
      })
      .sort((a, b) => a.d - b.d || (a.r.name < b.r.name ? -1 : a.r.name > b.r.name ? 1 : 0))
      .slice(0, 3)
      .map(({ r, x, y, d }) => ({
        party_id: r.id,
        name: r.name,
        abbreviation: r.abbreviation,
        description: r.description ?? null,
        logo_url: r.logo_file_id ? `/compass/api/parties/${r.id}/logo` : null,
        x: round2(x),
        y: round2(y),
        distance: round2(d),
        match_percentage: round2(100 * (1 - d / MAX_DISTANCE)),
      }));
    return { body: { status: 'success', message: 'Matches calculated successfully', data } };
  }

  if (path === '/cakeplanner/api/events/ranked') {
    if (!viewer) return { status: 401, body: { error: 'Authentication required' } };
    // cakeplanner is closed: an ACTIVE membership (src/modules/cake/cake-group.service.ts)
    if (enrollmentProblem(viewer, 'CAKEPLANNER', false)) return { status: 403, body: { error: 'Account is inactive' } };
    const { rows } = await pool.query({ ...CAKE_RANKED, values: [viewer.id] });
    const today = new Date().toISOString().slice(0, 10);
    return {
      body: rows.map((r) => ({
        id: r.id,
        date: r.date,
        description: r.description,
        groupId: r.group_id,
        groupName: r.group_name,
        baker: { id: r.baker_id, name: r.baker_name ?? 'Deleted User' },
        bakerId: r.baker_id,
        bakerName: r.baker_name ?? 'Deleted User',
        photoUrl: r.cover_id ? `/cakeplanner/api/photos/${r.cover_id}` : null,
        rating: { average: Math.round(Number(r.average) * 100) / 100, count: Number(r.count), myRating: r.mine === null ? null : Number(r.mine) },
        isFuture: r.date >= today,
        gallery: (r.gallery as { id: string; user_id: string; user_name: string | null }[]).map((p) => ({
          id: p.id,
          userName: p.user_name ?? 'Deleted User',
          url: `/cakeplanner/api/photos/${p.id}`,
          isMine: p.user_id === viewer.id,
        })),
      })),
    };
  }

  const conductUsers = CONDUCT_USERS_PATH.exec(path);
  if (conductUsers) {
    if (!viewer) return { status: 401, body: { error: 'Not authenticated' } };
    // conduct self-enrolls: a PENDING or DISABLED membership is refused before anything is read (access.enrolled)
    const problem = enrollmentProblem(viewer, 'CONDUCT', true);
    if (problem)
      return { status: 403, body: { error: problem === 'pending' ? 'Your account is not active for this application' : 'Your account is disabled for this application' } };
    const { rows: events } = await pool.query({ ...CONDUCT_EVENT_ROLES, values: [decodeURIComponent(conductUsers[1]), viewer.id] });
    if (!events.length) return { status: 404, body: { error: 'Event not found.' } };
    if (!(events[0].roles as string[]).length && viewer.role !== 'ADMIN') return { status: 403, body: { error: 'Forbidden: insufficient role' } };
    const page = Number(query.get('page') ?? '1');
    const limit = Number(query.get('limit') ?? '20');
    const term = query.get('search')?.trim();
    const search = term ? `%${term.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null;
    const { rows } = await pool.query({ ...CONDUCT_MEMBERS, values: [events[0].id, search, limit, (page - 1) * limit] });
    return {
      body: {
        users: rows.map((r) => ({
          id: r.id,
          email: r.email ?? null,
          name: r.name,
          roles: conductRoleNames(r.roles as string[]),
          avatarUrl: r.avatar_file_id ? `/users/${r.id}/avatar` : null,
          joinDate: (r.join_date as Date).toISOString(),
          lastActivity: r.last_activity ? (r.last_activity as Date).toISOString() : null,
        })),
        total: rows.length ? rows[0].total : 0,
      },
    };
  }

  const conductReports = CONDUCT_REPORTS_PATH.exec(path);
  if (conductReports) {
    if (!viewer) return { status: 401, body: { error: 'Not authenticated' } };
    const { rows: events } = await pool.query({ ...CONDUCT_EVENT_ROLES, values: [decodeURIComponent(conductReports[1]), viewer.id] });
    if (!events.length) return { status: 404, body: { error: 'Event not found.' } };
    if (events[0].disabled) return { status: 403, body: { error: 'Your account is disabled for this application' } };
    const roles = events[0].roles as string[];
    if (!roles.length && viewer.role !== 'ADMIN') return { status: 403, body: { error: 'Forbidden: insufficient role' } };
    const staff = viewer.role === 'ADMIN' || roles.includes('Responder') || roles.includes('Admin');
    const page = Number(query.get('page') ?? '1');
    const limit = Number(query.get('limit') ?? '20');
    if (!Number.isInteger(page) || page < 1 || !Number.isInteger(limit) || limit < 1 || limit > 100) return { status: 400, body: { error: 'Invalid paging.' } };
    const status = query.get('status')?.trim().toLowerCase();
    if (status !== undefined && !CONDUCT_STATES.includes(status)) return { status: 400, body: { error: 'Invalid state.' } };
    const term = query.get('search')?.trim();
    const search = term ? `%${term.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null;
    const { rows } = await pool.query({
      ...CONDUCT_REPORTS,
      values: [events[0].id, staff ? null : viewer.id, search, status ?? null, null, null, viewer.id, null, null, limit, (page - 1) * limit],
    });
    const ids = new Set<string>();
    for (const r of rows) {
      if (r.reporter_id) ids.add(r.reporter_id);
      if (r.assigned_responder_id) ids.add(r.assigned_responder_id);
    }
    const people = new Map<string, { id: string; name: string; email: string | null }>();
    if (ids.size) for (const p of (await pool.query({ ...CONDUCT_PEOPLE, values: [[...ids]] })).rows) people.set(p.id, { id: p.id, name: p.name, email: p.email ?? null });
    const person = (id: string | null) => (id ? (people.get(id) ?? null) : null);
    const total = rows.length ? (rows[0].total as number) : 0;
    return {
      body: {
        reports: rows.map((r) => ({
          id: r.id,
          eventId: r.event_id,
          reporterId: r.reporter_id,
          title: r.title,
          description: r.description,
          type: r.type,
          state: r.state,
          severity: r.severity,
          resolution: r.resolution,
          location: r.location,
          contactPreference: r.contact_preference,
          incidentAt: iso(r.incident_at),
          parties: r.parties,
          assignedResponderId: r.assigned_responder_id,
          createdAt: iso(r.created_at),
          updatedAt: iso(r.updated_at),
          reporter: person(r.reporter_id),
          assignedResponder: person(r.assigned_responder_id),
        })),
        total,
        page,
        limit,
        totalPages: Math.ceil(total / limit),
        canViewAssignments: staff,
      },
    };
  }

  return { status: 404, body: { error: 'not found' } };
});

onStop(async () => {
  server.closeAllConnections();
  await new Promise((done) => server.close(done));
  await pool.end();
});
