/**
 * The fastest Node GraphQL peer we know of: Fastify + Mercurius with graphql-jit (`jit: 1`: every
 * document compiled on its first use), in a process of its own
 * (`node dist-bench/bench/baselines/mercurius-me.js`). `{ hello }` is the framework alone (the
 * calibration against stock Apollo's `{ hello }`); `me { id username role }` does the same
 * authentication as our server without its caches unless BENCH_CACHE_SECONDS says so
 * (bench/baselines/bare.ts: jsonwebtoken with the same secret, issuer and audience; the session joined
 * to its user by a named prepared statement). The platform scenario checks that its body is
 * byte-identical to ours before measuring.
 */
import Fastify from 'fastify';
import mercurius from 'mercurius';
import type { IncomingHttpHeaders } from 'node:http';
import { Authenticator, baselineEnv, onStop, openPool } from './bare';

const SCHEMA = `
  enum Role { USER ADMIN }
  type User { id: ID! username: String role: Role! }
  type Query { hello: String me: User }
`;

async function main(): Promise<void> {
  const env = baselineEnv();
  const pool = openPool(env);
  const auth = new Authenticator(env, pool);
  const app = Fastify({ logger: false });
  await app.register(mercurius, {
    schema: SCHEMA,
    jit: 1,
    resolvers: {
      Query: {
        hello: () => 'world',
        me: (_root: unknown, _args: unknown, ctx: { reply: { request: { headers: IncomingHttpHeaders } } }) => auth.viewer(ctx.reply.request.headers),
      },
    },
  });
  // Apollo ends a JSON body with a newline; so does this baseline, so the bytes are identical.
  app.addHook('onSend', async (_req, _reply, payload) => (typeof payload === 'string' ? `${payload}\n` : payload));
  app.get('/healthz', async () => 'ok');
  await app.listen({ port: env.port, host: '127.0.0.1' });
  onStop(async () => {
    await app.close();
    await pool.end();
  });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
