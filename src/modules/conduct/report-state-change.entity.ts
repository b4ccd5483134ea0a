import { Entity, Enum, Index, ManyToOne, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { Field, ID, ObjectType } from 'type-graphql';
import { randomUUID } from 'node:crypto';
import { User } from '../identity/user.entity';
import { ConductReport, ConductReportState } from './report.entity';

/**
 * One state change of a report (conduct-reports.md "state-history"), written in the unit of work of the
 * change. `notes` are the actor's notes (also stored as an internal comment): staff only, never shown to
 * a Reporter, so the GraphQL type leaves them out and the service adds them for staff.
 */
@ObjectType({ description: 'A state change of a conduct report' })
@Entity({ tableName: 'conduct_report_state_changes' })
@Index({ name: 'conduct_report_state_changes_report_created_index', properties: ['report', 'createdAt'] })
export class ConductReportStateChange {
  [OptionalProps]?: 'changedBy' | 'notes' | 'createdAt';

  @Field(() => ID)
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @ManyToOne(() => ConductReport, { deleteRule: 'cascade' })
  report!: ConductReport;

  @Field(() => ConductReportState)
  @Enum({ items: () => ConductReportState })
  fromState!: ConductReportState;

  @Field(() => ConductReportState)
  @Enum({ items: () => ConductReportState })
  toState!: ConductReportState;

  @Index({ name: 'conduct_report_state_changes_changed_by_id_index' })
  @ManyToOne(() => User, { nullable: true, deleteRule: 'set null' })
  changedBy?: User | null;

  @Property({ type: 'text', nullable: true })
  notes?: string | null;

  @Field(() => Date)
  @Property({ type: 'datetime', defaultRaw: 'now()' })
  createdAt: Date = new Date();
}
