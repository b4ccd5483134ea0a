/**
 * A REST surface is a table of routes; each route executes one GraphQL operation in-process through
 * the same context, auth, limits and resolvers as /graphql (ARCHITECTURE.md "REST compatibility").
 */
import type { Request } from 'express';
import type { ErrorCode, ErrorDetails } from '../../errors/domain-error';
import type { SurfaceId } from '../../config';
import type { App, Viewer } from '../../context/context';
import type { AccessRule } from '../../auth/access';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** Thrown by a route's `variables` to answer 400 (or another code) before anything executes. */
export class RestInputError extends Error {
  constructor(
    message: string,
    readonly code: ErrorCode = 'BAD_USER_INPUT',
    readonly details?: ErrorDetails,
  ) {
    super(message);
  }
}

export interface RouteRequest {
  req: Request;
  params: Record<string, string>;
  query: Record<string, unknown>;
  body: unknown;
  /** multipart fields other than files, by name */
  fields: Record<string, string>;
  /** the names of the multipart file fields received (a route checks a required file before executing) */
  files: string[];
  /**
   * the caller, once the declared access held (undefined on public routes without a session): legacy
   * validation that depends on who asks (compass: the old password is required for one's own change)
   */
  viewer?: Viewer;
  /**
   * The URL prefix of the surface as this request reached it: `PUBLIC_URL` (when set) and the mount
   * (`/cakeplanner`, or '' at the root with COMPAT_ROOT), so links point back through the same mount.
   */
  base: string;
}

interface RouteBase {
  method: HttpMethod;
  /** express path, relative to the surface prefix (e.g. `/api/auth/login`) */
  path: string;
  /**
   * further paths served by the same entry (an original backend's or client's spelling of the route,
   * e.g. `/api/login` beside the documented `/api/auth/login`); listed in OpenAPI too
   */
  aliases?: string[];
  summary: string;
  /**
   * A stricter rule of the legacy route than its operation's declaration (compass.md: PUT /api/users/:id
   * is admins-only while the canonical `updateUser` lets a user update themselves). Enforced with the
   * operation's declarations before the body is read, and shown in OpenAPI.
   */
  access?: AccessRule;
}

/** A route that runs a query or mutation and answers JSON (or 204). */
export interface OperationRoute<Data = any> extends RouteBase {
  kind?: 'json';
  operation: string;
  variables?: (r: RouteRequest) => Record<string, unknown>;
  /** success status; 204 answers without a body */
  status?: number;
  /** legacy body from the operation's data (default: the first field's value) */
  result?: (data: Data, r: RouteRequest) => unknown;
  /** multipart file fields that become `Upload` variables: field name → variable name; no other file field is accepted */
  uploads?: Record<string, string>;
  /**
   * multipart file fields whose files, any number of them and in the order sent, become one `[Upload!]`
   * variable: field name → variable name (several names may feed one variable: conduct's `evidence` and
   * `evidence[]`). Beside `uploads`; a request sends at most `uploadMaxFiles` files in all.
   */
  uploadLists?: Record<string, string>;
  /** the most files one request may send (refused while streaming beyond); default and ceiling UPLOAD_MAX_FILES */
  uploadMaxFiles?: number;
  /** the largest file this route takes (refused while streaming); default and ceiling UPLOAD_MAX_BYTES */
  uploadMaxBytes?: number;
  /**
   * answers a non-JSON body built from the data (an ICS calendar and the like) instead of `result`;
   * `headers` are added (e.g. Content-Disposition)
   */
  raw?: (data: Data, r: RouteRequest) => { contentType: string; body: string | Buffer; headers?: Record<string, string> };
  /** the content types `raw` answers (OpenAPI); default application/octet-stream */
  produces?: string[];
}

/** A route that runs an operation returning a stored file's id, then streams the bytes. */
export interface DownloadRoute<Data = any> extends RouteBase {
  kind: 'download';
  operation: string;
  variables?: (r: RouteRequest) => Record<string, unknown>;
  file: (data: Data) => { fileId: string; filename?: string; attachment?: boolean; cacheSeconds?: number } | null;
}

/**
 * One Server-Sent Events block: `id:` and `event:` lines when set, then the data (JSON, one `data:`
 * line). A frame with neither is the single line `data: {...}`.
 */
export interface SseFrame {
  event?: string;
  id?: string;
  data: unknown;
}

/** A route that runs a subscription and streams it as text/event-stream. */
export interface SseRoute<Data = any> extends RouteBase {
  kind: 'sse';
  operation: string;
  variables?: (r: RouteRequest) => Record<string, unknown>;
  /**
   * SSE frame(s) of one subscription result; an `id` enables Last-Event-ID resume (the first frame with
   * one names the result). Several frames are written together, in order.
   */
  event: (data: Data, r: RouteRequest) => SseFrame | SseFrame[];
  /**
   * What of the request `event` reads: `'base'` (only `r.base`) lets the engine frame a result shared by
   * many streams (the fan-out's one result per group and event) once per base URL rather than per stream.
   * Unset: framed per stream.
   */
  eventReads?: 'base';
  keepaliveMs?: number;
  /**
   * Last-Event-ID resume from a durable log (required: a stream resumes on whichever instance the client
   * reconnects to): a query run once the subscription is listening, whose root field is the list of items
   * after the client's last id (oldest first), each framed by `event`. Live frames whose id was just
   * replayed are skipped, so nothing is lost or doubled.
   */
  resume: {
    operation: string;
    /** the query's variables for a Last-Event-ID; undefined skips the resume (an id of another format) */
    variables: (lastEventId: string, r: RouteRequest) => Record<string, unknown> | undefined;
  };
}

/** A route with no GraphQL operation (documented health routes and the like). */
export interface PlainRoute extends RouteBase {
  kind: 'plain';
  handle: (app: App, r: RouteRequest) => Promise<{ status: number; body?: unknown; headers?: Record<string, string> }>;
}

export type RestRoute = OperationRoute | DownloadRoute | SseRoute | PlainRoute;

export interface SurfaceError {
  status: number;
  body: unknown;
}

export interface SurfaceDefinition {
  id: SurfaceId;
  title: string;
  routes: RestRoute[];
  /**
   * the documented error envelope and status of a domain error code; `req` is the request being answered
   * (e.g. compass tells "Token not provided" from "Invalid or expired token" by whether a token was sent)
   */
  error: (code: ErrorCode, message: string, details?: ErrorDetails, req?: Request) => SurfaceError;
  /** wraps a success body (compass's `{status, message, data}`); default: as is */
  success?: (body: unknown, status: number, route: RestRoute) => unknown;
  /** `?token=` accepted as a Bearer token on the surface's SSE and download GETs (EventSource, `<img>`), nowhere else */
  queryToken?: boolean;
}
