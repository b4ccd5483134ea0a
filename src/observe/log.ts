/**
 * The structured log (issue 15): pino, one JSON object per line on stdout in every mode; readable lines
 * (pino-pretty) only when stdout is a terminal. One logger per server instance (`App.log`, tests pass a
 * destination stream of their own), children per request (`ctx.log`, with the request id) and per
 * component (`{ component: 'listener' }`).
 *
 * No secrets in any line, by three layers: nothing logs headers or bodies (requests are logged as method,
 * path and route, src/observe/requests.ts); fields named like secrets are redacted wherever they sit
 * (`redact` below); and every line is scrubbed before it is written of what looks like a credential
 * whatever its field — a JWT, a `Bearer …` value, a `session=` cookie, an argon2 hash (a MikroORM
 * unique-violation message carries the whole INSERT, hash included: STACK.md).
 */
import pino, { DestinationStream, Logger, LoggerOptions } from 'pino';
import { tracing } from './tracing';
import { dateToIso } from '../server/date-text';

export type { Logger } from 'pino';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** pino's `isoTime` (`,"time":"<ISO text>"`), through the graph's cheaper formatter of the same text (src/server/date-text.ts). */
const isoTime = () => `,"time":"${dateToIso(new Date())}"`;

/** Field names whose values never reach a line, at the top level and one or two levels down. */
const SECRET_FIELDS = [
  'authorization',
  'cookie',
  'set-cookie',
  'password',
  'newPassword',
  'currentPassword',
  'oldPassword',
  'tempPassword',
  'passwordHash',
  'token',
  'accessToken',
  'refreshToken',
  'secret',
  'totpSecret',
];
const REDACT_PATHS = SECRET_FIELDS.flatMap((f) => {
  const key = /^[A-Za-z_$][\w$]*$/.test(f) ? `.${f}` : `["${f}"]`;
  return [key.startsWith('.') ? f : key, `*${key}`, `*.*${key}`];
});

