/** Factories and clients for the compass surface tests (REST as a legacy client sends it). */
import { Client as PgClient } from 'pg';
import { RestResult, TestServer, unique } from './support/server';

export interface CompassAccount {
  userId: number;
  username: string;
  email: string;
  password: string;
  token: string;
  role: string;
}

export function compassApi(s: TestServer, prefix = '/compass') {
  return <T = any>(
    method: string,
    path: string,
    opts: { token?: string; body?: unknown; rawBody?: string | Buffer | FormData; headers?: Record<string, string> } = {},
  ): Promise<RestResult<T>> => s.rest<T>(method, `${prefix}${path}`, opts);
}

/** Registers through POST /api/auth/register and logs in through POST /api/auth/login. */
export async function compassAccount(s: TestServer, over: { username?: string; password?: string } = {}): Promise<CompassAccount> {
  const api = compassApi(s);
  const username = over.username ?? unique('cu');
  const password = over.password ?? 'password1234';
  const email = `${username}@example.test`.toLowerCase();
  const reg = await api('POST', '/api/auth/register', { body: { username, password, email_address: email } });
  if (reg.status !== 201) throw new Error(`register failed: ${reg.status} ${reg.text}`);
  const login = await api('POST', '/api/auth/login', { body: { username, password } });
  if (login.status !== 200) throw new Error(`login failed: ${login.status} ${login.text}`);
  return { userId: reg.body.data.user_id, username, email, password, token: login.body.data.token, role: reg.body.data.role };
}

/** Logs in an existing account (e.g. a party admin) and returns its token and user_id. */
export async function compassLogin(s: TestServer, username: string, password: string): Promise<{ token: string; userId: number }> {
  const res = await compassApi(s)('POST', '/api/auth/login', { body: { username, password } });
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${res.text}`);
  return { token: res.body.data.token, userId: res.body.data.user.user_id };
}

/** A 1×1 PNG; `variant` appends bytes after IEND so that two uploads differ. */
export function png(variant = 0): Buffer {
  const base = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=', 'base64');
  return Buffer.concat([base, Buffer.alloc(variant, 7)]);
}

export function multipart(field: string, bytes: Buffer, filename = 'image.png', type = 'image/png'): FormData {
  const form = new FormData();
  form.append(field, new Blob([new Uint8Array(bytes)], { type }), filename);
  return form;
}

/** Runs one SQL query on the test server's database (for checks such as "the old bytes are gone"). */
export async function sql<T = any>(s: TestServer, text: string, params: unknown[] = []): Promise<T[]> {
  const client = new PgClient({ connectionString: s.databaseUrl });
  await client.connect();
  try {
    return (await client.query(text, params)).rows as T[];
  } finally {
    await client.end();
  }
}

export const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+00:00$/;
export const LEGACY_DATE = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;

/** The documented error envelope, exactly. */
export function expectError(res: RestResult, status: number, message: string, errors?: Record<string, string | unknown>): void {
  const expected: Record<string, unknown> = { status: 'error', message, timestamp: expect.stringMatching(TIMESTAMP), status_code: status };
  if (errors) expected.errors = errors;
  expect({ status: res.status, body: res.body }).toEqual({ status, body: expected });
}
