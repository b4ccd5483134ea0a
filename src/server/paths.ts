/**
 * The platform's own paths, in one place: the routes (server.ts, dashboard.ts, the REST engine's OpenAPI
 * route) and the front door that links them (front-door.ts) read the same constants, so a link cannot
 * point where nothing answers.
 */
import type { SurfaceId } from '../config';

export const GRAPHQL_PATH = '/graphql';
/** the embedded GraphiQL's static assets (GRAPHQL_IDE=graphiql); under /graphql, served before Apollo's middleware */
export const GRAPHQL_IDE_ASSETS_PATH = `${GRAPHQL_PATH}/ide`;
export const DASHBOARD_PATH = '/dashboard';
export const HEALTH_PATH = '/healthz';
export const READY_PATH = '/readyz';
export const METRICS_PATH = '/metrics';
export const FRONT_DOOR_PATH = '/';

/** Inside a surface's router (so also at the root when it is COMPAT_ROOT): its OpenAPI document and its docs page. */
export const SURFACE_OPENAPI_PATH = '/openapi.json';
export const SURFACE_DOCS_PATH = '/docs';

/** Where a surface is mounted (besides the root for COMPAT_ROOT). */
export const surfacePrefix = (id: SurfaceId): string => `/${id}`;
export const surfaceOpenApiPath = (id: SurfaceId): string => `${surfacePrefix(id)}${SURFACE_OPENAPI_PATH}`;
export const surfaceDocsPath = (id: SurfaceId): string => `${surfacePrefix(id)}${SURFACE_DOCS_PATH}`;
