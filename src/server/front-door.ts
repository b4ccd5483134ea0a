/**
 * The front door, `GET /`: what this server offers and where — the GraphQL endpoint and its IDE, each
 * REST surface (prefix, docs page, OpenAPI document), the live dashboard, health, readiness and, when
 * enabled, metrics — with the version (package.json) and the mode. A page for browsers (Accept prefers
 * text/html), JSON for everything else (`Vary: Accept`, so a cache keeps both apart).
 *
 * The page runs no script and its one stylesheet is inline, allowed by its hash: the policy is
 * `default-src 'none'` plus that hash, so nothing injected could run or load.
 *
 * Not served when COMPAT_ROOT names a surface that has its own `GET /` (conduct's API status): a legacy
 * client's documented routes win over the platform's (server.ts).
 */
import { createHash } from 'node:crypto';
import type { Request, Response } from 'express';
import type { AppConfig } from '../config';
import type { SurfaceDefinition } from '../rest/engine/types';
import { packageInfo } from '../project-root';
import { DASHBOARD_PATH, GRAPHQL_PATH, HEALTH_PATH, METRICS_PATH, READY_PATH, surfaceDocsPath, surfaceOpenApiPath, surfacePrefix } from './paths';

/** What `GET /` answers as JSON; the page shows the same. */
export interface FrontDoorInfo {
  name: string;
  version: string;
  mode: AppConfig['nodeEnv'];
  graphql: { endpoint: string; ide: AppConfig['graphqlIde'] };
  surfaces: { name: string; title: string; prefix: string; docs: string; openapi: string }[];
  /** the surface also mounted at the root (COMPAT_ROOT) */
  compatRoot?: string;
  dashboard: string;
  health: string;
  readiness: string;
  /** only when METRICS_ENABLED (with METRICS_TOKEN it needs that bearer token) */
  metrics?: string;
}

export function frontDoorInfo(config: AppConfig, surfaces: readonly SurfaceDefinition[]): FrontDoorInfo {
  const pkg = packageInfo();
  return {
    name: pkg.name,
    version: pkg.version,
    mode: config.nodeEnv,
    graphql: { endpoint: GRAPHQL_PATH, ide: config.graphqlIde },
    surfaces: surfaces.map((s) => ({ name: s.id, title: s.title, prefix: surfacePrefix(s.id), docs: surfaceDocsPath(s.id), openapi: surfaceOpenApiPath(s.id) })),
    ...(config.compatRoot ? { compatRoot: config.compatRoot } : {}),
    // the dashboard's static router serves its index at the folder's path
    dashboard: `${DASHBOARD_PATH}/`,
    health: HEALTH_PATH,
    readiness: READY_PATH,
    ...(config.metrics.enabled ? { metrics: METRICS_PATH } : {}),
  };
}

/** Whether a surface's table has a `GET /` of its own (it keeps `/` when mounted at the root). */
export function definesRoot(surface: SurfaceDefinition): boolean {
  return surface.routes.some((r) => r.method === 'get' && [r.path, ...(r.aliases ?? [])].includes('/'));
}

const STYLE = [
  'body{font:16px/1.5 system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#1d2430;background:#fbfbfd}',
  'h1{margin-bottom:0}h2{font-size:1.1rem;margin-top:2rem}.meta{color:#5a6474;margin-top:.25rem}',
  'code{background:#eef0f4;padding:0 .3em;border-radius:3px}ul{padding-left:1.2rem}li{margin:.3rem 0}',
  'table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.3rem .5rem;border-bottom:1px solid #dde1e8}',
  '@media (prefers-color-scheme:dark){body{color:#e6e9ef;background:#151922}code{background:#262c38}.meta{color:#9aa3b2}th,td{border-color:#333b4a}a{color:#8ab4ff}}',
].join('');

/** The page's policy: nothing but its own inline stylesheet (by hash) and the empty favicon. */
export const FRONT_DOOR_CSP = [
  "default-src 'none'",
  `style-src 'sha256-${createHash('sha256').update(STYLE).digest('base64')}'`,
  'img-src data:',
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const IDE_NAMES: Record<AppConfig['graphqlIde'], string> = { sandbox: 'Apollo Sandbox', graphiql: 'GraphiQL', off: '' };

export function frontDoorPage(info: FrontDoorInfo, isProduction: boolean): string {
  const e = escapeHtml;
  const link = (href: string, text = href) => `<a href="${e(href)}">${e(text)}</a>`;
  // production's Apollo landing page is not an IDE (it points to Apollo Studio)
  const ide =
    info.graphql.ide === 'off'
      ? 'no browser IDE (GRAPHQL_IDE=off)'
      : info.graphql.ide === 'sandbox' && isProduction
        ? "Apollo's production landing page"
        : IDE_NAMES[info.graphql.ide];
  const rows = info.surfaces
    .map(
      (s) =>
        `<tr><td>${e(s.name)}${info.compatRoot === s.name ? ' <small>(also at <code>/</code>)</small>' : ''}<br><small>${e(s.title)}</small></td><td><code>${e(s.prefix)}/…</code></td><td>${link(s.docs, 'docs')}</td><td>${link(s.openapi, 'OpenAPI')}</td></tr>`,
    )
    .join('');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<link rel="icon" href="data:,">
<title>${e(info.name)} ${e(info.version)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>${e(info.name)}</h1>
<p class="meta">version <code>${e(info.version)}</code> · mode <code>${e(info.mode)}</code></p>
<h2>GraphQL</h2>
<ul><li>${link(info.graphql.endpoint)} — HTTP and graphql-ws; in a browser: ${e(ide)}</li></ul>
<h2>REST compatibility surfaces</h2>
<table><thead><tr><th>surface</th><th>prefix</th><th>docs</th><th>OpenAPI</th></tr></thead><tbody>${rows}</tbody></table>
<h2>Operations</h2>
<ul>
<li>${link(info.dashboard, 'Live dashboard')} <code>${e(info.dashboard)}</code></li>
<li>${link(info.health, 'Health')} <code>${e(info.health)}</code></li>
<li>${link(info.readiness, 'Readiness')} <code>${e(info.readiness)}</code></li>
${info.metrics ? `<li>${link(info.metrics, 'Metrics')} <code>${e(info.metrics)}</code></li>\n` : ''}</ul>
</body>
</html>
`;
}

/** The `GET /` handler; the answer is computed once (nothing in it changes while the server runs). */
export function frontDoor(config: AppConfig, surfaces: readonly SurfaceDefinition[]): (req: Request, res: Response) => void {
  const info = frontDoorInfo(config, surfaces);
  const html = frontDoorPage(info, config.isProduction);
  return (req, res) => {
    res.setHeader('Vary', 'Accept');
    res.setHeader('Cache-Control', 'no-cache');
    res.setHeader('Content-Security-Policy', FRONT_DOOR_CSP);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    // JSON first: `*/*`, no Accept or a tie goes to JSON; a browser's Accept prefers text/html
    if (req.accepts(['application/json', 'text/html']) === 'text/html') res.type('html').send(html);
    else res.json(info);
  };
}
