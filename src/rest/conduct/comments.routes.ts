/**
 * Comments on a report (conduct-reports.md "Comments"; api-docs/conduct.md "Comments"), by event slug:
 * add, list (pagination, visibility, search, sort), edit, delete. Every route runs one of the comment
 * operations (src/modules/conduct/comments.resolver.ts); the body's JSON types are checked here (400
 * before anything runs), its rules by the service after the report's checks (404, 403 first).
 */
import type { RestRoute, RouteRequest } from '../engine/types';
import type { ConductCommentVisibility, ConductCommentsQuery, ConductCreateCommentMutation, ConductUpdateCommentMutation } from '../../generated/graphql';
import { COMMENT_MESSAGES, COMMENTS_PAGE_MAX } from '../../modules/conduct/comments.service';
import { avatarUrl } from './legacy';
import { paths } from './kit';
import { body, queryString, refuse } from './request';

/** A comment as the graph answers it (the fields the routes select). */
interface CommentView {
  id: string;
  reportId: string;
  authorId?: string | null;
  body: string;
  visibility: ConductCommentVisibility;
  isMarkdown: boolean;
  createdAt: string;
  updatedAt: string;
  author?: { id: string; name: string; email?: string | null; avatarFileId?: string | null } | null;
}

/** `{id, reportId, authorId, body, visibility, isMarkdown, createdAt, updatedAt, author: {id, name, email, avatarUrl}}`. */
export function legacyComment(c: CommentView) {
  return {
    id: c.id,
    reportId: c.reportId,
    authorId: c.authorId ?? null,
    body: c.body,
    visibility: c.visibility === 'INTERNAL' ? 'internal' : 'public',
    isMarkdown: c.isMarkdown,
    createdAt: c.createdAt,
    updatedAt: c.updatedAt,
    author: c.author ? { id: c.author.id, name: c.author.name, email: c.author.email ?? null, avatarUrl: avatarUrl(c.author) } : null,
  };
}

const VISIBILITY: Record<string, ConductCommentVisibility> = { public: 'PUBLIC', internal: 'INTERNAL' };

/** `visibility` of a body: absent or null → none, `public` or `internal` (any case), else 400. */
function visibilityOf(v: unknown): ConductCommentVisibility | null {
  if (v === undefined || v === null) return null;
  const value = typeof v === 'string' ? VISIBILITY[v.toLowerCase()] : undefined;
  if (!value) refuse('Visibility must be public or internal.', { visibility: 'must be public or internal' });
  return value;
}

/** `isMarkdown` of a body: absent or null → none, a boolean, else 400. */
function markdownOf(v: unknown): boolean | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'boolean') refuse('isMarkdown must be true or false.', { isMarkdown: 'must be a boolean' });
  return v;
}

/** `body` of a body as sent: a string, absent (null), anything else 400 (its rules are the service's). */
function bodyOf(v: unknown): string | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string') refuse(COMMENT_MESSAGES.bodyRequired, { body: 'must be text' });
  return v;
}

/** A positive whole number of the query, else 400; absent → null. */
function positive(r: RouteRequest, key: string): number | null {
  const v = queryString(r, key);
  if (v === undefined) return null;
  if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > 1_000_000) refuse(`${key} must be a positive whole number.`, { [key]: 'must be a positive whole number' });
  return Number(v);
}

