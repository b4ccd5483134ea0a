/**
 * Helpers of the cakeplanner tests: a legacy client of the REST surface (Bearer header, JSON and
 * multipart bodies), factories for users and groups made through that surface, a Server-Sent Events
 * reader, and real image bytes.
 */
import { RequestAuth, RestResult, startTestServer, TestServer, unique } from './support/server';

export const PREFIX = '/cakeplanner';

/** A REST call as the legacy cakeplanner client makes it: `Authorization: Bearer <token>`. */
export function api<T = any>(
  s: TestServer,
  method: string,
  path: string,
  opts: RequestAuth & { body?: unknown; rawBody?: string | Buffer | FormData } = {},
): Promise<RestResult<T>> {
  return s.rest<T>(method, `${PREFIX}${path}`, opts);
}

export interface CakeUser {
  id: string;
  email: string;
  name: string;
  password: string;
  token: string;
}

/** Registers through POST /api/auth/register and logs in through POST /api/auth/login (needs an active account). */
export async function cakeUser(s: TestServer, over: { name?: string; password?: string } = {}): Promise<CakeUser> {
  const name = over.name ?? unique('baker');
  const email = `${name.toLowerCase()}@example.test`;
  const password = over.password ?? 'correct horse battery';
  const reg = await api(s, 'POST', '/api/auth/register', { body: { email, password, name } });
  if (reg.status !== 201) throw new Error(`register failed: ${reg.status} ${reg.text}`);
  const login = await api(s, 'POST', '/api/auth/login', { body: { email, password } });
  if (login.status !== 200 || !login.body.token) throw new Error(`login failed: ${login.status} ${login.text}`);
  return { id: reg.body.id, email, name, password, token: login.body.token };
}

export async function cakeGroup(s: TestServer, admin: CakeUser, members: { user: CakeUser; role?: 'member' | 'admin' }[] = []): Promise<{ id: string; name: string }> {
  const created = await api(s, 'POST', '/api/admin/groups', { token: admin.token, body: { name: unique('Team ') } });
  if (created.status !== 201) throw new Error(`group failed: ${created.status} ${created.text}`);
  for (const m of members) {
    const res = m.role
      ? await api(s, 'POST', '/api/admin/groups/set-role', { token: admin.token, body: { userId: m.user.id, groupId: created.body.id, role: m.role } })
      : await api(s, 'POST', '/api/admin/users/assign-group', { token: admin.token, body: { userId: m.user.id, groupId: created.body.id } });
    if (res.status !== 200) throw new Error(`membership failed: ${res.status} ${res.text}`);
  }
  return created.body;
}

let day = 0;
/** A distinct future date for each call (events are unique per baker, group and date). */
/** A server whose registrations are active at once (CAKE_AUTO_ACTIVATE), and its first user: the admin. */
export async function cakeServerWithAdmin(): Promise<{ s: TestServer; admin: CakeUser }> {
  const s = await startTestServer({ CAKE_AUTO_ACTIVATE: 'true' });
  return { s, admin: await cakeUser(s, { name: unique('Admin') }) };
}

export function nextDate(): string {
  day += 1;
  const d = new Date(Date.UTC(2031, 0, 1) + day * 86_400_000);
  return d.toISOString().slice(0, 10);
}

export async function createEvent(s: TestServer, user: CakeUser, body: Record<string, unknown> = {}): Promise<any> {
  const res = await api(s, 'POST', '/api/events', { token: user.token, body: { date: nextDate(), description: 'Chocolate cake', ...body } });
  if (res.status !== 201) throw new Error(`create event failed: ${res.status} ${res.text}`);
  return res.body;
}

/** A 1×1 PNG, a tiny JPEG header and a text file: real bytes, sniffed by content. */
export const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');
export const JPEG = Buffer.concat([
  Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00]),
  Buffer.alloc(64, 0),
  Buffer.from([0xff, 0xd9]),
]);
export const TEXT = Buffer.from('this is not an image, whatever its name says\n');

export function form(parts: Record<string, string | { bytes: Buffer; filename: string; type: string }>): FormData {
  const fd = new FormData();
  for (const [name, v] of Object.entries(parts)) {
    if (typeof v === 'string') fd.append(name, v);
    else fd.append(name, new Blob([new Uint8Array(v.bytes)], { type: v.type }), v.filename);
  }
  return fd;
}

// ------------------------------------------------------------------------------------------------
// Server-Sent Events

export interface SseFrame {
  event?: string;
  id?: string;
  data: any;
}

export interface SseStream {
  status: number;
  headers: Headers;
  /** the named events (`event:` lines), as an EventSource's addEventListener(name) receives them */
  frames: SseFrame[];
  /** unnamed data blocks (an EventSource's `message` events: the original frontend's frames) */
  messages: SseFrame[];
  comments: string[];
  /** body of a refused stream */
  body?: any;
  /** resolves with the first frame (received or to come) at index ≥ `from` that matches */
  next(match?: (f: SseFrame) => boolean, timeoutMs?: number, from?: number): Promise<SseFrame>;
  /** resolves when the server ends the stream */
  ended: Promise<void>;
  close(): void;
}

/** Opens an SSE stream like EventSource does (Accept: text/event-stream, optional Last-Event-ID). */
export async function openSse(s: TestServer, path: string, opts: { token?: string; lastEventId?: string } = {}): Promise<SseStream> {
  const ac = new AbortController();
  const headers: Record<string, string> = { accept: 'text/event-stream' };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.lastEventId) headers['last-event-id'] = opts.lastEventId;
  const res = await fetch(`${s.url}${PREFIX}${path}`, { headers, signal: ac.signal });
  const frames: SseFrame[] = [];
  const messages: SseFrame[] = [];
  const comments: string[] = [];
  const listeners = new Set<() => void>();
  let endedResolve!: () => void;
  const ended = new Promise<void>((r) => (endedResolve = r));
  const stream: SseStream = {
    status: res.status,
    headers: res.headers,
    frames,
    messages,
    comments,
    ended,
    next(match = () => true, timeoutMs = 10_000, from = 0) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const f = frames.slice(from).find(match);
          if (f) {
            listeners.delete(check);
            clearTimeout(timer);
            resolve(f);
          }
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`no matching SSE frame within ${timeoutMs} ms; got ${JSON.stringify(frames)}`));
        }, timeoutMs);
        listeners.add(check);
        check();
      });
    },
    close: () => ac.abort(),
  };
  if (res.status !== 200 || !res.body) {
    const text = await res.text();
    try {
      stream.body = JSON.parse(text);
    } catch {
      stream.body = text;
    }
    endedResolve();
    return stream;
  }
  void (async () => {
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let idx: number;
        while ((idx = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, idx);
          buffer = buffer.slice(idx + 2);
          const frame: SseFrame = { data: undefined };
          const data: string[] = [];
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) comments.push(line.slice(1).trim());
            else if (line.startsWith('id: ')) frame.id = line.slice(4);
            else if (line.startsWith('event: ')) frame.event = line.slice(7);
            else if (line.startsWith('data: ')) data.push(line.slice(6));
          }
          if (data.length) {
            frame.data = JSON.parse(data.join('\n'));
            (frame.event ? frames : messages).push(frame);
            for (const l of [...listeners]) l();
          }
        }
      }
    } catch {
      /* aborted */
    } finally {
      endedResolve();
    }
  })();
  return stream;
}
