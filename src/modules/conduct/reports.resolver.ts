/** conduct's operations on reports (conduct-reports.md "Reports", "Cross-event reports"): lists, one report, create, state, changes, history, live changes. */
import { Arg, Ctx, FieldResolver, ID, Info, Int, Mutation, Query, Resolver, Root, Subscription } from 'type-graphql';
import type { GraphQLResolveInfo } from 'graphql';
import { GraphQLUpload } from 'graphql-upload-minimal';
import type { FileUpload } from 'graphql-upload-minimal';
import type { AppContext } from '../../context/context';
import { Allow } from '../../auth/access';
import { ListSize } from '../../server/cost';
import { LiveShared } from '../../server/fanout';
import { filterAsync } from '../../pubsub/filter';
import type { Topics } from '../../pubsub/topics';
import { badInput } from '../../errors/domain-error';
import { User } from '../identity/user.entity';
import { ConductEvent } from './event.entity';
import { ConductEventRoleName } from './event-role.entity';
import { ConductEvidence } from './evidence.entity';
import { ConductReport } from './report.entity';
import { conductMember, eventRoles, eventWithRole, requireEventRole } from './conduct-access';
import * as reports from './reports.service';
import * as lists from './report-lists.service';
import type { ReportView } from './report-lists.service';
import { peopleSelection } from './report-people-selection';
import {
  ChangeConductReportStateInput,
  ConductMyReportFilter,
  ConductReportChange,
  ConductReportChangeKind,
  ConductReportFilter,
  ConductReportPage,
  ConductReportStateHistoryEntry,
  ConductReportStats,
  CreateConductReportInput,
  REPORT_EVIDENCE_MAX,
  REPORTS_PAGE_MAX,
  STATE_HISTORY_MAX,
  UpdateConductReportInput,
} from './reports.inputs';

const ref = (eventId?: string | null, slug?: string | null) => {
  if ((eventId ? 1 : 0) + (slug ? 1 : 0) !== 1) throw badInput('Give exactly one of eventId and slug', { eventId: 'or slug is required' });
  return eventId ? { id: eventId } : { slug: slug! };
};

const NO_FILTER: ConductReportFilter = {};
const NO_MY_FILTER: ConductMyReportFilter = {};

/** Absent input fields stay undefined (keep), explicit nulls clear. */
const given = <T extends object>(input: T): T => Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)) as T;

@Resolver()
export class ConductReportsResolver {
  @Allow(conductMember)
  @ListSize({ max: REPORTS_PAGE_MAX, slicingArguments: ['limit'], sizedFields: ['reports'] })
  @Query(() => ConductReportPage, { description: "An event's reports (any role there: a Reporter sees their own, staff all), filtered, searched, sorted, paged" })
  conductReports(
    @Ctx() ctx: AppContext,
    @Arg('eventId', () => ID, { nullable: true }) eventId?: string | null,
    @Arg('slug', () => String, { nullable: true }) slug?: string | null,
    @Arg('filter', () => ConductReportFilter, { nullable: true }) filter?: ConductReportFilter | null,
    @Arg('page', () => Int, { nullable: true, description: 'default 1' }) page?: number | null,
    @Arg('limit', () => Int, { nullable: true, description: `default 20, at most ${REPORTS_PAGE_MAX}` }) limit?: number | null,
    @Info() info?: GraphQLResolveInfo,
  ): Promise<lists.ReportPage> {
    const f = filter ?? NO_FILTER;
    // a literal of one shape: the input object, spread, had a hidden class of its own per request (V8 inline caches)
    const q = { search: f.search, state: f.state, severity: f.severity, assigned: f.assigned, userId: f.userId, ids: f.ids, sort: f.sort, order: f.order, page, limit };
    return lists.eventReports(ctx, ref(eventId, slug), q, 20, peopleSelection(info));
  }

  @Allow(conductMember)
  @ListSize({ max: REPORTS_PAGE_MAX, slicingArguments: ['limit'], sizedFields: ['reports'] })
  @Query(() => ConductReportPage, {
    description: "The viewer's reports across events: every report of the events where they are a Responder or Admin, their own where they are a Reporter",
  })
  myConductReports(
    @Ctx() ctx: AppContext,
    @Arg('filter', () => ConductMyReportFilter, { nullable: true }) filter?: ConductMyReportFilter | null,
    @Arg('page', () => Int, { nullable: true, description: 'default 1' }) page?: number | null,
    @Arg('limit', () => Int, { nullable: true, description: `default 20, at most ${REPORTS_PAGE_MAX}` }) limit?: number | null,
    @Info() info?: GraphQLResolveInfo,
  ): Promise<lists.ReportPage> {
    const f = filter ?? NO_MY_FILTER;
    const q = { search: f.search, state: f.state, severity: f.severity, assigned: f.assigned, event: f.event, sort: f.sort, order: f.order, page, limit };
    return lists.myReports(ctx, q, peopleSelection(info));
  }

