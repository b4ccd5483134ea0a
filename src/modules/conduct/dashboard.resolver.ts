/** conduct's dashboards and audit log (conduct-reports.md "Dashboard", "Testing routes"; issue 13's audit log). */
import { Arg, Ctx, Field, ID, Int, Mutation, ObjectType, Query, Resolver } from 'type-graphql';
import type { AppContext } from '../../context/context';
import { access, Allow } from '../../auth/access';
import { ListSize } from '../../server/cost';
import { ConductReport } from './report.entity';
import { ConductAuditLog } from './audit-log.entity';
import { conductMember } from './conduct-access';
import * as dashboard from './dashboard.service';
import * as auditLog from './audit-log.service';

@ObjectType({ description: "The viewer's numbers across the events where they hold a role" })
export class ConductQuickStats {
  @Field(() => Int, { description: 'reports the viewer sees: all of the events where they are staff, their own elsewhere' }) totalReports!: number;
  @Field(() => Int, { description: 'events where they hold a role' }) totalEvents!: number;
  @Field(() => Int) unreadNotifications!: number;
  @Field(() => Int, { description: 'reports they see that were created or changed in the last 7 days' }) recentActivity!: number;
  @Field(() => Int, { description: 'reports assigned to them that are submitted, acknowledged or investigating' }) needsResponse!: number;
}

@ObjectType({ description: "An event's numbers for its staff" })
export class ConductEventStats {
  @Field(() => Int) totalReports!: number;
  @Field(() => Int, { description: 'distinct users holding a role there' }) totalUsers!: number;
  @Field(() => Int, { description: 'submitted, acknowledged or investigating' }) needsResponse!: number;
  @Field(() => Int, { description: 'invite links still usable' }) pendingInvites!: number;
  @Field(() => Int) assignedToMe!: number;
  @Field(() => Int, { description: 'resolved or closed' }) resolvedReports!: number;
  @Field(() => Int, { description: 'reports the viewer submitted there' }) myReports!: number;
}

@ObjectType({ description: "An event's card: the numbers of the reports the viewer may see there" })
export class ConductEventCardStats {
  @Field(() => Int) totalReports!: number;
  @Field(() => Int, { description: 'high or critical severity, or submitted in the last 24 hours' }) urgentReports!: number;
  @Field(() => Int) assignedToMe!: number;
  @Field(() => Int, { description: 'submitted, acknowledged or investigating' }) needsResponse!: number;
  @Field(() => Int, { description: 'created or changed in the last 7 days' }) recentActivity!: number;
  @ListSize({ max: dashboard.RECENT_REPORTS })
  @Field(() => [ConductReport], { description: 'the newest three' })
  recentReports!: ConductReport[];
}

@ObjectType({ description: 'Something that happened to a report the viewer sees' })
export class ConductActivity {
  @Field(() => String, { description: 'report_submitted, report_status_changed, comment_added or report_assigned' }) type!: string;
  @Field(() => String, { description: "a sentence naming the report and its event (never a comment's text)" }) message!: string;
  @Field(() => Date) timestamp!: Date;
  @Field(() => String) eventSlug!: string;
  @Field(() => ID) reportId!: string;
}

@ObjectType({ description: 'A page of the conduct audit log, newest first' })
export class ConductAuditLogPage {
  @ListSize({ max: auditLog.AUDIT_PAGE_MAX })
  @Field(() => [ConductAuditLog])
  entries!: ConductAuditLog[];
  @Field(() => Int) total!: number;
  @Field(() => Int) page!: number;
  @Field(() => Int) limit!: number;
}

@Resolver()
export class ConductDashboardResolver {
  @Allow(conductMember)
  @Query(() => ConductQuickStats, { description: "The viewer's dashboard numbers" })
  conductQuickStats(@Ctx() ctx: AppContext): Promise<dashboard.QuickStats> {
    return dashboard.quickStats(ctx);
  }

  @Allow(conductMember)
  @Query(() => ConductEventStats, { description: "Staff: an event's numbers" })
  conductEventStats(@Ctx() ctx: AppContext, @Arg('slug', () => String) slug: string): Promise<dashboard.EventStats> {
    return dashboard.eventStats(ctx, slug);
  }

  @Allow(conductMember)
  @Query(() => ConductEventCardStats, { description: "Any role: an event's card, counting the reports the viewer may see" })
  conductEventCardStats(@Ctx() ctx: AppContext, @Arg('slug', () => String) slug: string): Promise<dashboard.EventCardStats> {
    return dashboard.eventCardStats(ctx, slug);
  }

  @Allow(conductMember)
  @ListSize({ max: dashboard.ACTIVITY_MAX, slicingArguments: ['limit'] })
  @Query(() => [ConductActivity], { description: 'What happened to the reports the viewer sees, newest first (limit 1-50, default 10)' })
  conductActivity(@Ctx() ctx: AppContext, @Arg('limit', () => Int, { nullable: true }) limit?: number | null): Promise<dashboard.ActivityItem[]> {
    return dashboard.activity(ctx, limit);
  }

  @Allow(conductMember)
  @ListSize({ max: auditLog.AUDIT_PAGE_MAX, slicingArguments: ['limit'], sizedFields: ['entries'] })
  @Query(() => ConductAuditLogPage, { description: "The audit log: the SuperAdmin's whole (or one event's or organization's); an event Admin's event only" })
  conductAuditLog(
    @Ctx() ctx: AppContext,
    @Arg('eventId', () => ID, { nullable: true }) eventId?: string | null,
    @Arg('organizationId', () => ID, { nullable: true }) organizationId?: string | null,
    @Arg('page', () => Int, { nullable: true }) page?: number | null,
    @Arg('limit', () => Int, { nullable: true, description: 'at most 100; default 50' }) limit?: number | null,
  ): Promise<auditLog.AuditLogPage> {
    return auditLog.auditLog(ctx, { eventId, organizationId, page, limit });
  }

  @Allow(access.public)
  @Mutation(() => ConductAuditLog, { description: 'Writes a test entry in the audit log and answers it (the documented audit test)' })
  recordConductAuditTest(@Ctx() ctx: AppContext): Promise<ConductAuditLog> {
    return auditLog.recordAuditTest(ctx);
  }
}
