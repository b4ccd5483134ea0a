import { Entity, Enum, Index, ManyToOne, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { randomUUID } from 'node:crypto';
import { Timestamped } from '../../db/timestamped';
import { User } from '../identity/user.entity';
import { ConductEvent } from './event.entity';

export enum ConductReportType {
  HARASSMENT = 'harassment',
  SAFETY = 'safety',
  OTHER = 'other',
}
registerEnumType(ConductReportType, { name: 'ConductReportType' });

/** conduct-reports.md "States": any state may follow any other. */
export enum ConductReportState {
  SUBMITTED = 'submitted',
  ACKNOWLEDGED = 'acknowledged',
  INVESTIGATING = 'investigating',
  RESOLVED = 'resolved',
  CLOSED = 'closed',
}
registerEnumType(ConductReportState, { name: 'ConductReportState' });

export enum ConductReportSeverity {
  LOW = 'low',
  MEDIUM = 'medium',
  HIGH = 'high',
  CRITICAL = 'critical',
}
registerEnumType(ConductReportSeverity, { name: 'ConductReportSeverity' });

export enum ConductContactPreference {
  EMAIL = 'email',
  PHONE = 'phone',
  IN_PERSON = 'in_person',
  NO_CONTACT = 'no_contact',
}
registerEnumType(ConductContactPreference, { name: 'ConductContactPreference' });

/**
 * An incident report (conduct-reports.md "Report object"). This is the table part 1 counts
 * (`_count.reports`, SuperAdmin statistics); the report operations, evidence, comments and notifications
 * extend it. Deleting the event deletes its reports; deleting the reporter or the assignee keeps the
 * report with the person unset.
 */
@ObjectType({ description: 'An incident report in a conduct event' })
@Entity({ tableName: 'conduct_reports' })
@Index({ name: 'conduct_reports_event_created_index', properties: ['event', 'createdAt'] })
@Index({ name: 'conduct_reports_event_state_index', properties: ['event', 'state'] })
export class ConductReport extends Timestamped {
  [OptionalProps]?:
    'reporter' | 'state' | 'severity' | 'resolution' | 'location' | 'contactPreference' | 'incidentAt' | 'parties' | 'assignedResponder' | 'createdAt' | 'updatedAt';

  @Field(() => ID)
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @ManyToOne(() => ConductEvent, { deleteRule: 'cascade' })
  event!: ConductEvent;

  @Index({ name: 'conduct_reports_reporter_id_index' })
  @ManyToOne(() => User, { nullable: true, deleteRule: 'set null' })
  reporter?: User | null;

  /** 10–70 characters (checked by the service) */
  @Field(() => String)
  @Property({ type: 'string', length: 200 })
  title!: string;

  @Field(() => String)
  @Property({ type: 'text' })
  description!: string;

  @Field(() => ConductReportType)
  @Enum({ items: () => ConductReportType })
  type!: ConductReportType;

  @Field(() => ConductReportState)
  @Enum({ items: () => ConductReportState, default: ConductReportState.SUBMITTED })
  state: ConductReportState = ConductReportState.SUBMITTED;

  @Field(() => ConductReportSeverity, { nullable: true })
  @Enum({ items: () => ConductReportSeverity, nullable: true })
  severity?: ConductReportSeverity | null;

  @Field(() => String, { nullable: true })
  @Property({ type: 'text', nullable: true })
  resolution?: string | null;

  @Field(() => String, { nullable: true })
  @Property({ type: 'text', nullable: true })
  location?: string | null;

  @Field(() => ConductContactPreference)
  @Enum({ items: () => ConductContactPreference, default: ConductContactPreference.EMAIL })
  contactPreference: ConductContactPreference = ConductContactPreference.EMAIL;

  @Field(() => Date, { nullable: true })
  @Property({ type: 'datetime', nullable: true })
  incidentAt?: Date | null;

  @Field(() => String, { nullable: true })
  @Property({ type: 'text', nullable: true })
  parties?: string | null;

  @Index({ name: 'conduct_reports_assigned_responder_id_index' })
  @ManyToOne(() => User, { nullable: true, deleteRule: 'set null' })
  assignedResponder?: User | null;
}