  @Allow(conductMember)
  @Query(() => ConductReport, { description: "One report (its reporter or the event's staff)" })
  conductReport(
    @Ctx() ctx: AppContext,
    @Arg('reportId', () => ID) reportId: string,
    @Arg('eventId', () => ID, { nullable: true }) eventId?: string | null,
    @Arg('slug', () => String, { nullable: true }) slug?: string | null,
  ): Promise<ReportView> {
    return reports.getReport(ctx, ref(eventId, slug), reportId);
  }

  @Allow(conductMember)
  @ListSize({ max: STATE_HISTORY_MAX })
  @Query(() => [ConductReportStateHistoryEntry], { description: "A report's state changes, newest first (its reporter or staff; notes for staff only)" })
  conductReportStateHistory(
    @Ctx() ctx: AppContext,
    @Arg('reportId', () => ID) reportId: string,
    @Arg('eventId', () => ID, { nullable: true }) eventId?: string | null,
    @Arg('slug', () => String, { nullable: true }) slug?: string | null,
  ): Promise<reports.StateHistoryEntry[]> {
    return reports.stateHistory(ctx, ref(eventId, slug), reportId);
  }

  @Allow(conductMember)
  @Mutation(() => ConductReport, { description: 'Any role in the event: a new report (submitted, unassigned, by the viewer)' })
  createConductReport(
    @Ctx() ctx: AppContext,
    @Arg('input', () => CreateConductReportInput) input: CreateConductReportInput,
    @Arg('eventId', () => ID, { nullable: true }) eventId?: string | null,
    @Arg('slug', () => String, { nullable: true }) slug?: string | null,
    @Arg('evidence', () => [GraphQLUpload], {
      nullable: true,
      description: 'evidence files stored with the report (as uploadConductEvidence takes them); one bad file creates nothing',
    })
    evidence?: Promise<FileUpload>[] | null,
  ): Promise<ReportView> {
    return reports.createReport(ctx, ref(eventId, slug), input, evidence);
  }

  @Allow(conductMember)
  @Mutation(() => ConductReport, { description: 'Staff: a new state (INVESTIGATING needs an assignee and notes, RESOLVED notes), optionally an assignee' })
  changeConductReportState(
    @Ctx() ctx: AppContext,
    @Arg('reportId', () => ID) reportId: string,
    @Arg('input', () => ChangeConductReportStateInput) input: ChangeConductReportStateInput,
    @Arg('eventId', () => ID, { nullable: true }) eventId?: string | null,
    @Arg('slug', () => String, { nullable: true }) slug?: string | null,
  ): Promise<ReportView> {
    return reports.changeState(ctx, ref(eventId, slug), reportId, input);
  }

  @Allow(conductMember)
  @Mutation(() => ConductReport, { description: 'Changes fields of a report, each with its who-may rule (UpdateConductReportInput)' })
  updateConductReport(
    @Ctx() ctx: AppContext,
    @Arg('reportId', () => ID) reportId: string,
    @Arg('input', () => UpdateConductReportInput) input: UpdateConductReportInput,
    @Arg('eventId', () => ID, { nullable: true }) eventId?: string | null,
    @Arg('slug', () => String, { nullable: true }) slug?: string | null,
  ): Promise<ReportView> {
    return reports.updateReport(ctx, ref(eventId, slug), reportId, given(input));
  }

