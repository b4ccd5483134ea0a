/** The graph's types of conduct reports (conduct-reports.md "Reports", "Cross-event reports"): inputs, pages, history, live changes. */
import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { ListSize } from '../../server/cost';
import { ConductContactPreference, ConductReport, ConductReportSeverity, ConductReportState, ConductReportType } from './report.entity';

/** The largest page of a report list in the graph (the REST lists keep the contract's 100; the CSV export reads up to this many). */
export const REPORTS_PAGE_MAX = 1000;
/** The state history of one report answers at most this many changes, newest first. */
export const STATE_HISTORY_MAX = 500;
/** A report's evidence files as its `evidenceFiles` field lists them (oldest first). */
export const REPORT_EVIDENCE_MAX = 200;

export enum ConductReportSort {
  CREATED_AT = 'createdAt',
  UPDATED_AT = 'updatedAt',
  TITLE = 'title',
  STATE = 'state',
  SEVERITY = 'severity',
}
registerEnumType(ConductReportSort, { name: 'ConductReportSort' });

export enum ConductSortOrder {
  ASC = 'asc',
  DESC = 'desc',
}
registerEnumType(ConductSortOrder, { name: 'ConductSortOrder' });

/** conduct-reports.md `assigned`: `me`, `unassigned`, `others` (assigned to someone else). */
export enum ConductReportAssigned {
  ME = 'me',
  UNASSIGNED = 'unassigned',
  OTHERS = 'others',
}
registerEnumType(ConductReportAssigned, { name: 'ConductReportAssigned' });

export enum ConductReportChangeKind {
  CREATED = 'CREATED',
  UPDATED = 'UPDATED',
  STATE_CHANGED = 'STATE_CHANGED',
  ASSIGNED = 'ASSIGNED',
}
registerEnumType(ConductReportChangeKind, { name: 'ConductReportChangeKind' });

@InputType({ description: 'A new report: state submitted, unassigned, reported by the viewer' })
export class CreateConductReportInput {
  @Field(() => String, { description: '10 to 70 characters' }) title!: string;
  @Field(() => ConductReportType) type!: ConductReportType;
  @Field(() => String, { description: 'at most 5000 characters' }) description!: string;
  @Field(() => String, { nullable: true }) location?: string | null;
  @Field(() => ConductContactPreference, { nullable: true, description: 'default EMAIL' }) contactPreference?: ConductContactPreference | null;
  @Field(() => ConductReportSeverity, { nullable: true }) severity?: ConductReportSeverity | null;
  @Field(() => Date, { nullable: true, description: 'at most 24 hours ahead' }) incidentAt?: Date | null;
  @Field(() => String, { nullable: true, description: 'the people involved, at most 1000 characters' }) parties?: string | null;
}

@InputType({
  description:
    'A change of a report: absent fields keep their value, null clears an optional one. Who may: state, assignedResponderId, severity, resolution: staff; description, contactPreference: the reporter, Admins; title: the reporter or staff (by eventId: the reporter, Admins); the rest: the reporter or staff',
})
export class UpdateConductReportInput {
  @Field(() => String, { nullable: true }) title?: string | null;
  @Field(() => ConductReportType, { nullable: true }) type?: ConductReportType | null;
  @Field(() => String, { nullable: true }) description?: string | null;
  @Field(() => String, { nullable: true }) location?: string | null;
  @Field(() => ConductContactPreference, { nullable: true }) contactPreference?: ConductContactPreference | null;
  @Field(() => Date, { nullable: true }) incidentAt?: Date | null;
  @Field(() => String, { nullable: true }) parties?: string | null;
  @Field(() => ConductReportState, { nullable: true, description: 'without the notes rule of changeConductReportState' }) state?: ConductReportState | null;
  @Field(() => ID, { nullable: true, description: 'a Responder or Admin of the event; null unassigns' }) assignedResponderId?: string | null;
  @Field(() => ConductReportSeverity, { nullable: true }) severity?: ConductReportSeverity | null;
  @Field(() => String, { nullable: true }) resolution?: string | null;
}

