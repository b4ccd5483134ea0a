/**
 * cakeplanner (issue 4, "Benchmark"): the Hall of Fame `GET /cakeplanner/api/events/ranked` over 500
 * events with 5,000 ratings against a bare node:http + node-pg handler doing the same work — the Bearer
 * token check, the session + user lookup with the same caching, the same ranking statement (prepared)
 * — and answering the same JSON, in the same interleaved rounds, requests rotating over 1,000 members'
 * tokens (target ≥ 0.8). Metric: 1,000 open SSE streams (`GET /cakeplanner/api/events/stream`)
 * all receive a new event within 1 s of the POST that creates it.
 */
import http from 'node:http';
import { Enrollment, Metric, Scenario, ScenarioPlan, enrollUsers, registerUser, seedUsers, sql, uniqueName } from '../lib';

const EVENTS = 500;
const RATERS = 10;
const STREAMS = 1000;
const MEMBERS = 1000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface OpenStream {
  arrivedAt?: number;
  close(): void;
}

/** Opens `count` SSE streams (no connection pooling, as browsers' EventSource), resolved once each says `: connected`. */
async function openStreams(url: string, token: string, count: number, marker: string, batch = 50): Promise<OpenStream[]> {
  const open = () =>
    new Promise<OpenStream>((resolve, reject) => {
      const stream: OpenStream = { close: () => req.destroy() };
      let buffer = '';
      let connected = false;
      const req = http.get(url, { agent: false, headers: { accept: 'text/event-stream', authorization: `Bearer ${token}` } }, (res) => {
        if (res.statusCode !== 200) {
          reject(new Error(`stream answered ${res.statusCode}`));
          res.resume();
          return;
        }
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buffer += chunk;
          if (!connected && buffer.includes(': connected')) {
            connected = true;
            resolve(stream);
          }
          if (stream.arrivedAt === undefined && buffer.includes(marker)) stream.arrivedAt = performance.now();
          if (buffer.length > 65_536) buffer = buffer.slice(-4096);
        });
      });
      req.on('error', (err) => {
        if (!connected) reject(err);
      });
    });
  const streams: OpenStream[] = [];
  try {
    for (let i = 0; i < count; i += batch) streams.push(...(await Promise.all(Array.from({ length: Math.min(batch, count - i) }, open))));
  } catch (err) {
    for (const s of streams) s.close();
    throw err;
  }
  return streams;
}

