/**
 * Evidence files of conduct reports (conduct-reports.md "Evidence"): several files a request, each PNG,
 * JPEG, PDF or plain text recognised from its bytes and at most 10 MB; one bad file refuses the request
 * and stores nothing (every file is read and checked before the unit of work, and all are stored in one).
 * Who: the report's reporter or the event's staff upload, list and download; only staff delete. The
 * checks come in the contract's order through report-access.ts (401, event 404, role 403, report 404,
 * own-or-staff 403), then the input (400), then the evidence id (404).
 *
 * Metadata lives in `conduct_evidence`, bytes in the platform storage (`stored_files`); the evidence row
 * is removed with its stored file (the foreign key cascades from the file).
 */
import type { FileUpload } from 'graphql-upload-minimal';
import type { AppContext } from '../../context/context';
import { requireViewer } from '../../auth/guards';
import { badInput, conflict, DomainError, notFound } from '../../errors/domain-error';
import { isUuid } from '../../db/ids';
import { inUnitOfWork, unitOfWork } from '../../db/unit-of-work';
import { readUpload, sniffContentType, StoragePolicy } from '../../storage/storage';
import { StoredFile } from '../../storage/stored-file.entity';
import { User } from '../identity/user.entity';
import { ConductEvidence } from './evidence.entity';
import { ConductReport } from './report.entity';
import { audit, ConductRef } from './conduct-access';
import { reportById, reportInEvent, ReportNeed, ReportWithAccess } from './report-access';
import { REPORT_EVIDENCE_MAX } from './reports.inputs';
import { reportEvidence } from './report-lists.service';

/** conduct-reports.md "Evidence": PNG, JPEG, PDF, plain text. */
export const EVIDENCE_TYPES = ['image/png', 'image/jpeg', 'application/pdf', 'text/plain'] as const;
/** conduct-reports.md "Evidence": at most 10 MB a file. */
export const EVIDENCE_MAX_BYTES = 10 * 1024 * 1024;
/**
 * The most evidence files one report holds (the contract is silent): the bound of the report's
 * `evidenceFiles` list; a request that would pass it is refused (409) and stores nothing.
 */
export const EVIDENCE_PER_REPORT_MAX = REPORT_EVIDENCE_MAX;

export const EVIDENCE_MESSAGES = {
  none: 'No evidence files uploaded.',
  notFound: 'Evidence file not found.',
  deleted: 'Evidence file deleted.',
  unreadable: 'An evidence file could not be read',
} as const;

/** The argument every refusal of a file names (`details.fields`). */
const FIELD = 'files';

const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * Plain text as the evidence policy reads it (file-type recognises no text): valid UTF-8 without NUL
 * bytes. Anything file-type recognises is what it recognises, whatever its name.
 */
export async function evidenceType(bytes: Buffer): Promise<string | undefined> {
  const sniffed = await sniffContentType(bytes);
  if (sniffed) return sniffed;
  if (bytes.includes(0)) return undefined;
  try {
    decoder.decode(bytes);
    return 'text/plain';
  } catch {
    return undefined;
  }
}

export const EVIDENCE_POLICY: StoragePolicy = {
  purpose: 'conduct-evidence',
  maxBytes: EVIDENCE_MAX_BYTES,
  accept: EVIDENCE_TYPES,
  detect: evidenceType,
};

