/**
 * What a browser gets at GET /graphql (GRAPHQL_IDE, src/config.ts). Apollo's Sandbox loads from Apollo's
 * CDN, which a machine without internet (or a policy against third-party scripts) cannot use; `graphiql`
 * serves GraphiQL from this server's own npm packages instead: React and ReactDOM's UMD builds, GraphiQL's
 * UMD build and stylesheet, graphql-ws's browser client (an ES module without imports outside its own
 * folder) and a small bootstrap script (public/graphql-ide/), under GRAPHQL_IDE_ASSETS_PATH.
 *
 * The page itself is an Apollo landing page (a plugin's renderLandingPage), so GET /graphql stays Apollo's:
 * the same negotiation decides page or GraphQL answer, and `off` (Apollo's disabled landing page) answers a
 * browser like any GET without a query. Queries and mutations are fetches to /graphql from the same
 * origin (the session cookie rides along; `apollo-require-preflight` satisfies Apollo's CSRF prevention),
 * subscriptions go over graphql-ws on /graphql (ws.ts reads the same cookie at the upgrade).
 */
import { dirname, join } from 'node:path';
import { readFileSync } from 'node:fs';
import express, { Request, Response, Router } from 'express';
import type { ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginLandingPageLocalDefault, ApolloServerPluginLandingPageProductionDefault } from '@apollo/server/plugin/landingPage/default';
import type { AppConfig } from '../config';
import type { AppContext } from '../context/context';
import { projectRoot } from '../project-root';
import { GRAPHQL_IDE_ASSETS_PATH, GRAPHQL_PATH } from './paths';

/**
 * GraphiQL's page: its own scripts and stylesheets only (no inline script or style: CodeMirror and React
 * lay out through the CSSOM, which style-src does not govern), fetches and ws to this origin ('self'
 * covers ws: of the same host), images and fonts also as the data: URLs GraphiQL's stylesheet embeds.
 */
export const GRAPHIQL_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const packageDir = (name: string) => dirname(require.resolve(`${name}/package.json`));

/** Asset name → file: an allow-list, so nothing else of node_modules is reachable. */
function assetFiles(): Map<string, string> {
  const root = projectRoot();
  if (!root) throw new Error('the project folder (package.json "interchange") was not found: the GraphiQL page has no assets');
  const files = new Map<string, string>([
    ['react.production.min.js', join(packageDir('react'), 'umd', 'react.production.min.js')],
    ['react-dom.production.min.js', join(packageDir('react-dom'), 'umd', 'react-dom.production.min.js')],
    ['graphiql.min.js', join(packageDir('graphiql'), 'graphiql.min.js')],
    ['graphiql.min.css', join(packageDir('graphiql'), 'graphiql.min.css')],
    ['ide.js', join(root, 'public', 'graphql-ide', 'ide.js')],
    ['ide.css', join(root, 'public', 'graphql-ide', 'ide.css')],
  ]);
  // graphql-ws's exports hide its package.json: its main entry sits in dist/ beside the browser client
  // (client.js) and the chunk that imports (its name carries a content hash, so it is read from the import)
  const wsDist = dirname(require.resolve('graphql-ws'));
  const client = join(wsDist, 'client.js');
  files.set('graphql-ws/client.js', client);
  for (const [, f] of readFileSync(client, 'utf8').matchAll(/from '\.\/([\w-]+\.js)'/g)) files.set(`graphql-ws/${f}`, join(wsDist, f));
  return files;
}

/** The static assets of the GraphiQL page, mounted at GRAPHQL_IDE_ASSETS_PATH (before /graphql's Apollo middleware). */
export function graphiqlAssets(): Router {
  const files = assetFiles();
  const router = Router();
  router.use((_req, res, next) => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    next();
  });
  router.get('/{*asset}', (req: Request, res: Response, next) => {
    const file = files.get(req.path.slice(1));
    if (!file) return next();
    // the files change only with an upgrade (a restart); an hour keeps reloads cheap without a stale IDE for long
    res.sendFile(file, { maxAge: 3600_000, dotfiles: 'deny' });
  });
  router.use((_req, res) => {
    res.status(404).json({ error: 'Not found' });
  });
  return router;
}

const asset = (name: string) => `${GRAPHQL_IDE_ASSETS_PATH}/${name}`;

/** GraphiQL's HTML: no inline script; the bootstrap reads the endpoint from the root element. */
export function graphiqlPage(): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<link rel="icon" href="data:,">
<title>GraphiQL · Interchange</title>
<link rel="stylesheet" href="${asset('graphiql.min.css')}">
<link rel="stylesheet" href="${asset('ide.css')}">
</head>
<body>
<div id="graphiql" data-endpoint="${GRAPHQL_PATH}" data-ws-module="${asset('graphql-ws/client.js')}">Loading GraphiQL…</div>
<script src="${asset('react.production.min.js')}"></script>
<script src="${asset('react-dom.production.min.js')}"></script>
<script src="${asset('graphiql.min.js')}"></script>
<script type="module" src="${asset('ide.js')}"></script>
</body>
</html>
`;
}

/** GraphiQL as an Apollo landing page. */
function graphiqlLandingPage(): ApolloServerPlugin<AppContext> {
  const html = graphiqlPage();
  return {
    async serverWillStart() {
      return { renderLandingPage: async () => ({ html }) };
    },
  };
}

/** The landing-page plugin for GRAPHQL_IDE (exactly one: Apollo refuses two, and adds its default when none is given). */
export function landingPagePlugin(config: AppConfig): ApolloServerPlugin<AppContext> {
  switch (config.graphqlIde) {
    case 'graphiql':
      return graphiqlLandingPage();
    case 'off':
      return ApolloServerPluginLandingPageDisabled();
    case 'sandbox':
      return config.isProduction ? ApolloServerPluginLandingPageProductionDefault({ footer: false }) : ApolloServerPluginLandingPageLocalDefault({ embed: true, footer: false });
  }
}

/**
 * GraphiQL's policy and headers on a browser's GET /graphql (the page Apollo sends has none of its own).
 * The same negotiation as Apollo's: a GET whose Accept prefers text/html over the GraphQL answers.
 */
export function graphiqlPageHeaders(config: AppConfig): express.RequestHandler {
  return (req, res, next) => {
    if (
      config.graphqlIde === 'graphiql' &&
      req.method === 'GET' &&
      req.accepts(['application/json', 'application/graphql-response+json', 'multipart/mixed', 'text/html']) === 'text/html'
    ) {
      res.setHeader('Content-Security-Policy', GRAPHIQL_CSP);
      res.setHeader('X-Content-Type-Options', 'nosniff');
      res.setHeader('Referrer-Policy', 'no-referrer');
      res.setHeader('Cache-Control', 'no-cache');
      res.append('Vary', 'Accept');
    }
    next();
  };
}
