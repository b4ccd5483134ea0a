/** The part of autocannon 9's programmatic API the bench uses (the package ships no types). */
declare module 'autocannon' {
  import type { EventEmitter } from 'node:events';

  function autocannon(opts: autocannon.Options, cb: (err: unknown, result: autocannon.Result) => void): autocannon.Instance;

  namespace autocannon {
    interface Options {
      url: string;
      method?: string;
      headers?: Record<string, string>;
      body?: string | Buffer;
      connections?: number;
      /** seconds */
      duration?: number;
      /** seconds */
      timeout?: number;
      pipelining?: number;
      /** called with every response body; a falsy return counts as a mismatch */
      verifyBody?: (body: string) => boolean;
      /** requests per second over all connections */
      overallRate?: number;
      /** cycled through by every connection; `setupRequest` may rewrite each request before it is sent */
      requests?: { setupRequest?: (req: RequestParams) => RequestParams }[];
    }

    interface RequestParams {
      method?: string;
      path?: string;
      headers?: Record<string, string>;
      body?: string | Buffer;
    }

    interface Histogram {
      average: number;
      mean: number;
      stddev: number;
      min: number;
      max: number;
      total: number;
      p50: number;
      p97_5: number;
      p99: number;
    }

    interface Result {
      /** seconds */
      duration: number;
      errors: number;
      timeouts: number;
      mismatches: number;
      non2xx: number;
      statusCodeStats: Record<string, { count: number }>;
      requests: Histogram;
      latency: Histogram;
    }

    interface Instance extends EventEmitter {
      stop(): void;
    }
  }

  export = autocannon;
}
