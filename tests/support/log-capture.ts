/**
 * The structured log of a test server, read in-process: pass a LogCapture as `logDestination`
 * (StartOptions) with a LOG_LEVEL that lets lines through. Each line is kept as written (the text a
 * log shipper would read) and parsed (every line must be one JSON object).
 */
import type { DestinationStream } from 'pino';

export interface LogLine {
  level: string;
  time: string;
  msg: string;
  requestId?: string;
  transport?: string;
  component?: string;
  [field: string]: unknown;
}

export class LogCapture implements DestinationStream {
  /** every line as written */
  readonly raw: string[] = [];
  readonly lines: LogLine[] = [];
  private readonly taps = new Set<LogLine[]>();

  write(text: string): void {
    for (const line of text.split('\n')) {
      if (!line) continue;
      this.raw.push(line);
      const parsed = JSON.parse(line) as LogLine;
      this.lines.push(parsed);
      for (const tap of this.taps) tap.push(parsed);
    }
  }

  /** Everything written, as one text (what a test greps for secrets). */
  text(): string {
    return this.raw.join('\n');
  }

  /** The lines logged from now on, in a live array, until `stop()`. */
  record(): { lines: LogLine[]; stop(): void } {
    const lines: LogLine[] = [];
    this.taps.add(lines);
    return { lines, stop: () => void this.taps.delete(lines) };
  }

  /** Resolves with the first line (already written or to come) that `match` accepts, or fails after `timeoutMs`. */
  async waitFor(match: (line: LogLine) => boolean, timeoutMs = 5000): Promise<LogLine> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const found = this.lines.find(match);
      if (found) return found;
      if (Date.now() > until) throw new Error(`no log line matched within ${timeoutMs} ms; last lines:\n${this.raw.slice(-10).join('\n')}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}
