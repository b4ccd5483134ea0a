/**
 * Issue 12: conduct's own frontend (mattstratton/conducky, folder frontend/, Next.js) as a browser runs
 * it: pages on their own origin calling `NEXT_PUBLIC_API_URL + path` (here the server mounted at the root
 * with COMPAT_ROOT=conduct) with `fetch`. A `Browser` replays those calls as the browser sends them: the
 * page's Origin, `Sec-Fetch-Site: cross-site`, the cookie jar of the API's origin when the call says
 * `credentials: 'include'` (and none otherwise), JSON or FormData bodies, and the CORS preflight the
 * browser sends first for a JSON body or a method other than GET/HEAD/POST. Every answer must carry the
 * CORS headers that let the page's script read it (else the frontend would see a network error).
 */
import { randomBytes } from 'node:crypto';
import { TestServer } from './support/server';

/** Where the frontend is served (its own origin, listed in ALLOWED_ORIGINS). */
export const FRONTEND = 'http://localhost:3000';

export interface FrontendResponse {
  status: number;
  ok: boolean;
  headers: Headers;
  /** the parsed JSON answer (the frontend's `res.json()`), the text otherwise */
  body: any;
  bytes: Buffer;
}

export interface FetchInit {
  method?: string;
  /** `body: JSON.stringify(json)` with `Content-Type: application/json` */
  json?: unknown;
  /** `body: formData` (the browser writes the multipart boundary) */
  form?: FormData;
  /** `credentials: 'include'` (most calls); false for the few calls that send none */
  credentials?: boolean;
}

const SIMPLE_METHODS = new Set(['GET', 'HEAD', 'POST']);

/** One browser (one cookie jar for the API's origin) with the frontend open. */
export class Browser {
  cookie: string | null = null;
  /** every preflight this browser sent: `METHOD path` */
  readonly preflights: string[] = [];

  constructor(
    private readonly s: TestServer,
    readonly origin = FRONTEND,
  ) {}

  /** `fetch(API + path, init)` from a page of the frontend. */
  async fetch(path: string, init: FetchInit = {}): Promise<FrontendResponse> {
    const method = (init.method ?? 'GET').toUpperCase();
    const credentials = init.credentials ?? true;
    if (!SIMPLE_METHODS.has(method) || init.json !== undefined) await this.preflight(path, method, init.json !== undefined);
    const headers: Record<string, string> = { origin: this.origin, 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'cors', accept: '*/*' };
    if (credentials && this.cookie) headers.cookie = this.cookie;
    let payload: string | FormData | undefined;
    if (init.json !== undefined) {
      headers['content-type'] = 'application/json';
      payload = JSON.stringify(init.json);
    } else if (init.form) payload = init.form;
    const res = await fetch(`${this.s.url}${path}`, { method, headers, body: payload });
    // the page's script reads the answer only when CORS lets it (with credentials: the exact origin and Allow-Credentials)
    expect({ path, allowOrigin: res.headers.get('access-control-allow-origin') }).toEqual({ path, allowOrigin: this.origin });
    if (credentials) expect({ path, allowCredentials: res.headers.get('access-control-allow-credentials') }).toEqual({ path, allowCredentials: 'true' });
    if (credentials) this.keepCookie(res.headers);
    const bytes = Buffer.from(await res.arrayBuffer());
    const text = bytes.toString('utf8');
    const body = (res.headers.get('content-type') ?? '').includes('json') && text ? JSON.parse(text) : text;
    return { status: res.status, ok: res.ok, headers: res.headers, body, bytes };
  }

  /** An `<img src>` of a page: no Origin, no script reads it; the browser sends the API origin's cookie. */
  async image(path: string): Promise<Response> {
    return fetch(`${this.s.url}${path}`, { headers: { accept: 'image/avif,image/webp,image/*,*/*;q=0.8', ...(this.cookie ? { cookie: this.cookie } : {}) } });
  }

  /** What the browser sends before a non-simple request; the answer must allow the method and content type. */
  private async preflight(path: string, method: string, json: boolean): Promise<void> {
    this.preflights.push(`${method} ${path}`);
    const res = await fetch(`${this.s.url}${path}`, {
      method: 'OPTIONS',
      headers: { origin: this.origin, 'access-control-request-method': method, ...(json ? { 'access-control-request-headers': 'content-type' } : {}) },
    });
    const allowed = (h: string | null) => (h ?? '').split(',').map((x) => x.trim().toLowerCase());
    expect({ path, status: res.status, origin: res.headers.get('access-control-allow-origin'), credentials: res.headers.get('access-control-allow-credentials') }).toEqual({
      path,
      status: 204,
      origin: this.origin,
      credentials: 'true',
    });
    expect(allowed(res.headers.get('access-control-allow-methods'))).toContain(method.toLowerCase());
    if (json) expect(allowed(res.headers.get('access-control-allow-headers'))).toContain('content-type');
  }

  private keepCookie(headers: Headers): void {
    for (const c of headers.getSetCookie()) {
      const [pair] = c.split(';');
      if (!pair.startsWith('session=')) continue;
      const cleared = pair === 'session=' || /;\s*max-age=0/i.test(c) || /expires=thu, 01 jan 1970/i.test(c);
      this.cookie = cleared ? null : pair;
    }
  }
}

/** A fresh address for an account. */
export function emailOf(name: string): string {
  return `${name.toLowerCase().replace(/[^a-z]/g, '')}-${randomBytes(3).toString('hex')}@example.test`;
}

/** A PNG file as the browser's file input gives it (for FormData). */
export function file(bytes: Buffer, name: string, type: string): File {
  return new File([new Uint8Array(bytes)], name, { type });
}

/** The shape checks of an ISO date-time string (the frontend passes them to `new Date(…)`). */
export function isoDate(v: unknown): boolean {
  return typeof v === 'string' && !Number.isNaN(Date.parse(v));
}
