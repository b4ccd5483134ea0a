/**
 * The part of the `cors` package (2.8) that src/server/cors.ts uses. @types/cors is not installed in
 * this tree; when it is, delete this file.
 */
declare module 'cors' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  type OriginCallback = (err: Error | null, origin?: boolean | string) => void;

  interface CorsOptions {
    origin?: boolean | string | RegExp | (string | RegExp)[] | ((requestOrigin: string | undefined, callback: OriginCallback) => void);
    methods?: string | string[];
    allowedHeaders?: string | string[];
    exposedHeaders?: string | string[];
    credentials?: boolean;
    maxAge?: number;
    preflightContinue?: boolean;
    optionsSuccessStatus?: number;
  }

  function cors(options?: CorsOptions): (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void;
  export = cors;
}