@InputType({ description: 'A state change by staff: INVESTIGATING needs an assignee and notes, RESOLVED needs notes' })
export class ChangeConductReportStateInput {
  @Field(() => ConductReportState) state!: ConductReportState;
  @Field(() => ID, { nullable: true, description: 'assigns the report (a Responder or Admin of the event)' }) assignedResponderId?: string | null;
  @Field(() => String, { nullable: true, description: 'kept as an internal comment by the actor (staff only)' }) notes?: string | null;
}

@InputType({ description: "Filters and order of an event's report list" })
export class ConductReportFilter {
  @Field(() => String, { nullable: true, description: 'title or description, case-insensitive' }) search?: string | null;
  @Field(() => ConductReportState, { nullable: true }) state?: ConductReportState | null;
  @Field(() => ConductReportSeverity, { nullable: true }) severity?: ConductReportSeverity | null;
  @Field(() => ConductReportAssigned, { nullable: true }) assigned?: ConductReportAssigned | null;
  @Field(() => ID, { nullable: true, description: "only this reporter's reports" }) userId?: string | null;
  @Field(() => [ID], { nullable: true, description: 'only these reports (at most 1000 ids)' }) ids?: string[] | null;
  @Field(() => ConductReportSort, { nullable: true, description: 'default CREATED_AT' }) sort?: ConductReportSort | null;
  @Field(() => ConductSortOrder, { nullable: true, description: 'default DESC' }) order?: ConductSortOrder | null;
}

@InputType({ description: 'Filters and order of the cross-event report list' })
export class ConductMyReportFilter {
  @Field(() => String, { nullable: true, description: "title, description or the reporter's name, case-insensitive" }) search?: string | null;
  @Field(() => ConductReportState, { nullable: true }) state?: ConductReportState | null;
  @Field(() => ConductReportSeverity, { nullable: true }) severity?: ConductReportSeverity | null;
  @Field(() => ConductReportAssigned, { nullable: true }) assigned?: ConductReportAssigned | null;
  @Field(() => String, { nullable: true, description: 'an event id or slug' }) event?: string | null;
  @Field(() => ConductReportSort, { nullable: true, description: 'default CREATED_AT' }) sort?: ConductReportSort | null;
  @Field(() => ConductSortOrder, { nullable: true, description: 'default DESC' }) order?: ConductSortOrder | null;
}

@ObjectType({ description: 'How many reports the viewer may see in the event, per state' })
export class ConductReportStats {
  @Field(() => Int) submitted!: number;
  @Field(() => Int) acknowledged!: number;
  @Field(() => Int) investigating!: number;
  @Field(() => Int) resolved!: number;
  @Field(() => Int) closed!: number;
  @Field(() => Int) total!: number;
}

@ObjectType({ description: 'A page of reports and how many match' })
export class ConductReportPage {
  @ListSize({ max: REPORTS_PAGE_MAX })
  @Field(() => [ConductReport])
  reports!: ConductReport[];
  @Field(() => Int) total!: number;
  @Field(() => Int) page!: number;
  @Field(() => Int) limit!: number;
  @Field(() => Int) totalPages!: number;
  @Field(() => Boolean, { description: 'whether the viewer sees assignments (staff of the event; cross-event: staff somewhere)' }) canViewAssignments!: boolean;
  @Field(() => ConductReportStats, { nullable: true, description: 'per event, when asked (withStats)' }) stats?: ConductReportStats | null;
}

@ObjectType({ description: 'One state change of a report' })
export class ConductReportStateHistoryEntry {
  @Field(() => ID) id!: string;
  @Field(() => ConductReportState) fromState!: ConductReportState;
  @Field(() => ConductReportState) toState!: ConductReportState;
  @Field(() => Date) changedAt!: Date;
  @Field(() => String, { nullable: true, description: "the actor's notes: staff only (null for a Reporter)" }) notes!: string | null;
}

@ObjectType({ description: 'A change of a report, as its live view hears it (never notes)' })
export class ConductReportChange {
  @Field(() => ConductReportChangeKind) kind!: ConductReportChangeKind;
  @Field(() => ID) eventId!: string;
  @Field(() => ID) reportId!: string;
  @Field(() => ConductReport, { nullable: true, description: 'the report as it is now (null: it is gone)' }) report!: ConductReport | null;
}