/** What a file's name claims by its extension (a non-PNG named `.png` is refused: conduct-reports.md). */
const CLAIMS: Record<string, string> = { png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', pdf: 'application/pdf', txt: 'text/plain' };
const LABELS: Record<string, string> = { 'image/png': 'a PNG image', 'image/jpeg': 'a JPEG image', 'application/pdf': 'a PDF document', 'text/plain': 'plain text' };

/**
 * The client's file name as kept: path parts (`/` and `\`) stripped, control characters dropped, dots
 * kept (conduct-reports.md union 8: upstream stripped them), at most 255 characters; `evidence` when
 * nothing is left.
 */
export function evidenceFilename(name: string | null | undefined): string {
  const base = (name ?? '').split(/[\\/]/).pop() ?? '';
  // eslint-disable-next-line no-control-regex
  const clean = base.replace(/[\u0000-\u001f\u007f]/g, '').trim();
  return Array.from(clean).slice(0, 255).join('') || 'evidence';
}

/** A file as read and checked, ready to store. */
export interface ReadEvidence {
  filename: string;
  mimetype: string;
  bytes: Buffer;
}

/** The type of one file's bytes, refused (400) unless allowed and matching what its name claims. */
async function checkedType(filename: string, bytes: Buffer): Promise<string> {
  if (bytes.length === 0) throw badInput(`"${filename}" is empty`, { [FIELD]: 'must not be empty' });
  const type = await evidenceType(bytes);
  if (!type || !(EVIDENCE_TYPES as readonly string[]).includes(type)) {
    throw badInput(`"${filename}" is not a PNG, JPEG, PDF or plain text file`, { [FIELD]: 'must be PNG, JPEG, PDF or plain text' });
  }
  const ext = /\.([^.]+)$/.exec(filename)?.[1]?.toLowerCase();
  const claimed = ext ? CLAIMS[ext] : undefined;
  if (claimed && claimed !== type) {
    throw badInput(`"${filename}" is named as ${LABELS[claimed]} but its contents are ${LABELS[type]}`, { [FIELD]: 'contents do not match the file name' });
  }
  return type;
}

/**
 * Reads and checks every uploaded file before anything is stored (call it before the unit of work):
 * none → 400, more than UPLOAD_MAX_FILES → 400, one over 10 MB → 400 marked `tooLarge` (413 on conduct's
 * surface), one of another type or not what its name claims → 400. The first refusal refuses them all.
 */
export async function readEvidence(ctx: AppContext, uploads: readonly (Promise<FileUpload> | FileUpload)[] | null | undefined): Promise<ReadEvidence[]> {
  if (!uploads || uploads.length === 0) throw badInput(EVIDENCE_MESSAGES.none, { [FIELD]: 'is required' });
  const max = ctx.app.config.uploadMaxFiles;
  if (uploads.length > max) throw badInput(`At most ${max} evidence files at once`, { [FIELD]: `at most ${max}` });
  const out: ReadEvidence[] = [];
  for (const upload of uploads) {
    let file: FileUpload;
    try {
      file = await upload;
    } catch {
      throw badInput(EVIDENCE_MESSAGES.unreadable, { [FIELD]: 'could not be read' });
    }
    const filename = evidenceFilename(file.filename);
    let bytes: Buffer;
    try {
      bytes = await readUpload(file.createReadStream(), EVIDENCE_MAX_BYTES);
    } catch (err) {
      if (err instanceof DomainError) {
        throw new DomainError('BAD_USER_INPUT', `"${filename}" is larger than 10 MB`, { fields: { [FIELD]: 'at most 10 MB a file' }, tooLarge: true });
      }
      throw badInput(EVIDENCE_MESSAGES.unreadable, { [FIELD]: 'could not be read' });
    }
    out.push({ filename, bytes, mimetype: await checkedType(filename, bytes) });
  }
  return out;
}

const idOf = (ref: { id: string } | string): string => (typeof ref === 'string' ? ref : ref.id);

/**
 * Stores checked files as evidence of `report` inside the caller's unit of work `tx` (the report's
 * create attaches its files this way, so a refused file rolls the report back too): the report's row is
 * locked while its evidence is counted (at most EVIDENCE_PER_REPORT_MAX, else 409), each file is stored
 * with the viewer as uploader, and one audit entry names them. Returns the new rows, in order.
 */
export async function attachEvidence(tx: AppContext, report: ConductReport, files: readonly ReadEvidence[]): Promise<ConductEvidence[]> {
  if (!inUnitOfWork(tx)) throw new Error('attachEvidence() must run inside the unit of work of the change');
  if (files.length === 0) return [];
  await tx.em.flush(); // a report created in this unit of work exists before it is locked
  const rows = await tx.em.execute<{ n: number }[]>(
    'select (select count(*) from conduct_evidence e where e.report_id = r.id)::int as n from conduct_reports r where r.id = ? for update',
    [report.id],
  );
  if (!rows.length) throw notFound('Report not found');
  if (rows[0].n + files.length > EVIDENCE_PER_REPORT_MAX) {
    throw conflict(`A report holds at most ${EVIDENCE_PER_REPORT_MAX} evidence files`, { [FIELD]: `at most ${EVIDENCE_PER_REPORT_MAX} a report` });
  }
  const uploader = tx.viewer ? tx.em.getReference(User, tx.viewer.id) : null;
  const reportRef = tx.em.getReference(ConductReport, report.id);
  const created: ConductEvidence[] = [];
  // one millisecond apart, so that the list (oldest first) keeps the order the files were sent in
  const at = Date.now();
  for (const [i, f] of files.entries()) {
    const stored = await tx.app.storage.put(tx.em, f.bytes, EVIDENCE_POLICY);
    created.push(
      tx.em.create(ConductEvidence, {
        report: reportRef,
        uploader,
        filename: f.filename,
        mimetype: stored.contentType,
        size: stored.size,
        file: tx.em.getReference(StoredFile, stored.id),
        createdAt: new Date(at + i),
      }),
    );
  }
  await tx.em.flush();
  await audit(tx, {
    action: 'report.evidence_added',
    targetType: 'Report',
    targetId: report.id,
    eventId: idOf(report.event as { id: string } | string),
    details: { files: created.map((e) => ({ id: e.id, filename: e.filename, mimetype: e.mimetype, size: e.size })) },
  });
  return created;
}

// --- operations ------------------------------------------------------------------------------------

/** Where an operation finds its report: by event (id or slug) and report id, or by the report id alone. */
export interface ReportScope {
  event?: ConductRef | null;
  reportId: string;
}

function reportIn(ctx: AppContext, scope: ReportScope, need: ReportNeed): Promise<ReportWithAccess> {
  return scope.event ? reportInEvent(ctx, scope.event, scope.reportId, need) : reportById(ctx, scope.reportId, need);
}

/**
 * Uploads evidence to a report: its reporter or the event's staff, or staff only with `requireStaff`
 * (conduct-reports.md: the upload by event id is the staff's, "Reporter 403, doc"). 404/403 come before
 * the files are looked at.
 */
export async function uploadEvidence(
  ctx: AppContext,
  scope: ReportScope,
  uploads: readonly (Promise<FileUpload> | FileUpload)[] | null | undefined,
  requireStaff = false,
): Promise<ConductEvidence[]> {
  const { report } = await reportIn(ctx, scope, requireStaff ? 'staff' : 'ownOrStaff');
  const files = await readEvidence(ctx, uploads);
  return unitOfWork(ctx, (tx) => attachEvidence(tx, report, files));
}

/** The evidence list of a report (its reporter or the event's staff). */
export async function listEvidence(ctx: AppContext, scope: ReportScope): Promise<ConductEvidence[]> {
  const { report } = await reportIn(ctx, scope, 'ownOrStaff');
  return reportEvidence(ctx, report.id);
}

/**
 * One evidence file with the right to it: within a report (the report's checks first, then the
 * evidence, 404 when it is not that report's), or by its id alone (`/api/evidence/:id/download`: 401,
 * the evidence 404, then the same checks on its report).
 */
async function evidenceWithAccess(ctx: AppContext, evidenceId: string, scope: Partial<ReportScope>, need: ReportNeed): Promise<ConductEvidence> {
  requireViewer(ctx);
  if (scope.reportId !== undefined && scope.reportId !== null) {
    const { report } = await reportIn(ctx, scope as ReportScope, need);
    const evidence = isUuid(evidenceId) ? await ctx.em.findOne(ConductEvidence, { id: evidenceId, report: report.id }) : null;
    if (!evidence) throw notFound(EVIDENCE_MESSAGES.notFound);
    return evidence;
  }
  const evidence = isUuid(evidenceId) ? await ctx.em.findOne(ConductEvidence, { id: evidenceId }) : null;
  if (!evidence) throw notFound(EVIDENCE_MESSAGES.notFound);
  await reportById(ctx, idOf(evidence.report), need);
  return evidence;
}

/** One evidence file's metadata and stored bytes' handle (downloads): the reporter or the event's staff. */
export function evidenceFile(ctx: AppContext, evidenceId: string, scope: Partial<ReportScope>): Promise<ConductEvidence> {
  return evidenceWithAccess(ctx, evidenceId, scope, 'ownOrStaff');
}

/** Deletes an evidence file and its bytes: the event's staff only (a Reporter, even on their own report, 403). */
export async function deleteEvidence(ctx: AppContext, evidenceId: string, scope: Partial<ReportScope>): Promise<void> {
  const evidence = await evidenceWithAccess(ctx, evidenceId, scope, 'staff');
  const report = await ctx.em.findOneOrFail(ConductReport, { id: idOf(evidence.report) });
  await unitOfWork(ctx, async (tx) => {
    const gone = await tx.em.nativeDelete(ConductEvidence, { id: evidence.id });
    if (!gone) throw notFound(EVIDENCE_MESSAGES.notFound); // deleted meanwhile
    await tx.app.storage.remove(tx.em, idOf(evidence.file));
    await audit(tx, {
      action: 'report.evidence_deleted',
      targetType: 'Report',
      targetId: report.id,
      eventId: idOf(report.event as { id: string } | string),
      details: { evidenceId: evidence.id, filename: evidence.filename },
    });
  });
}
