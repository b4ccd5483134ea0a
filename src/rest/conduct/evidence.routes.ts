/**
 * Evidence files (conduct-reports.md "Evidence"; api-docs/conduct.md "Evidence Files"): by event slug, by
 * event id, and the standalone `/api/reports/:id/evidence…` and `/api/evidence/:id/download` routes, in the
 * document's order. Uploads are multipart, the files in `evidence` (upstream, the frontend) or `evidence[]`
 * (the document), several a request; downloads stream the stored bytes as an attachment. Every route runs
 * one of the evidence operations (src/modules/conduct/evidence.resolver.ts), so the same checks hold: the
 * reporter or the event's staff, staff only to delete (and to upload by event id, doc).
 */
import type { OperationRoute, RestRoute } from '../engine/types';
import type {
  ConductEvidenceByEventIdQuery,
  ConductEvidenceBySlugQuery,
  ConductEvidenceDownloadByEventIdQuery,
  ConductEvidenceDownloadByIdQuery,
  ConductEvidenceDownloadByReportQuery,
  ConductEvidenceOfReportQuery,
  ConductUploadEvidenceByEventIdMutation,
  ConductUploadEvidenceBySlugMutation,
  ConductUploadEvidenceToReportMutation,
} from '../../generated/graphql';
import { EVIDENCE_MAX_BYTES, EVIDENCE_MESSAGES } from '../../modules/conduct/evidence.service';
import { paths } from './kit';

/** An evidence file's metadata as conduct's clients read it (never its bytes). */
interface EvidenceView {
  id: string;
  filename: string;
  mimetype: string;
  size: number;
  createdAt: string;
  uploader?: { id: string; name: string; email?: string | null } | null;
}

export function legacyEvidence(e: EvidenceView) {
  return {
    id: e.id,
    filename: e.filename,
    mimetype: e.mimetype,
    size: e.size,
    createdAt: e.createdAt,
    uploader: e.uploader ? { id: e.uploader.id, name: e.uploader.name, email: e.uploader.email ?? null } : null,
  };
}

/** The multipart fields of evidence files: upstream's and the frontend's `evidence`, the document's `evidence[]`. */
export const EVIDENCE_UPLOADS: Pick<OperationRoute, 'uploadLists' | 'uploadMaxBytes'> = {
  uploadLists: { evidence: 'files', 'evidence[]': 'files' },
  uploadMaxBytes: EVIDENCE_MAX_BYTES,
};

/** A download's file: the stored bytes, as an attachment under the original name, not kept by caches. */
function download(e: { filename: string; file: { id: string } }) {
  return { fileId: e.file.id, filename: e.filename, attachment: true, cacheSeconds: 0 };
}

const deleted = () => ({ message: EVIDENCE_MESSAGES.deleted });

