/**
 * A stock graphql-ws server (`useServer` from graphql-ws on the `ws` package, graphql-js's own
 * `subscribe`, every option at its default) serving the shape of our `coparentItemChanged` subscription,
 * in a process of its own (`node dist-bench/bench/baselines/stock-graphql-ws.js`), for the fan-out
 * scenario (bench/scenarios/fanout.ts). This is how such a server usually works: every subscriber's
 * event is executed for that subscriber — graphql-js runs the document once per subscriber and event,
 * and the `item` field reads the item and its owner from PostgreSQL each time — which is what our
 * server did before fan-out once per group (issue 14).
 *
 * The same work around it as ours, kept comparable:
 * - authentication at connection_init as the bare baselines do (bench/baselines/bare.ts: jsonwebtoken,
 *   the prepared session join; verified sessions cached as our server caches them), and the household
 *   read once at subscribe;
 * - events from its own write route, `POST /items` (`{ date, type, title, body }`, Bearer token): one
 *   INSERT of the item into our coparent_items table, then, after it committed, the event
 *   `{ kind, itemId, date, householdId }` (our topic's payload) published in-process to every listener
 *   — the in-memory pubsub of a single-instance stock server. Ours goes through PostgreSQL NOTIFY
 *   (PUBSUB=postgres, as in production), a round trip this baseline does not pay;
 * - each subscriber's filter: the same month, the subscriber's household (known since subscribe; ours
 *   re-reads the viewer and re-checks the declared access at every event, which this one does not).
 *
 * `POST /broadcast` is the floor beside both: one pre-encoded frame written to every socket.
 */
import http from 'node:http';
import { GraphQLEnumType, GraphQLID, GraphQLNonNull, GraphQLObjectType, GraphQLScalarType, GraphQLSchema, GraphQLString } from 'graphql';
import { WebSocketServer } from 'ws';
import { useServer } from 'graphql-ws/use/ws';
import type { Pool } from 'pg';
import { Authenticator, baselineEnv, householdOf, onStop, openPool, ViewerRow } from './bare';

interface ItemEvent {
  kind: 'CREATED' | 'UPDATED' | 'DELETED';
  itemId: string;
  date: string;
  householdId: string;
}

interface Context {
  pool: Pool;
  viewer: ViewerRow;
}

/** The in-memory pubsub: every listener hears every event (a subscriber's filter then decides). */
const listeners = new Set<(e: ItemEvent) => void>();

function publish(e: ItemEvent): void {
  for (const l of listeners) l(e);
}

