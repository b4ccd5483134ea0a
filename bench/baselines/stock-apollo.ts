/**
 * Stock Apollo Server 5 on Express 5, every setting at its default, in a process of its own
 * (`node dist-bench/bench/baselines/stock-apollo.js`, NODE_ENV=production). `{ hello }` is the
 * framework alone; `me` does the authentication of the bare baselines (bench/baselines/bare.ts:
 * jsonwebtoken, the prepared session join, the configured caching) in its resolver.
 */
import http from 'node:http';
import express from 'express';
import { ApolloServer } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
import type { IncomingHttpHeaders } from 'node:http';
import { Authenticator, baselineEnv, onStop, openPool } from './bare';

interface Context {
  headers: IncomingHttpHeaders;
}

async function main(): Promise<void> {
  const env = baselineEnv();
  const pool = env.databaseUrl ? openPool(env) : undefined;
  const auth = pool ? new Authenticator(env, pool) : undefined;
  const apollo = new ApolloServer<Context>({
    typeDefs: 'enum Role { USER ADMIN } type User { id: ID! username: String role: Role! } type Query { hello: String me: User }',
    resolvers: {
      Query: {
        hello: () => 'world',
        me: (_root: unknown, _args: unknown, ctx: Context) => auth?.viewer(ctx.headers) ?? null,
      },
    },
  });
  await apollo.start();
  const app = express();
  app.get('/healthz', (_req, res) => void res.send('ok'));
  app.use('/graphql', express.json(), expressMiddleware(apollo, { context: async ({ req }) => ({ headers: req.headers }) }));
  const server = http.createServer(app);
  server.listen(env.port, '127.0.0.1');
  onStop(async () => {
    server.closeAllConnections();
    await new Promise((done) => server.close(done));
    await apollo.stop();
    await pool?.end();
  });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