/** Credentials recognised by their shape wherever they appear in a line (a message, an error's text). */
const SCRUB: [RegExp, string][] = [
  // JWTs (the session token): three base64url parts, the first a JSON header
  [/eyJ[\w-]{8,}\.[\w-]{8,}\.[\w-]{8,}/g, '[Redacted]'],
  // Authorization header values as text
  [/(Bearer|Basic)\s+[\w\-.~+/=]{6,}/gi, '$1 [Redacted]'],
  // a session cookie as text (`session=…`)
  [/\bsession=[^;\s"\\]+/g, 'session=[Redacted]'],
  // credentials in a URL (`redis://:secret@host`, `smtp://user:pass@host`, `postgres://u:p@h`)
  [/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@"'\\]*@/gi, '$1[Redacted]@'],
  // password hashes
  [/\$argon2(id|i|d)\$[^\s"'\\,)]+/g, '[Redacted]'],
];

/** What every SCRUB pattern needs to find in a line (a JWT's `eyJ`, `Bearer`/`Basic`, `session=`, `://`, `$argon2`): most lines have none. */
const SCRUB_NEEDS = /eyJ|bearer|basic|session=|:\/\/|\$argon2/i;

export function scrub(line: string): string {
  if (!SCRUB_NEEDS.test(line)) return line;
  let out = line;
  for (const [pattern, replacement] of SCRUB) out = out.replace(pattern, replacement);
  return out;
}

/**
 * The options every logger shares: level names as text (`"level":"info"`), ISO times, a `msg`, error
 * objects under `err`, secrets redacted and scrubbed; `trace_id` and `span_id` when tracing is on.
 */
function options(level: LogLevel): LoggerOptions {
  // with tracing on (src/observe/tracing.ts), every line written while a span is active names it
  const traced = tracing();
  return {
    level,
    ...(traced ? { mixin: traced.logFields } : {}),
    base: undefined,
    timestamp: isoTime,
    formatters: { level: (label) => ({ level: label }) },
    redact: { paths: REDACT_PATHS, censor: '[Redacted]' },
    hooks: { streamWrite: scrub },
    serializers: { err: pino.stdSerializers.err },
  };
}

export interface LoggerSetup {
  level: LogLevel;
  /** where the lines go (tests capture them in-process); otherwise stdout */
  destination?: DestinationStream;
  /** readable lines instead of JSON; default: when stdout is a terminal (never with a destination) */
  pretty?: boolean;
}

type BatchedStream = DestinationStream & { flush(cb?: (err?: Error) => void): void };

/** One batch for the process, whatever the number of loggers on stdout (one exit listener, lines in order). */
let stdoutBatch: BatchedStream | undefined;

function batchedStdout(): BatchedStream {
  return (stdoutBatch ??= makeStdoutBatch());
}

/** How long a line may wait in the stdout batch, and how much may wait before it is written at once. */
const BATCH_MS = 20;
const BATCH_BYTES = 16 * 1024;

/**
 * stdout in batches: the lines of up to BATCH_MS (or BATCH_BYTES) go out in one synchronous write
 * instead of one write per line (a write per request line was a visible share of a cached `me`'s CPU,
 * and a write per turn of the event loop still one per one or two requests under load: bench/README.md).
 * What is pending is written at once on `flush` and when the process exits (`process.exit` after a
 * fatal line, an uncaught error, the end of a graceful shutdown), so a line logged just before exiting
 * is not lost; a process killed outright loses at most the last BATCH_MS of lines.
 */
function makeStdoutBatch(): BatchedStream {
  const out = pino.destination({ dest: 1, sync: true });
  let pending = '';
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (!pending) return;
    const text = pending;
    pending = '';
    out.write(text);
  };
  process.once('exit', flush);
  return {
    write(line: string) {
      pending += line;
      if (pending.length >= BATCH_BYTES) flush();
      else if (!timer) timer = setTimeout(flush, BATCH_MS).unref();
    },
    flush(cb) {
      flush();
      cb?.();
    },
  };
}

/**
 * A root logger. JSON lines on stdout (batched for up to BATCH_MS, written synchronously, and
 * on exit: a line logged just before `process.exit` is not lost), or pino-pretty in the same process
 * when stdout is a terminal (no worker thread).
 */
export function createLogger(setup: LoggerSetup): Logger {
  if (setup.destination) return pino(options(setup.level), setup.destination);
  const readable = setup.pretty ?? process.stdout.isTTY === true;
  // loaded only for a terminal: a server under a supervisor never needs it
  const stream = readable
    ? // eslint-disable-next-line @typescript-eslint/no-require-imports -- a lazy load: an import would load it for every server
      (require('pino-pretty') as typeof import('pino-pretty'))({ colorize: true, sync: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' })
    : batchedStdout();
  return pino(options(setup.level), stream);
}

/**
 * Writes one line as `log.child({ requestId })[level]({ ...fields }, msg)` would, without a child
 * logger per request: the same JSON (level, time, the logger's bindings, `requestId`, the fields in
 * their order, `msg`), scrubbed, to the logger's destination. For the request line of every HTTP
 * request (src/observe/requests.ts), whose fields are plain values none of which is named like a secret
 * (so `redact` has nothing to do on it; `scrub` still runs: a path may carry a token).
 */
export function writeRequestLine(log: Logger, level: 'debug' | 'info' | 'error', requestId: string, fields: Record<string, unknown>, msg: string): void {
  if (!log.isLevelEnabled(level)) return;
  const bindings = (log as unknown as Record<symbol, string>)[pino.symbols.chindingsSym] ?? '';
  // the fields pino's mixin adds to every other line (trace_id, span_id when tracing is on)
  const traced = tracing();
  const body = JSON.stringify(traced ? { ...traced.logFields(), ...fields } : fields);
  const line = `{"level":"${level}"${isoTime()}${bindings},"requestId":${JSON.stringify(requestId)}${body.length > 2 ? `,${body.slice(1, -1)}` : ''},"msg":${JSON.stringify(msg)}}\n`;
  (log as unknown as Record<symbol, DestinationStream>)[pino.symbols.streamSym].write(scrub(line));
}

/** A connection URL without its password, for log lines and messages; `whenInvalid` when it does not parse. */
export function redactUrl(url: string, whenInvalid = '(not a URL)'): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return whenInvalid;
  }
}

/** A logger that writes nothing (a part built without a server: tests of one component). */
export const silentLogger: Logger = pino({ level: 'silent' });

/** An error's message for a log field, without its stack (the message of what failed, as the old prefixed lines had). */
export function errorMessage(err: unknown): string {
  return (err as Error)?.message ?? String(err);
}
