/**
 * File storage behind one interface. The default keeps bytes in PostgreSQL (every instance sees them,
 * backups include them). The content type is sniffed from the bytes, never taken from the client, and
 * a client's file name is never used as a path.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { FileUpload } from 'graphql-upload-minimal';
import { fromBuffer } from 'file-type';
import { badInput, DomainError, notFound } from '../errors/domain-error';
import { StoredFile } from './stored-file.entity';

export interface StoragePolicy {
  purpose: string;
  maxBytes: number;
  /** MIME types accepted, as sniffed */
  accept: readonly string[];
  /**
   * the type of the bytes, when the policy knows more than file-type's magic numbers (conduct's evidence
   * recognises plain text, which has none); default `sniffContentType`
   */
  detect?: (bytes: Buffer) => Promise<string | undefined>;
}

export interface StoredFileInfo {
  id: string;
  contentType: string;
  size: number;
}

export interface FileStorage {
  /** Stores bytes in the caller's unit of work (flushed with it), after checking size and sniffed type. */
  put(em: EntityManager, bytes: Buffer, policy: StoragePolicy): Promise<StoredFileInfo>;
  get(em: EntityManager, id: string): Promise<StoredFileInfo & { content: Buffer }>;
  remove(em: EntityManager, id: string): Promise<void>;
}

export const IMAGE_TYPES = ['image/jpeg', 'image/png', 'image/webp'] as const;

export async function sniffContentType(bytes: Buffer): Promise<string | undefined> {
  const t = await fromBuffer(bytes);
  return t?.mime;
}

export class PostgresFileStorage implements FileStorage {
  async put(em: EntityManager, bytes: Buffer, policy: StoragePolicy): Promise<StoredFileInfo> {
    if (bytes.length === 0) throw badInput('The file is empty');
    if (bytes.length > policy.maxBytes) {
      throw badInput(`The file is larger than ${Math.floor(policy.maxBytes / 1024)} KiB`);
    }
    const type = await (policy.detect ?? sniffContentType)(bytes);
    if (!type || !policy.accept.includes(type)) {
      throw badInput(`The file must be one of ${policy.accept.join(', ')}`);
    }
    const file = em.create(StoredFile, { purpose: policy.purpose, contentType: type, size: bytes.length, content: bytes });
    em.persist(file);
    return { id: file.id, contentType: type, size: bytes.length };
  }

  async get(em: EntityManager, id: string): Promise<StoredFileInfo & { content: Buffer }> {
    const file = await em.findOne(StoredFile, { id }, { populate: ['content'] });
    if (!file) throw notFound('File not found');
    return { id: file.id, contentType: file.contentType, size: file.size, content: file.content };
  }

  async remove(em: EntityManager, id: string): Promise<void> {
    await em.nativeDelete(StoredFile, { id });
  }
}

/** Reads an upload stream into memory, stopping as soon as it passes the limit. */
export async function readUpload(stream: NodeJS.ReadableStream, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) {
      (stream as unknown as { destroy?: () => void }).destroy?.();
      throw badInput(`The file is larger than ${Math.floor(maxBytes / 1024)} KiB`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** A refusal of an upload, naming the operation's argument in `details.fields` like any other input error. */
function fileRefusal(field: string, message: string): DomainError {
  return badInput(message, { [field]: message });
}

/**
 * The bytes of an uploaded file for a use case that names its upload argument `field`: every refusal
 * (missing, unreadable, too big) names that field (identity's avatars, compass's logos).
 */
export async function readUploadField(upload: Promise<FileUpload> | FileUpload | null | undefined, policy: StoragePolicy, field: string): Promise<Buffer> {
  if (!upload) throw fileRefusal(field, `A ${field} file is required`);
  try {
    const file = await upload;
    return await readUpload(file.createReadStream(), policy.maxBytes);
  } catch (err) {
    if (err instanceof DomainError) throw fileRefusal(field, err.message);
    throw fileRefusal(field, 'The file could not be read');
  }
}

/** Rethrows a storage refusal (size, type) as a validation error naming the upload's field. */
export async function storageField<T>(field: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof DomainError && err.code === 'BAD_USER_INPUT' && !err.details?.fields) throw fileRefusal(field, err.message);
    throw err;
  }
}