export const commentRoutes: RestRoute[] = [
  {
    method: 'post',
    ...paths('/api/events/slug/:slug/reports/:reportId/comments'),
    summary: "Comments on a report {body, visibility?, isMarkdown?} (its reporter: public only; the event's staff) → 201 {comment}",
    operation: /* GraphQL */ `mutation ConductCreateComment($slug: String!, $reportId: ID!, $input: CreateConductCommentInput!) {
      createConductComment(slug: $slug, reportId: $reportId, input: $input) {
        id reportId authorId body visibility isMarkdown createdAt updatedAt author { id name email avatarFileId }
      }
    }`,
    status: 201,
    variables: (r) => {
      const b = body(r);
      // a missing body reaches the service as "", refused there after the report's checks
      return {
        slug: r.params.slug,
        reportId: r.params.reportId,
        input: { body: bodyOf(b.body) ?? '', visibility: visibilityOf(b.visibility), isMarkdown: markdownOf(b.isMarkdown) },
      };
    },
    result: (data: ConductCreateCommentMutation) => ({ comment: legacyComment(data.createConductComment) }),
  },
  {
    method: 'get',
    ...paths('/api/events/slug/:slug/reports/:reportId/comments'),
    summary: "A report's comments: ?page&limit (≤ 100, default 10)&visibility=public|internal|all&search&sortBy&sortOrder → {comments, pagination}",
    operation: /* GraphQL */ `query ConductComments($slug: String!, $reportId: ID!, $visibility: ConductCommentVisibility, $search: String, $sortBy: String, $sortOrder: String, $page: Int, $limit: Int) {
      conductComments(slug: $slug, reportId: $reportId, visibility: $visibility, search: $search, sortBy: $sortBy, sortOrder: $sortOrder, page: $page, limit: $limit) {
        total page limit totalPages
        comments { id reportId authorId body visibility isMarkdown createdAt updatedAt author { id name email avatarFileId } }
      }
    }`,
    variables: (r) => {
      const v = queryString(r, 'visibility')?.toLowerCase();
      if (v !== undefined && v !== 'all' && !VISIBILITY[v]) refuse('Visibility must be public, internal or all.', { visibility: 'must be public, internal or all' });
      const limit = positive(r, 'limit');
      return {
        slug: r.params.slug,
        reportId: r.params.reportId,
        visibility: v && v !== 'all' ? VISIBILITY[v] : null,
        search: queryString(r, 'search') ?? null,
        sortBy: queryString(r, 'sortBy') ?? null,
        sortOrder: queryString(r, 'sortOrder') ?? null,
        page: positive(r, 'page'),
        // upstream takes at most 100 whatever is asked
        limit: limit === null ? null : Math.min(limit, COMMENTS_PAGE_MAX),
      };
    },
    result: ({ conductComments: p }: ConductCommentsQuery) => ({
      comments: p.comments.map(legacyComment),
      pagination: { page: p.page, limit: p.limit, total: p.total, totalPages: p.totalPages },
    }),
  },
  {
    method: 'patch',
    ...paths('/api/events/slug/:slug/reports/:reportId/comments/:commentId'),
    summary: 'Edits a comment {body?, visibility?, isMarkdown?} (its author; only staff make it internal) → {comment}',
    operation: /* GraphQL */ `mutation ConductUpdateComment($slug: String!, $reportId: ID!, $id: ID!, $input: UpdateConductCommentInput!) {
      updateConductComment(slug: $slug, reportId: $reportId, id: $id, input: $input) {
        id reportId authorId body visibility isMarkdown createdAt updatedAt author { id name email avatarFileId }
      }
    }`,
    variables: (r) => {
      const b = body(r);
      return {
        slug: r.params.slug,
        reportId: r.params.reportId,
        id: r.params.commentId,
        input: { body: bodyOf(b.body), visibility: visibilityOf(b.visibility), isMarkdown: markdownOf(b.isMarkdown) },
      };
    },
    result: (data: ConductUpdateCommentMutation) => ({ comment: legacyComment(data.updateConductComment) }),
  },
  {
    method: 'delete',
    ...paths('/api/events/slug/:slug/reports/:reportId/comments/:commentId'),
    summary: 'Deletes a comment (its author, or an Admin or the SuperAdmin of the event) → {message}',
    operation: /* GraphQL */ `mutation ConductDeleteComment($slug: String!, $reportId: ID!, $id: ID!) {
      deleteConductComment(slug: $slug, reportId: $reportId, id: $id)
    }`,
    variables: (r) => ({ slug: r.params.slug, reportId: r.params.reportId, id: r.params.commentId }),
    result: () => ({ message: COMMENT_MESSAGES.deleted }),
  },
];