export const cakeplanner: Scenario = {
  name: 'cakeplanner',
  title: 'cakeplanner: Hall of Fame over 500 events / 5,000 ratings, SSE fan-out to 1,000 streams',
  async setup(env) {
    const ix = await env.interchange();
    const viewer = await registerUser(ix.url);
    const poster = await registerUser(ix.url);
    const db = ix.databaseUrl;
    // cakeplanner is closed: every user who calls it is enrolled ACTIVE (else 403 "Account is inactive")
    const cake: Enrollment = { application: 'CAKEPLANNER' };
    await enrollUsers(db, [viewer.id, poster.id], cake);

    // A group of the viewer, the poster and ten raters who bake in turn; 500 events with 10 ratings each.
    const [{ id: groupId }] = await sql<{ id: string }>(db, `insert into cake_groups (id, name) values (gen_random_uuid(), $1) returning id`, [uniqueName('Bench bakers ')]);
    const raters = (
      await sql<{ id: string }>(
        db,
        `insert into users (id, name, email) select gen_random_uuid(), 'Bench rater ' || i, $1 || i || '@bench.test' from generate_series(1, ${RATERS}) i returning id`,
        [uniqueName('rater')],
      )
    ).map((r) => r.id);
    await sql(db, `insert into cake_memberships (id, group_id, user_id, role) select gen_random_uuid(), $1, unnest($2::uuid[]), 'member'`, [
      groupId,
      [viewer.id, poster.id, ...raters],
    ]);
    await sql(
      db,
      `insert into cake_events (id, group_id, baker_id, date, description, created_at, updated_at)
       select gen_random_uuid(), $1, ($2::uuid[])[1 + i % ${RATERS}], date '2024-01-01' + i, 'Bench cake ' || i, now() + i * interval '1 millisecond', now()
         from generate_series(0, ${EVENTS - 1}) i`,
      [groupId, raters],
    );
    await sql(
      db,
      `insert into cake_ratings (id, event_id, user_id, stars, created_at, updated_at)
       select gen_random_uuid(), e.id, u, 1 + abs(hashtext(e.id::text || u::text)) % 5, now(), now()
         from cake_events e cross join unnest($2::uuid[]) u where e.group_id = $1`,
      [groupId, raters],
    );
    await sql(db, 'analyze cake_events, cake_ratings, cake_memberships, cake_photos');

    // Viewers: 1,000 members of the group, each with a token of its own (requests rotate over them).
    const members = await seedUsers(db, MEMBERS, { enroll: [cake] });
    await sql(db, `insert into cake_memberships (id, group_id, user_id, role) select gen_random_uuid(), $1, unnest($2::uuid[]), 'member'`, [groupId, members.map((m) => m.id)]);
    const bearers = members.map((m) => ({ authorization: `Bearer ${m.token}` }));

    // The bare equivalent (bench/baselines/pg-routes.ts): same authentication with the same caching,
    // our service's ranking statement as a prepared statement, the same JSON.
    const bare = await env.startBaseline({ name: 'pg-cakeplanner', script: 'pg-routes', databaseUrl: db, cacheSeconds: ix.sessionCacheSeconds });

    const bearer = { authorization: `Bearer ${viewer.token}` };
    const bodyOf = async (url: string) => (await fetch(url, { headers: bearer })).text();
    const [ours, theirs] = await Promise.all([bodyOf(`${ix.url}/cakeplanner/api/events/ranked`), bodyOf(`${bare.url}/cakeplanner/api/events/ranked`)]);
    if (ours !== theirs || (JSON.parse(ours) as unknown[]).length !== 50) {
      throw new Error(`cakeplanner bench: the bare handler's JSON differs from the route's (${ours.slice(0, 200)} vs ${theirs.slice(0, 200)})`);
    }

    const plan: ScenarioPlan = {
      notes: [
        `${EVENTS} events of one group with ${RATERS} ratings each (${(EVENTS * RATERS).toLocaleString('en')}), seeded in SQL; requests rotate over ${MEMBERS.toLocaleString('en')} members' Bearer tokens; the bare handler caches verified sessions for SESSION_CACHE_SECONDS=${ix.sessionCacheSeconds} as our server does.`,
        `SSE fan-out: ${STREAMS} streams of one member opened without connection pooling (as EventSource), then another member creates an event through POST /cakeplanner/api/events; time from sending the POST to the frame's arrival on each stream. The streams are read in the bench process; the server runs in its own.`,
      ],
      variants: [
        {
          id: 'ranked-rest',
          label: `GET /cakeplanner/api/events/ranked (top 50 of ${EVENTS} events, ${(EVENTS * RATERS).toLocaleString('en')} ratings), Bearer token`,
          server: ix,
          url: `${ix.url}/cakeplanner/api/events/ranked`,
          method: 'GET',
          headerSets: bearers,
          expect: { status: 200, contains: ['"rating":{"average":'] },
        },
        {
          id: 'ranked-pg',
          label: 'bare node:http + node-pg, same auth lookup and caching, the same ranking statement (prepared), same JSON',
          server: bare,
          url: `${bare.url}/cakeplanner/api/events/ranked`,
          method: 'GET',
          headerSets: bearers,
          expect: { status: 200, contains: ['"rating":{"average":'] },
        },
      ],
      ratios: [
        {
          name: `REST Hall of Fame (${EVENTS} events, ${(EVENTS * RATERS).toLocaleString('en')} ratings) ÷ bare node-pg handler`,
          ours: 'ranked-rest',
          baseline: 'ranked-pg',
          target: 0.8,
        },
      ],
      metrics: async () => {
        // known before the POST: the frame may reach the streams before the POST's own response
        const marker = uniqueName('Fan-out cake ');
        let eventId: string | undefined;
        const streams = await openStreams(`${ix.url}/cakeplanner/api/events/stream`, viewer.token, STREAMS, marker);
        try {
          await sleep(500);
          const sent = performance.now();
          const res = await fetch(`${ix.url}/cakeplanner/api/events`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${poster.token}` },
            body: JSON.stringify({ date: '2035-06-01', description: marker }),
          });
          if (res.status !== 201) throw new Error(`POST /cakeplanner/api/events answered ${res.status}: ${await res.text()}`);
          eventId = ((await res.json()) as { id: string }).id;
          const deadline = sent + 10_000;
          while (streams.some((s) => s.arrivedAt === undefined) && performance.now() < deadline) await sleep(5);
          const arrived = streams
            .filter((s) => s.arrivedAt !== undefined)
            .map((s) => s.arrivedAt! - sent)
            .sort((a, b) => a - b);
          const slowest = arrived.length === streams.length ? arrived[arrived.length - 1] : Infinity;
          const metrics: Metric[] = [
            {
              name: `SSE fan-out: the slowest of ${STREAMS.toLocaleString('en')} open streams receives a new event`,
              value: Number.isFinite(slowest) ? Math.round(slowest) : 10_000,
              unit: 'ms',
              max: 1000,
              detail: `${arrived.length}/${streams.length} streams received it within 10 s; median ${Math.round(arrived[Math.floor(arrived.length / 2)] ?? NaN)} ms; includes the POST itself`,
            },
          ];
          return metrics;
        } finally {
          for (const s of streams) s.close();
          await sql(db, 'delete from cake_events where id = $1', [eventId ?? '00000000-0000-4000-8000-000000000000']).catch(() => undefined);
        }
      },
    };
    return plan;
  },
};
