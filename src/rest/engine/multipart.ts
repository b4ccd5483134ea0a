/**
 * Multipart requests of the REST surfaces (uploads): files as `Upload` variables, text fields, and a
 * digest per file for Idempotency-Key, refused while streaming when a limit is passed (engine.ts).
 */
import type { Request } from 'express';
import busboy from 'busboy';
import { Readable } from 'node:stream';
import { createHash } from 'node:crypto';
import { Upload } from 'graphql-upload-minimal';
import { RestInputError } from './types';

/** Text fields of a multipart request: at most this many, each at most FIELD_BYTES. */
const MAX_FIELDS = 50;
const FIELD_BYTES = 1024 * 1024;

/** The file fields a route takes: single files (one `Upload` each) and lists (`[Upload!]`), by field name. */
interface UploadFields {
  single: Record<string, string>;
  lists: Record<string, string>;
}

/**
 * Reads a multipart request into Upload variables and fields, refusing as soon as it breaks a limit —
 * while the bytes stream in, never after buffering them: a file over the route's size limit (marked
 * `tooLarge`), more files or fields than allowed, or a body larger than the route's files and fields
 * together. A refusal is answered at once; the rest of the body is dropped unkept and the connection
 * closes. Only the route's declared file fields are kept (each file at most `maxBytes`); any other file
 * part is drained unread. A single-file field takes one file (a second is one file too many); a list
 * field takes any number of files up to `maxFiles`, kept in the order sent. File names are read as
 * UTF-8 (what browsers send; busboy's default is latin1) with their path parts stripped.
 */
export function readMultipart(
  req: Request,
  uploads: UploadFields,
  limits: { maxBytes: number; maxFiles: number },
): Promise<{ fields: Record<string, string>; files: Record<string, unknown>; digests: Record<string, string> }> {
  return new Promise((resolve, reject) => {
    const hasLists = Object.keys(uploads.lists).length > 0;
    const maxFiles = hasLists ? limits.maxFiles : Math.min(limits.maxFiles, Object.keys(uploads.single).length);
    let bb: busboy.Busboy;
    try {
      // busboy reports its limit once a file *reaches* it: one byte more, so a file of exactly maxBytes passes
      bb = busboy({
        headers: req.headers,
        defParamCharset: 'utf8',
        limits: { fileSize: limits.maxBytes + 1, files: maxFiles, fields: MAX_FIELDS, fieldSize: FIELD_BYTES, parts: maxFiles + MAX_FIELDS },
      });
    } catch {
      reject(new RestInputError('Malformed multipart request'));
      return;
    }
    const fields: Record<string, string> = {};
    const files: Record<string, unknown> = {};
    /** SHA-256 of each kept file, by field (an Idempotency-Key's fingerprint); a list's files as `field#n` */
    const digests: Record<string, string> = {};
    const pending: Promise<void>[] = [];
    let settled = false;
    const kib = Math.floor(limits.maxBytes / 1024);
    /**
     * Answers the refusal at once. What the client still sends is read and dropped (nothing more is
     * kept); a body still arriving 5 s after the answer has its connection cut. (Not `Connection:
     * close`: Node would close the socket on unread data right after the answer, and the reset could
     * swallow the answer before the client read it.)
     */
    const refuse = (err: RestInputError) => {
      if (settled) return;
      settled = true;
      for (const f of Object.keys(files)) delete files[f];
      req.res?.once('finish', () =>
        setTimeout(() => {
          if (!req.readableEnded) req.socket.destroy();
        }, 5000).unref(),
      );
      reject(err);
    };
    // everything declared, with room for the multipart framing and the text fields
    const maxBody = maxFiles * limits.maxBytes + MAX_FIELDS * 1024 + 64 * 1024;
    let received = 0;
    req.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received > maxBody && !settled) refuse(new RestInputError(`The request is larger than ${Math.floor(maxBody / 1024)} KiB`, 'BAD_USER_INPUT', { tooLarge: true }));
    });
    bb.on('field', (name, value, info) => {
      if (info.valueTruncated) return refuse(new RestInputError(`The field "${name}" is too long`));
      fields[name] = value;
    });
    /** the files of each list variable, by arrival (a slot is kept while its bytes stream in) */
    const lists: Record<string, unknown[]> = {};
    bb.on('file', (name, stream, info) => {
      const single = uploads.single[name];
      const list = single ? undefined : uploads.lists[name];
      if (!single && !list) {
        // not a file of this route: never kept (its bytes still count against the body's limit)
        stream.resume();
        return;
      }
      const slot = list ? (lists[list] ??= []).push(undefined) - 1 : 0;
      const chunks: Buffer[] = [];
      pending.push(
        new Promise<void>((done) => {
          stream.on('data', (c: Buffer) => {
            if (!settled) chunks.push(c);
          });
          stream.on('limit', () => {
            chunks.length = 0;
            const message = `The file is larger than ${kib} KiB`;
            refuse(new RestInputError(message, 'BAD_USER_INPUT', { fields: { [name]: message }, tooLarge: true }));
          });
          stream.on('end', () => {
            if (!settled) {
              const bytes = Buffer.concat(chunks);
              const upload = new Upload();
              (upload as unknown as { resolve(f: unknown): void }).resolve({
                filename: info.filename ?? 'upload',
                mimetype: info.mimeType,
                encoding: info.encoding,
                fieldName: name,
                createReadStream: () => Readable.from([bytes]),
              } as never);
              const digest = createHash('sha256').update(bytes).digest('hex');
              if (list) {
                lists[list][slot] = upload;
                digests[`${list}#${slot}`] = digest;
              } else {
                files[single!] = upload;
                digests[name] = digest;
              }
            }
            done();
          });
        }),
      );
    });
    bb.on('filesLimit', () => refuse(new RestInputError(`Too many files (at most ${maxFiles})`)));
    bb.on('fieldsLimit', () => refuse(new RestInputError('Too many fields')));
    bb.on('partsLimit', () => refuse(new RestInputError('Too many parts')));
    bb.on('error', () => refuse(new RestInputError('Malformed multipart request')));
    bb.on('close', () => {
      void Promise.all(pending).then(() => {
        if (settled) return;
        settled = true;
        for (const [variable, list] of Object.entries(lists)) files[variable] = list;
        resolve({ fields, files, digests });
      });
    });
    req.pipe(bb);
  });
}
