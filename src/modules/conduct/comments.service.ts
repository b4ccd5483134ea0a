/**
 * Comments on conduct reports (conduct-reports.md "Comments"). A comment is public (the reporter and the
 * event's staff read it) or internal (staff only). An internal comment never reaches a Reporter by any
 * path: lists, search and counts filter in SQL by what the viewer may see; a non-staff viewer who names an
 * internal comment's id is told it does not exist; the live feed checks each subscriber (comments.resolver.ts).
 *
 * The checks come in the contract's order through report-access.ts (401, event 404, role 403, report
 * 404, own-or-staff 403), then the rules of the operation (403), then the input (400), then the comment
 * id (404). Bodies are kept verbatim (`isMarkdown` only tells clients how to render them).
 */
import type { AppContext } from '../../context/context';
import { badInput, forbidden, notFound } from '../../errors/domain-error';
import { isUuid } from '../../db/ids';
import { unitOfWork } from '../../db/unit-of-work';
import { User } from '../identity/user.entity';
import { ConductComment, ConductCommentVisibility } from './comment.entity';
import { ConductReport } from './report.entity';
import { audit, ConductRef } from './conduct-access';
import { reportInEvent, ReportWithAccess } from './report-access';
import { reportChanged } from './report-hooks';

/** conduct-reports.md "Comments": `limit` at most 100 (default 10, doc). */
export const COMMENTS_PAGE_MAX = 100;
export const COMMENTS_PAGE_DEFAULT = 10;
/** conduct-reports.md "Comments": a body is at most 5000 characters (upstream). */
export const COMMENT_BODY_MAX = 5000;

/** Upstream's words (the frontend shows `error`). */
export const COMMENT_MESSAGES = {
  bodyRequired: 'Comment body is required.',
  bodyTooLong: `Comment body must be no more than ${COMMENT_BODY_MAX} characters.`,
  internalStaffOnly: 'Only Responders, Admins, and SuperAdmins can create internal comments.',
  visibilityDenied: 'Not authorized to view comments with that visibility level.',
  notFound: 'Comment not found',
  editDenied: 'Not authorized to update this comment',
  deleteDenied: 'Not authorized to delete this comment',
  nothingToUpdate: 'Nothing to update: give body, visibility or isMarkdown.',
  deleted: 'Comment deleted successfully',
} as const;

export interface CommentScope {
  event: ConductRef;
  reportId: string;
}

const idOf = (ref: { id: string } | string | null | undefined): string | null => (ref ? (typeof ref === 'string' ? ref : ref.id) : null);

function checkBody(body: unknown): string {
  if (typeof body !== 'string' || body.trim() === '') throw badInput(COMMENT_MESSAGES.bodyRequired, { body: 'is required' });
  if (body.length > COMMENT_BODY_MAX) throw badInput(COMMENT_MESSAGES.bodyTooLong, { body: `at most ${COMMENT_BODY_MAX} characters` });
  return body;
}

// --- add ---------------------------------------------------------------------------------------------

export interface NewComment {
  body: string;
  visibility?: ConductCommentVisibility | null;
  isMarkdown?: boolean | null;
}

/**
 * Adds a comment: the report's reporter (public only: an internal one is 403) or the event's staff
 * (public or internal). The comment, its audit entry and what the report hook writes (notifications)
 * commit together; `conduct.commentAdded` is published after the commit.
 */
export async function addComment(ctx: AppContext, scope: CommentScope, input: NewComment): Promise<ConductComment> {
  const { report, access } = await reportInEvent(ctx, scope.event, scope.reportId, 'ownOrStaff');
  const visibility = input.visibility ?? ConductCommentVisibility.PUBLIC;
  if (visibility === ConductCommentVisibility.INTERNAL && !access.staff) throw forbidden(COMMENT_MESSAGES.internalStaffOnly);
  const body = checkBody(input.body);
  const eventId = idOf(report.event as { id: string } | string)!;
  return unitOfWork(ctx, async (tx) => {
    const comment = tx.em.create(ConductComment, {
      report: tx.em.getReference(ConductReport, report.id),
      author: tx.em.getReference(User, access.viewer.id),
      body,
      visibility,
      isMarkdown: input.isMarkdown === true,
    });
    await tx.em.flush();
    await audit(tx, { action: 'report.comment_added', targetType: 'Report', targetId: report.id, eventId, details: { commentId: comment.id, visibility } });
    await reportChanged(tx, { kind: 'commentAdded', report, commentId: comment.id, visibility });
    tx.publish('conduct.commentAdded', { eventId, reportId: report.id, commentId: comment.id, visibility });
    return comment;
  });
}

// --- list ----------------------------------------------------------------------------------------------

export interface CommentQuery {
  /** null: every comment the viewer may see (a Reporter: the public ones) */
  visibility?: ConductCommentVisibility | null;
  search?: string | null;
  sortBy?: string | null;
  sortOrder?: string | null;
  page?: number | null;
  limit?: number | null;
}

export interface CommentPage {
  comments: ConductComment[];
  total: number;
  page: number;
  limit: number;
  totalPages: number;
}

/** `%`, `_` and `\` stand for themselves in a search (PostgreSQL's LIKE escapes with `\` by default). */
export function likePattern(search: string): string {
  return `%${search.replace(/[\\%_]/g, '\\$&')}%`;
}

/**
 * A page of a report's comments with the total of the same filter. A Reporter sees public comments only:
 * asking for internal ones is 403 (upstream), asking for all gives the public ones, and the total and the
 * search count only those (upstream counted internal ones too: fixed). Two statements whatever the page
 * (the page with its authors, and the count).
 */
