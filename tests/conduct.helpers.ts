/**
 * Factories of the conduct tests: REST requests as conduct's frontend sends them (JSON, the session
 * cookie), accounts registered and signed in through the surface, and rows seeded straight into the
 * test database for what a test needs before it reaches the route it checks (events, roles, invites).
 */
import { randomBytes } from 'node:crypto';
import { Client as PgClient } from 'pg';
import { cookieFrom, RequestAuth, RestResult, startTestServer, TestServer, unique } from './support/server';

/** A request to the conduct surface: `path` is the legacy path (`/api/auth/login`), sent under `/conduct`. */
export function api<T = any>(
  s: TestServer,
  method: string,
  path: string,
  opts: RequestAuth & { body?: unknown; rawBody?: string | Buffer | FormData } = {},
): Promise<RestResult<T>> {
  return s.rest<T>(method, `/conduct${path}`, opts);
}

/** A password conduct accepts (upper, lower, digit, special). */
export const STRONG = 'Str0ng!pass';

export interface ConductUser {
  id: string;
  email: string;
  name: string;
  password: string;
  /** `session=…`, to send back as the Cookie header */
  cookie: string;
}

/** Registers through the conduct surface (the first account of a server becomes SuperAdmin) and logs in. */
export async function conductUser(s: TestServer, over: { email?: string; name?: string; password?: string } = {}): Promise<ConductUser> {
  const name = over.name ?? unique('Person ');
  const email = over.email ?? `${unique('p')}@example.test`;
  const password = over.password ?? STRONG;
  const reg = await api(s, 'POST', '/api/auth/register', { body: { email, password, name } });
  if (reg.status !== 200) throw new Error(`register failed: ${reg.status} ${reg.text}`);
  return { id: reg.body.user.id, email: reg.body.user.email, name, password, cookie: await loginCookie(s, email, password) };
}

export async function loginCookie(s: TestServer, email: string, password: string): Promise<string> {
  const res = await api(s, 'POST', '/api/auth/login', { body: { email, password } });
  const cookie = cookieFrom(res.headers);
  if (res.status !== 200 || !cookie) throw new Error(`login failed: ${res.status} ${res.text}`);
  return cookie;
}

/** A fresh server with its first account (the SuperAdmin), registered through conduct. */
export async function conductServer(env: Record<string, string | undefined> = {}): Promise<{ s: TestServer; superAdmin: ConductUser }> {
  const s = await startTestServer(env);
  return { s, superAdmin: await conductUser(s, { name: 'Super Admin' }) };
}

/** Runs SQL on the server's database (seeding and reading rows a test checks). */
export async function sql<R = Record<string, unknown>>(s: TestServer, text: string, params: unknown[] = []): Promise<R[]> {
  const client = new PgClient({ connectionString: s.databaseUrl });
  await client.connect();
  try {
    return (await client.query(text, params)).rows as R[];
  } finally {
    await client.end();
  }
}

/** Seeds an event (inactive unless told), optionally in an organization; returns its id and slug. */
export async function seedEvent(s: TestServer, over: { slug?: string; name?: string; organizationId?: string; isActive?: boolean } = {}): Promise<{ id: string; slug: string }> {
  const slug = over.slug ?? `ev-${randomBytes(4).toString('hex')}`;
  const rows = await sql<{ id: string }>(s, 'insert into conduct_events (id, name, slug, is_active, organization_id) values (gen_random_uuid(), $1, $2, $3, $4) returning id', [
    over.name ?? `Event ${slug}`,
    slug,
    over.isActive ?? false,
    over.organizationId ?? null,
  ]);
  return { id: rows[0].id, slug };
}

/** Seeds an organization; returns its id and slug. */
export async function seedOrganization(s: TestServer, over: { slug?: string; name?: string } = {}): Promise<{ id: string; slug: string }> {
  const slug = over.slug ?? `org-${randomBytes(4).toString('hex')}`;
  const rows = await sql<{ id: string }>(s, 'insert into conduct_organizations (id, name, slug) values (gen_random_uuid(), $1, $2) returning id', [
    over.name ?? `Org ${slug}`,
    slug,
  ]);
  return { id: rows[0].id, slug };
}

export async function grantEventRole(s: TestServer, userId: string, eventId: string, role: 'Reporter' | 'Responder' | 'Admin'): Promise<void> {
  await sql(s, 'insert into conduct_event_roles (id, event_id, user_id, role) values (gen_random_uuid(), $1, $2, $3)', [eventId, userId, role]);
}

export async function grantOrgRole(s: TestServer, userId: string, organizationId: string, role: 'org_admin' | 'org_viewer'): Promise<void> {
  await sql(s, 'insert into conduct_org_memberships (id, organization_id, user_id, role) values (gen_random_uuid(), $1, $2, $3)', [organizationId, userId, role]);
}

/** Seeds an invite link to an event (or organization); returns its id and code. */
export async function seedInvite(
  s: TestServer,
  scope: { eventId?: string; organizationId?: string },
  over: { role?: string; maxUses?: number | null; useCount?: number; expiresAt?: Date | null; disabled?: boolean } = {},
): Promise<{ id: string; code: string }> {
  const code = randomBytes(16).toString('hex');
  const rows = await sql<{ id: string }>(
    s,
    'insert into conduct_invites (id, code, event_id, organization_id, role, max_uses, use_count, expires_at, disabled) ' +
      'values (gen_random_uuid(), $1, $2, $3, $4, $5, $6, $7, $8) returning id',
    [code, scope.eventId ?? null, scope.organizationId ?? null, over.role ?? 'Reporter', over.maxUses ?? null, over.useCount ?? 0, over.expiresAt ?? null, over.disabled ?? false],
  );
  return { id: rows[0].id, code };
}

/** A report body as the frontend's form sends it (JSON). */
export function reportBody(over: Record<string, unknown> = {}): Record<string, unknown> {
  return { title: 'Harassment at the venue', type: 'harassment', description: 'Someone was repeatedly rude at the booth.', ...over };
}

/** Seeds a report straight into the database; returns its id. */
export async function seedReport(
  s: TestServer,
  eventId: string,
  over: {
    reporterId?: string | null;
    assigneeId?: string | null;
    state?: string;
    severity?: string | null;
    title?: string;
    description?: string;
    createdAt?: Date;
    updatedAt?: Date;
  } = {},
): Promise<string> {
  const created = over.createdAt ?? new Date();
  const rows = await sql<{ id: string }>(
    s,
    `insert into conduct_reports (id, event_id, reporter_id, assigned_responder_id, title, description, type, state, severity, created_at, updated_at)
     values (gen_random_uuid(), $1, $2, $3, $4, $5, 'harassment', $6, $7, $8, $9) returning id`,
    [
      eventId,
      over.reporterId ?? null,
      over.assigneeId ?? null,
      over.title ?? `Report ${randomBytes(3).toString('hex')} title`,
      over.description ?? 'Something happened at the venue',
      over.state ?? 'submitted',
      over.severity ?? null,
      created,
      over.updatedAt ?? created,
    ],
  );
  return rows[0].id;
}
