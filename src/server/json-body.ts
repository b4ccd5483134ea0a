/**
 * JSON bodies of /graphql and the REST surfaces, at most 1 MB. The everyday body — its length
 * announced, `application/json` with no charset or UTF-8, no content encoding — is read without
 * body-parser's generality; anything else goes on to `express.json()`. Parse errors of either reach
 * the caller's error handler (400 "Invalid JSON body"). body-parser's strict rule holds: the text must
 * be an object or an array. In a profile of a cached `me`, body-parser was about a tenth of the CPU
 * (bench/README.md, "Findings").
 */
import express from 'express';
import type { NextFunction, Request, RequestHandler, Response } from 'express';

const LIMIT_BYTES = 1024 * 1024;

const PLAIN_JSON = new Set(['application/json', 'application/json; charset=utf-8', 'application/json;charset=utf-8']);

class JsonBodyError extends Error {}

/** The body parser of /graphql and the surfaces: the small reader first, body-parser for the rest. */
export function jsonBody(): RequestHandler {
  const lean = leanJsonBody(LIMIT_BYTES);
  const general = express.json({ limit: LIMIT_BYTES });
  return (req, res, next) => lean(req, res, (err?: unknown) => (err ? next(err) : general(req, res, next)));
}

function leanJsonBody(limitBytes: number) {
  return (req: Request, _res: Response, next: NextFunction): void => {
    if (req.method === 'GET' || req.method === 'HEAD' || req.headers['content-encoding'] !== undefined) return next();
    const type = req.headers['content-type'];
    if (type === undefined || !PLAIN_JSON.has(type.toLowerCase())) return next();
    const length = Number(req.headers['content-length']);
    if (!Number.isInteger(length) || length < 1 || length > limitBytes) return next();
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (err?: unknown) => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', done);
      if (err) return next(err);
      let text = (chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size)).toString('utf8');
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      const first = /\S/.exec(text)?.[0];
      if (first !== '{' && first !== '[') return next(new JsonBodyError('JSON body must be an object or an array'));
      try {
        req.body = JSON.parse(text);
      } catch (e) {
        return next(new JsonBodyError((e as Error).message));
      }
      next();
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      chunks.push(chunk);
    };
    const onEnd = () => done();
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', done);
  };
}
