/**
 * Reading conduct's audit log (issue 13: "the audit log from part 1 readable by SuperAdmin and event
 * Admins through GraphQL") and the documented audit test (conduct-reports.md "Testing routes").
 *
 * Who reads what: the SuperAdmin every entry (optionally one event's or one organization's); an event's
 * Admin that event's entries only (`eventId` required); anyone else FORBIDDEN. Newest first.
 */
import type { AppContext } from '../../context/context';
import { requireViewer } from '../../auth/guards';
import { forbidden } from '../../errors/domain-error';
import { unitOfWork } from '../../db/unit-of-work';
import { ConductAuditLog } from './audit-log.entity';
import { audit, eventWithRole, findOrganization, isSuperAdmin, MESSAGES } from './conduct-access';
import { pageOf } from './notifications.service';

export const AUDIT_PAGE_MAX = 100;

export interface AuditLogPage {
  entries: ConductAuditLog[];
  total: number;
  page: number;
  limit: number;
}

export async function auditLog(
  ctx: AppContext,
  q: { eventId?: string | null; organizationId?: string | null; page?: number | null; limit?: number | null },
): Promise<AuditLogPage> {
  requireViewer(ctx);
  const { page, limit, offset } = pageOf(q.page, q.limit, 50, AUDIT_PAGE_MAX);
  const where: Record<string, unknown> = {};
  if (q.eventId) {
    // 404 unknown (or malformed) event, 403 not its Admin; the SuperAdmin passes
    const { event } = await eventWithRole(ctx, { id: q.eventId }, 'Admin');
    where.eventId = event.id;
  }
  if (q.organizationId) {
    if (!isSuperAdmin(ctx)) throw forbidden(MESSAGES.superAdminRequired);
    where.organizationId = (await findOrganization(ctx, { id: q.organizationId })).id;
  }
  if (!q.eventId && !isSuperAdmin(ctx)) throw forbidden(MESSAGES.superAdminRequired);
  const [entries, total] = await ctx.em.findAndCount(ConductAuditLog, where, { orderBy: { createdAt: 'desc', id: 'desc' }, limit, offset });
  return { entries, total, page, limit };
}

/**
 * The documented audit test: writes one entry (`audit_test` on `System`, by the viewer when signed in)
 * and answers it. Public as upstream's (conduct-reports.md names no role; docs/compat/conduct.md).
 */
export async function recordAuditTest(ctx: AppContext): Promise<ConductAuditLog> {
  return unitOfWork(ctx, (tx) => audit(tx, { action: 'audit_test', targetType: 'System', targetId: 'audit-test', actorId: tx.viewer?.id ?? null }));
}
