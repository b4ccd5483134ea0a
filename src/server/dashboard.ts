/**
 * The live dashboard (issue 14): a static page at /dashboard (public/dashboard/: HTML, CSS and a plain
 * JavaScript module, no build step and no CDN, so it works offline) that signs in with the shared
 * identity and keeps its panels current over graphql-ws. Everything it shows comes from the graph with
 * the signed-in account's access; the page itself holds nothing secret.
 */
import express, { Router } from 'express';
import { join } from 'node:path';
import { projectRoot } from '../project-root';

/** Only this origin's scripts, styles and connections (the page talks to /graphql over HTTP and ws). */
const CSP = "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'";

export function dashboardRouter(): Router {
  const root = projectRoot();
  if (!root) throw new Error('the project folder (package.json "interchange") was not found: the dashboard has no assets');
  const router = Router();
  router.use((_req, res, next) => {
    res.setHeader('Content-Security-Policy', CSP);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    next();
  });
  router.use(express.static(join(root, 'public', 'dashboard'), { index: 'index.html', fallthrough: true, maxAge: 0 }));
  return router;
}