export const evidenceRoutes: RestRoute[] = [
  // --- Evidence Management via Event ID ----------------------------------------------------------------
  {
    method: 'post',
    ...paths('/api/events/:eventId/reports/:reportId/evidence'),
    summary: 'Staff: adds evidence files (multipart `evidence` or `evidence[]`; PNG, JPEG, PDF, text; ≤ 10 MB each) → {files}',
    operation: /* GraphQL */ `mutation ConductUploadEvidenceByEventId($eventId: ID!, $reportId: ID!, $files: [Upload!]) {
      uploadConductEvidence(eventId: $eventId, reportId: $reportId, files: $files, requireStaff: true) { id filename mimetype size createdAt uploader { id name email } }
    }`,
    ...EVIDENCE_UPLOADS,
    variables: (r) => ({ eventId: r.params.eventId, reportId: r.params.reportId }),
    result: (data: ConductUploadEvidenceByEventIdMutation) => ({ files: data.uploadConductEvidence.map(legacyEvidence) }),
  },
  {
    method: 'get',
    ...paths('/api/events/:eventId/reports/:reportId/evidence'),
    summary: "The report's evidence files, oldest first (its reporter or the event's staff) → {files}",
    operation: /* GraphQL */ `query ConductEvidenceByEventId($eventId: ID!, $reportId: ID!) {
      conductEvidence(eventId: $eventId, reportId: $reportId) { id filename mimetype size createdAt uploader { id name email } }
    }`,
    variables: (r) => ({ eventId: r.params.eventId, reportId: r.params.reportId }),
    result: (data: ConductEvidenceByEventIdQuery) => ({ files: data.conductEvidence.map(legacyEvidence) }),
  },
  {
    kind: 'download',
    method: 'get',
    ...paths('/api/events/:eventId/reports/:reportId/evidence/:evidenceId/download'),
    summary: "Downloads an evidence file: the stored bytes as an attachment (its reporter or the event's staff)",
    operation: /* GraphQL */ `query ConductEvidenceDownloadByEventId($eventId: ID!, $reportId: ID!, $id: ID!) {
      conductEvidenceFile(eventId: $eventId, reportId: $reportId, id: $id) { filename file { id } }
    }`,
    variables: (r) => ({ eventId: r.params.eventId, reportId: r.params.reportId, id: r.params.evidenceId }),
    file: (data: ConductEvidenceDownloadByEventIdQuery) => download(data.conductEvidenceFile),
  },
  {
    method: 'delete',
    ...paths('/api/events/:eventId/reports/:reportId/evidence/:evidenceId'),
    summary: 'Staff: deletes an evidence file and its bytes → {message}',
    operation: /* GraphQL */ `mutation ConductDeleteEvidenceByEventId($eventId: ID!, $reportId: ID!, $id: ID!) {
      deleteConductEvidence(eventId: $eventId, reportId: $reportId, id: $id)
    }`,
    variables: (r) => ({ eventId: r.params.eventId, reportId: r.params.reportId, id: r.params.evidenceId }),
    result: deleted,
  },

  // --- Evidence Management via Event Slug --------------------------------------------------------------
  {
    method: 'post',
    ...paths('/api/events/slug/:slug/reports/:reportId/evidence'),
    summary: "Adds evidence files (the report's reporter or the event's staff; multipart `evidence` or `evidence[]`) → {files}",
    operation: /* GraphQL */ `mutation ConductUploadEvidenceBySlug($slug: String!, $reportId: ID!, $files: [Upload!]) {
      uploadConductEvidence(slug: $slug, reportId: $reportId, files: $files) { id filename mimetype size createdAt uploader { id name email } }
    }`,
    ...EVIDENCE_UPLOADS,
    variables: (r) => ({ slug: r.params.slug, reportId: r.params.reportId }),
    result: (data: ConductUploadEvidenceBySlugMutation) => ({ files: data.uploadConductEvidence.map(legacyEvidence) }),
  },
  {
    method: 'get',
    ...paths('/api/events/slug/:slug/reports/:reportId/evidence'),
    summary: "The report's evidence files, oldest first (its reporter or the event's staff) → {files}",
    operation: /* GraphQL */ `query ConductEvidenceBySlug($slug: String!, $reportId: ID!) {
      conductEvidence(slug: $slug, reportId: $reportId) { id filename mimetype size createdAt uploader { id name email } }
    }`,
    variables: (r) => ({ slug: r.params.slug, reportId: r.params.reportId }),
    result: (data: ConductEvidenceBySlugQuery) => ({ files: data.conductEvidence.map(legacyEvidence) }),
  },
  {
    method: 'delete',
    ...paths('/api/events/slug/:slug/reports/:reportId/evidence/:evidenceId'),
    summary: 'Staff: deletes an evidence file and its bytes (a Reporter, even on their own report, 403) → {message}',
    operation: /* GraphQL */ `mutation ConductDeleteEvidenceBySlug($slug: String!, $reportId: ID!, $id: ID!) {
      deleteConductEvidence(slug: $slug, reportId: $reportId, id: $id)
    }`,
    variables: (r) => ({ slug: r.params.slug, reportId: r.params.reportId, id: r.params.evidenceId }),
    result: deleted,
  },

  // --- Standalone Evidence Routes ------------------------------------------------------------------------
  {
    method: 'get',
    ...paths('/api/reports/:reportId/evidence'),
    summary: "The report's evidence files (its reporter or the event's staff; upstream left this unchecked) → {files}",
    operation: /* GraphQL */ `query ConductEvidenceOfReport($reportId: ID!) {
      conductEvidence(reportId: $reportId) { id filename mimetype size createdAt uploader { id name email } }
    }`,
    variables: (r) => ({ reportId: r.params.reportId }),
    result: (data: ConductEvidenceOfReportQuery) => ({ files: data.conductEvidence.map(legacyEvidence) }),
  },
  {
    method: 'post',
    ...paths('/api/reports/:reportId/evidence'),
    summary: "Adds evidence files (the report's reporter or the event's staff) → 201 {files} (upstream's status)",
    operation: /* GraphQL */ `mutation ConductUploadEvidenceToReport($reportId: ID!, $files: [Upload!]) {
      uploadConductEvidence(reportId: $reportId, files: $files) { id filename mimetype size createdAt uploader { id name email } }
    }`,
    ...EVIDENCE_UPLOADS,
    status: 201,
    variables: (r) => ({ reportId: r.params.reportId }),
    result: (data: ConductUploadEvidenceToReportMutation) => ({ files: data.uploadConductEvidence.map(legacyEvidence) }),
  },
  {
    kind: 'download',
    method: 'get',
    ...paths('/api/reports/:reportId/evidence/:evidenceId'),
    summary: "Downloads an evidence file of the report (its reporter or the event's staff)",
    operation: /* GraphQL */ `query ConductEvidenceDownloadByReport($reportId: ID!, $id: ID!) {
      conductEvidenceFile(reportId: $reportId, id: $id) { filename file { id } }
    }`,
    variables: (r) => ({ reportId: r.params.reportId, id: r.params.evidenceId }),
    file: (data: ConductEvidenceDownloadByReportQuery) => download(data.conductEvidenceFile),
  },
  {
    method: 'delete',
    ...paths('/api/reports/:reportId/evidence/:evidenceId'),
    summary: 'Staff: deletes an evidence file of the report → {message}',
    operation: /* GraphQL */ `mutation ConductDeleteEvidenceOfReport($reportId: ID!, $id: ID!) {
      deleteConductEvidence(reportId: $reportId, id: $id)
    }`,
    variables: (r) => ({ reportId: r.params.reportId, id: r.params.evidenceId }),
    result: deleted,
  },
  {
    kind: 'download',
    method: 'get',
    ...paths('/api/evidence/:evidenceId/download'),
    summary: "Downloads an evidence file by its id (the report's reporter or the event's staff; the frontend's link)",
    operation: /* GraphQL */ `query ConductEvidenceDownloadById($id: ID!) {
      conductEvidenceFile(id: $id) { filename file { id } }
    }`,
    variables: (r) => ({ id: r.params.evidenceId }),
    file: (data: ConductEvidenceDownloadByIdQuery) => download(data.conductEvidenceFile),
  },
];
