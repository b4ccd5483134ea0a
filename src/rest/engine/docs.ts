/**
 * The docs page of a surface, `GET /<surface>/docs`: Swagger UI over the surface's OpenAPI document,
 * from the swagger-ui-dist package (served from node_modules, no CDN) and a small init script in
 * public/api-docs/ (no inline script: the page's CSP allows this origin's scripts only). Each
 * operation's description shows the GraphQL document it runs (openapi.ts).
 *
 * Only under the surface's prefix: with COMPAT_ROOT the surface's router also answers at `/`, where
 * `/docs` belongs to the legacy application (its frontend, or a 404 in its envelope), never to this page.
 */
import { NextFunction, Request, Response, Router } from 'express';
import { dirname, join } from 'node:path';
import { projectRoot } from '../../project-root';
import { recordOf } from '../../observe/requests';
import type { SurfaceDefinition } from './types';

/** This origin's scripts, styles and fetches only; images may be data: URIs (Swagger UI's icons). */
const CSP =
  "default-src 'self'; connect-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** The files of swagger-ui-dist the page loads (and their source maps); nothing else of the package is served. */
const SWAGGER_FILES = ['swagger-ui-bundle.js', 'swagger-ui-bundle.js.map', 'swagger-ui.css', 'swagger-ui.css.map', 'favicon-32x32.png'];

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(surface: SurfaceDefinition): string {
  // relative URLs: the page is /<surface>/docs, so they resolve under the prefix the request came by (PUBLIC_URL or not)
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(surface.title)} — API docs</title>
<link rel="icon" type="image/png" href="docs/assets/favicon-32x32.png">
<link rel="stylesheet" href="docs/assets/swagger-ui.css">
<link rel="stylesheet" href="docs/assets/api-docs.css">
</head>
<body>
<div id="swagger-ui" data-openapi="openapi.json"></div>
<script src="docs/assets/swagger-ui-bundle.js"></script>
<script src="docs/assets/api-docs.js"></script>
</body>
</html>
`;
}

export function docsRouter(surface: SurfaceDefinition): Router {
  const root = projectRoot();
  if (!root) throw new Error('the project folder (package.json "interchange") was not found: the docs page has no assets');
  const swagger = dirname(require.resolve('swagger-ui-dist/package.json'));
  const own = join(root, 'public', 'api-docs');
  const html = page(surface);
  const router = Router();
  const prefixed = (req: Request, _res: Response, next: NextFunction) => (req.baseUrl === `/${surface.id}` ? next() : next('router'));
  const headers = (req: Request, res: Response, next: NextFunction) => {
    const record = recordOf(req);
    if (record) record.route = `${req.baseUrl}/docs${req.path.startsWith('/docs/assets') ? '/assets' : ''}`;
    res.setHeader('Content-Security-Policy', CSP);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    next();
  };
  router.get('/docs', prefixed, headers, (req, res) => {
    // `/docs/` would resolve the page's relative URLs one level too deep
    if (req.originalUrl.split('?')[0].endsWith('/')) return res.redirect(301, '../docs');
    res.type('html').setHeader('Cache-Control', 'no-cache');
    res.send(html);
  });
  router.get('/docs/assets/:file', prefixed, headers, (req, res, next) => {
    const file = String(req.params.file);
    const dir = SWAGGER_FILES.includes(file) ? swagger : file === 'api-docs.js' || file === 'api-docs.css' ? own : undefined;
    if (!dir) return next();
    res.sendFile(join(dir, file), { maxAge: '1h' });
  });
  return router;
}