/** An async iterator over the events `keep` accepts, from now until `return()`. */
function listen(keep: (e: ItemEvent) => boolean): AsyncIterableIterator<ItemEvent> {
  const queue: ItemEvent[] = [];
  let wake: ((r: IteratorResult<ItemEvent>) => void) | undefined;
  let done = false;
  const listener = (e: ItemEvent) => {
    if (!keep(e)) return;
    if (wake) {
      const w = wake;
      wake = undefined;
      w({ value: e, done: false });
    } else queue.push(e);
  };
  listeners.add(listener);
  const iterator: AsyncIterableIterator<ItemEvent> = {
    next: () => {
      if (queue.length) return Promise.resolve({ value: queue.shift()!, done: false });
      if (done) return Promise.resolve({ value: undefined, done: true });
      return new Promise((resolve) => (wake = resolve));
    },
    return: () => {
      done = true;
      listeners.delete(listener);
      wake?.({ value: undefined, done: true });
      wake = undefined;
      return Promise.resolve({ value: undefined, done: true });
    },
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}

const ITEM_SQL =
  `select i.id, to_char(i.date, 'YYYY-MM-DD') as date, i.type, i.title, i.body, i.owner_id, i.created_at, i.updated_at, u.username ` +
  'from coparent_items i join users u on u.id = i.owner_id where i.id = $1';
function buildSchema(): GraphQLSchema {
  const DateTimeISO = new GraphQLScalarType({ name: 'DateTimeISO', serialize: (v) => (v instanceof Date ? v.toISOString() : String(v)) });
  const Kind = new GraphQLEnumType({ name: 'CoparentChangeKind', values: { CREATED: {}, DELETED: {}, UPDATED: {} } });
  const Owner = new GraphQLObjectType({
    name: 'CoparentItemOwner',
    fields: { id: { type: new GraphQLNonNull(GraphQLID) }, username: { type: GraphQLString } },
  });
  const Item = new GraphQLObjectType<Record<string, unknown>>({
    name: 'CoparentItem',
    fields: {
      id: { type: new GraphQLNonNull(GraphQLID) },
      date: { type: new GraphQLNonNull(GraphQLString) },
      type: { type: new GraphQLNonNull(GraphQLString) },
      title: { type: new GraphQLNonNull(GraphQLString) },
      body: { type: new GraphQLNonNull(GraphQLString) },
      ownerId: { type: new GraphQLNonNull(GraphQLID), resolve: (row) => row.owner_id },
      owner: { type: new GraphQLNonNull(Owner), resolve: (row) => ({ id: row.owner_id, username: row.username }) },
      createdAt: { type: new GraphQLNonNull(DateTimeISO), resolve: (row) => row.created_at },
      updatedAt: { type: new GraphQLNonNull(DateTimeISO), resolve: (row) => row.updated_at },
    },
  });
  const Change = new GraphQLObjectType<ItemEvent, Context>({
    name: 'CoparentItemChange',
    fields: {
      kind: { type: new GraphQLNonNull(Kind) },
      itemId: { type: new GraphQLNonNull(GraphQLID) },
      date: { type: new GraphQLNonNull(GraphQLString) },
      // per subscriber and event: the item read fresh, as a resolver of a stock server does
      item: {
        type: Item,
        resolve: async (e, _args, ctx) => (e.kind === 'DELETED' ? null : ((await ctx.pool.query(ITEM_SQL, [e.itemId])).rows[0] ?? null)),
      },
    },
  });
  return new GraphQLSchema({
    query: new GraphQLObjectType({ name: 'Query', fields: { hello: { type: GraphQLString, resolve: () => 'world' } } }),
    subscription: new GraphQLObjectType<ItemEvent, Context>({
      name: 'Subscription',
      fields: {
        coparentItemChanged: {
          type: new GraphQLNonNull(Change),
          args: { month: { type: new GraphQLNonNull(GraphQLString) } },
          subscribe: async (_root, args: { month: string }, ctx: Context) => {
            // the household from the memberships read with the session check, as ours (householdOf)
            const household = householdOf(ctx.viewer);
            if (!household) throw new Error('Not a member of a household');
            return listen((e) => e.householdId === household && e.date.startsWith(`${args.month}-`));
          },
          resolve: (e: ItemEvent) => e,
        },
      },
    }),
  });
}

async function readJson(req: http.IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
}

async function main(): Promise<void> {
  const env = baselineEnv();
  const pool = openPool(env);
  const auth = new Authenticator(env, pool);
  const schema = buildSchema();

  const server = http.createServer((req, res) => {
    const answer = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.url === '/healthz') return answer(200, 'ok');
    if (req.method === 'POST' && req.url === '/broadcast')
      return broadcast(req).then(
        (n) => answer(200, { sockets: n }),
        (err: unknown) => answer(500, { error: String(err) }),
      );
    if (req.method !== 'POST' || req.url !== '/items') return answer(404, { error: 'Not found' });
    (async () => {
      const viewer = await auth.viewer(req.headers);
      if (!viewer) return answer(401, { error: 'Unauthorized' });
      const b = await readJson(req);
      const { rows } = await pool.query<{ id: string; date: string; household_id: string }>(
        `insert into coparent_items (id, date, type, title, body, owner_id, household_id, created_at, updated_at)
         select gen_random_uuid(), $1::date, $2, $3, $4, $5, m.household_id, now(), now()
           from app_memberships m where m.user_id = $5 and m.application = 'COPARENT' and m.status = 'ACTIVE'
         returning id, to_char(date, 'YYYY-MM-DD') as date, household_id`,
        [b.date, b.type, b.title, b.body ?? '', viewer.id],
      );
      const row = rows[0];
      if (!row) return answer(403, { error: 'Not a member of a household' });
      // committed (one statement, autocommit): now the event
      publish({ kind: 'CREATED', itemId: row.id, date: row.date, householdId: row.household_id });
      answer(201, { id: row.id });
    })().catch((err: unknown) => answer(500, { error: err instanceof Error ? err.message : String(err) }));
  });

  const wss = new WebSocketServer({ server, path: '/graphql' });
  /**
   * The floor of any fan-out, for the report: one graphql-ws `next` frame (subscription id "1", as every
   * bench client uses) encoded once and written to every open socket — no execution, no filter, no
   * per-subscriber encoding: what the socket writes alone cost.
   */
  const broadcast = async (req: http.IncomingMessage): Promise<number> => {
    const b = await readJson(req);
    const frame = JSON.stringify({ id: '1', type: 'next', payload: { data: { floor: String(b.title) } } });
    for (const client of wss.clients) client.send(frame);
    return wss.clients.size;
  };
  const cleanup = useServer<Record<string, unknown> | undefined, { viewer?: ViewerRow }>(
    {
      schema,
      onConnect: async (ctx) => {
        const token = ctx.connectionParams?.token;
        const viewer = typeof token === 'string' ? await auth.viewer({ authorization: `Bearer ${token}` }) : undefined;
        if (!viewer) return false;
        ctx.extra.viewer = viewer;
        return true;
      },
      context: (ctx): Context => ({ pool, viewer: ctx.extra.viewer! }),
    },
    wss,
  );
  server.listen(env.port, '127.0.0.1');
  onStop(async () => {
    for (const client of wss.clients) client.terminate();
    await cleanup.dispose();
    server.closeAllConnections();
    await new Promise((done) => server.close(done));
    await pool.end();
  });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