export async function listComments(ctx: AppContext, scope: CommentScope, q: CommentQuery): Promise<CommentPage> {
  const { report, access } = await reportInEvent(ctx, scope.event, scope.reportId, 'ownOrStaff');
  if (q.visibility === ConductCommentVisibility.INTERNAL && !access.staff) throw forbidden(COMMENT_MESSAGES.visibilityDenied);
  const page = q.page ?? 1;
  const limit = q.limit ?? COMMENTS_PAGE_DEFAULT;
  if (!Number.isInteger(page) || page < 1) throw badInput('page must be a whole number from 1', { page: 'must be from 1' });
  if (!Number.isInteger(limit) || limit < 1 || limit > COMMENTS_PAGE_MAX) {
    throw badInput(`limit must be from 1 to ${COMMENTS_PAGE_MAX}`, { limit: `must be from 1 to ${COMMENTS_PAGE_MAX}` });
  }
  const sortBy = q.sortBy ?? 'createdAt';
  if (sortBy !== 'createdAt' && sortBy !== 'updatedAt') throw badInput('Invalid sort field', { sortBy: 'must be createdAt or updatedAt' });
  const sortOrder = q.sortOrder ?? 'asc';
  if (sortOrder !== 'asc' && sortOrder !== 'desc') throw badInput('Invalid sort order', { sortOrder: 'must be asc or desc' });

  const where: Record<string, unknown> = { report: report.id };
  // what the viewer may see, always in the statement: a Reporter's count never includes an internal comment
  const visible = access.staff ? q.visibility : ConductCommentVisibility.PUBLIC;
  if (visible) where.visibility = visible;
  const search = q.search?.trim();
  if (search) where.body = { $ilike: likePattern(search) };
  const [comments, total] = await Promise.all([
    ctx.em.find(ConductComment, where, {
      populate: ['author'],
      orderBy: { [sortBy]: sortOrder, id: sortOrder },
      limit,
      offset: (page - 1) * limit,
    }),
    ctx.em.count(ConductComment, where),
  ]);
  return { comments, total, page, limit, totalPages: Math.ceil(total / limit) };
}

// --- edit and delete -------------------------------------------------------------------------------------

/**
 * A comment of the report, as the viewer may know it: a non-staff viewer is told an internal comment
 * does not exist (404), so its id does not even confirm it.
 */
async function commentOf(ctx: AppContext, found: ReportWithAccess, commentId: string): Promise<ConductComment> {
  const comment = isUuid(commentId) ? await ctx.em.findOne(ConductComment, { id: commentId, report: found.report.id }) : null;
  if (!comment || (comment.visibility === ConductCommentVisibility.INTERNAL && !found.access.staff)) throw notFound(COMMENT_MESSAGES.notFound);
  return comment;
}

export interface CommentChange {
  body?: string | null;
  visibility?: ConductCommentVisibility | null;
  isMarkdown?: boolean | null;
}

/** Edits a comment: its author only (others 403); only staff may make it internal; at least one field (400). */
export async function updateComment(ctx: AppContext, scope: CommentScope, commentId: string, change: CommentChange): Promise<ConductComment> {
  const found = await reportInEvent(ctx, scope.event, scope.reportId, 'ownOrStaff');
  const comment = await commentOf(ctx, found, commentId);
  if (idOf(comment.author) !== found.access.viewer.id) throw forbidden(COMMENT_MESSAGES.editDenied);
  if (change.visibility === ConductCommentVisibility.INTERNAL && !found.access.staff) throw forbidden(COMMENT_MESSAGES.internalStaffOnly);
  const given = [change.body, change.visibility, change.isMarkdown].filter((v) => v !== undefined && v !== null);
  if (!given.length) throw badInput(COMMENT_MESSAGES.nothingToUpdate, { body: 'or visibility or isMarkdown is required' });
  const body = change.body !== undefined && change.body !== null ? checkBody(change.body) : undefined;
  const eventId = idOf(found.report.event as { id: string } | string)!;
  return unitOfWork(ctx, async (tx) => {
    const row = await tx.em.findOneOrFail(ConductComment, { id: comment.id });
    if (body !== undefined) row.body = body;
    if (change.visibility) row.visibility = change.visibility;
    if (change.isMarkdown !== undefined && change.isMarkdown !== null) row.isMarkdown = change.isMarkdown;
    await tx.em.flush();
    await audit(tx, { action: 'report.comment_updated', targetType: 'Report', targetId: found.report.id, eventId, details: { commentId: row.id, visibility: row.visibility } });
    return row;
  });
}

/** Deletes a comment: its author, or an Admin or the SuperAdmin of the event (a Responder deleting another's: 403). */
export async function deleteComment(ctx: AppContext, scope: CommentScope, commentId: string): Promise<void> {
  const found = await reportInEvent(ctx, scope.event, scope.reportId, 'ownOrStaff');
  const comment = await commentOf(ctx, found, commentId);
  if (idOf(comment.author) !== found.access.viewer.id && !found.access.admin) throw forbidden(COMMENT_MESSAGES.deleteDenied);
  const eventId = idOf(found.report.event as { id: string } | string)!;
  await unitOfWork(ctx, async (tx) => {
    const gone = await tx.em.nativeDelete(ConductComment, { id: comment.id });
    if (!gone) throw notFound(COMMENT_MESSAGES.notFound); // deleted meanwhile
    await audit(tx, {
      action: 'report.comment_deleted',
      targetType: 'Report',
      targetId: found.report.id,
      eventId,
      details: { commentId: comment.id, visibility: comment.visibility },
    });
  });
}

// --- the live feed -----------------------------------------------------------------------------------

/** A comment by id with its author (the subscription's event; null once deleted). */
export function commentById(ctx: AppContext, commentId: string): Promise<ConductComment | null> {
  return ctx.em.findOne(ConductComment, { id: commentId }, { populate: ['author'] });
}