  /**
   * The event's staff hear every report's changes; anyone else with a role there only their own reports'
   * public changes (never notes: they are not part of a change). The role is re-read at every event.
   */
  @Allow(conductMember)
  @LiveShared()
  @Subscription(() => ConductReportChange, {
    description: "Changes of an event's reports (staff: all; a Reporter: their own)",
    subscribe: async ({ args, context }) => {
      const ctx = context as AppContext;
      const { event } = await eventWithRole(ctx, ref(args.eventId as string | null, args.slug as string | null), 'Reporter');
      return filterAsync(ctx.app.pubsub.subscribe('conduct.reportChanged'), async (e) => {
        if (e.eventId !== event.id) return false;
        await ctx.refreshViewer();
        if (!ctx.viewer) return false;
        const access = await requireEventRole(ctx, event.id, 'Reporter').catch(() => null);
        if (!access) return false;
        if (access.staff) return true;
        return !e.internal && e.reporterId === ctx.viewer.id;
      });
    },
  })
  async conductReportChanged(
    @Ctx() ctx: AppContext,
    @Root() e: Topics['conduct.reportChanged'],
    @Arg('eventId', () => ID, { nullable: true }) _eventId?: string | null,
    @Arg('slug', () => String, { nullable: true }) _slug?: string | null,
  ): Promise<ConductReportChange> {
    const report = await lists.reportView(ctx, e.reportId);
    return { kind: e.kind as ConductReportChangeKind, eventId: e.eventId, reportId: e.reportId, report: report as unknown as ConductReport | null };
  }
}

/** The ids a report names, whether the root is a view (this module's answers) or an entity (other modules' answers). */
const refs = (r: ReportView | ConductReport): ReportView => (r instanceof ConductReport ? lists.viewOf(r) : r);

@Resolver(() => ConductReport)
export class ConductReportFieldsResolver {
  @LiveShared()
  @FieldResolver(() => ID)
  eventId(@Root() r: ReportView | ConductReport): string {
    return refs(r).eventId;
  }

  @LiveShared()
  @FieldResolver(() => ID, { nullable: true })
  reporterId(@Root() r: ReportView | ConductReport): string | null {
    return refs(r).reporterId;
  }

  @LiveShared()
  @FieldResolver(() => ID, { nullable: true })
  assignedResponderId(@Root() r: ReportView | ConductReport): string | null {
    return refs(r).assignedResponderId;
  }

  @LiveShared()
  @FieldResolver(() => User, { nullable: true })
  reporter(@Root() r: ReportView | ConductReport, @Ctx() ctx: AppContext): User | null | Promise<User | null> {
    // a list's page read its people with it (report-lists.service.ts `readPeople`): no loader, no promise
    const preloaded = (r as ReportView).preloaded?.reporter;
    return preloaded !== undefined ? preloaded : lists.reportPerson(ctx, refs(r).reporterId);
  }

  @LiveShared()
  @FieldResolver(() => User, { nullable: true })
  assignedResponder(@Root() r: ReportView | ConductReport, @Ctx() ctx: AppContext): User | null | Promise<User | null> {
    const preloaded = (r as ReportView).preloaded?.assignedResponder;
    return preloaded !== undefined ? preloaded : lists.reportPerson(ctx, refs(r).assignedResponderId);
  }

  @LiveShared()
  @FieldResolver(() => ConductEvent, { nullable: true })
  event(@Root() r: ReportView | ConductReport, @Ctx() ctx: AppContext): Promise<ConductEvent | null> {
    return lists.reportEvent(ctx, refs(r).eventId);
  }

  @LiveShared()
  @ListSize({ max: REPORT_EVIDENCE_MAX })
  @FieldResolver(() => [ConductEvidence], { description: "the report's evidence files (metadata), oldest first" })
  evidenceFiles(@Root() r: ReportView | ConductReport, @Ctx() ctx: AppContext): Promise<ConductEvidence[]> {
    return lists.reportEvidence(ctx, r.id);
  }

  @ListSize({ max: 3 })
  @FieldResolver(() => [ConductEventRoleName], { description: "the viewer's roles in the report's event, highest first" })
  viewerRoles(@Root() r: ReportView | ConductReport, @Ctx() ctx: AppContext): Promise<ConductEventRoleName[]> {
    return eventRoles(ctx, refs(r).eventId);
  }
}

@Resolver(() => ConductReportPage)
export class ConductReportPageFieldsResolver {
  @FieldResolver(() => ConductReportStats, { nullable: true, description: 'per state, the reports the viewer may see in the event (event lists only; the filters do not apply)' })
  async stats(@Root() page: lists.ReportPage, @Ctx() ctx: AppContext): Promise<ConductReportStats | null> {
    return page.scope ? lists.eventReportStats(ctx, page.scope) : null;
  }
}

@Resolver(() => ConductReportStateHistoryEntry)
export class ConductReportHistoryFieldsResolver {
  @FieldResolver(() => User, { nullable: true, description: 'who changed the state (null: an account since deleted)' })
  changedBy(@Root() entry: reports.StateHistoryEntry, @Ctx() ctx: AppContext): Promise<User | null> {
    return lists.reportPerson(ctx, entry.changedById);
  }
}
