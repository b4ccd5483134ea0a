import { Entity, Enum, Index, ManyToOne, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { randomUUID } from 'node:crypto';
import { User } from '../identity/user.entity';
import { ConductEvent } from './event.entity';
import { ConductReport } from './report.entity';

export enum ConductNotificationPriority {
  LOW = 'low',
  NORMAL = 'normal',
  HIGH = 'high',
  URGENT = 'urgent',
}
registerEnumType(ConductNotificationPriority, { name: 'ConductNotificationPriority' });

/**
 * A notification for one user (conduct-reports.md "Notifications"), created in the unit of work of the
 * change that causes it. `type` is upstream's snake_case name (`report_submitted`,
 * `report_status_changed`, `report_assigned`, `report_comment_added`, …). Deleting the user, the event or
 * the report deletes it.
 */
@ObjectType({ description: "A conduct notification (only ever its recipient's)" })
@Entity({ tableName: 'conduct_notifications' })
@Index({ name: 'conduct_notifications_user_created_index', properties: ['user', 'createdAt'] })
@Index({ name: 'conduct_notifications_user_read_index', properties: ['user', 'isRead'] })
export class ConductNotification {
  [OptionalProps]?: 'priority' | 'isRead' | 'readAt' | 'event' | 'report' | 'actionUrl' | 'createdAt';

  @Field(() => ID)
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @ManyToOne(() => User, { deleteRule: 'cascade' })
  user!: User;

  @Field(() => String)
  @Property({ type: 'string', length: 50 })
  type!: string;

  @Field(() => ConductNotificationPriority)
  @Enum({ items: () => ConductNotificationPriority, default: ConductNotificationPriority.NORMAL })
  priority: ConductNotificationPriority = ConductNotificationPriority.NORMAL;

  @Field(() => String)
  @Property({ type: 'string', length: 200 })
  title!: string;

  @Field(() => String)
  @Property({ type: 'text' })
  message!: string;

  @Field(() => Boolean)
  @Property({ type: 'boolean', default: false })
  isRead: boolean = false;

  @Field(() => Date, { nullable: true })
  @Property({ type: 'datetime', nullable: true })
  readAt?: Date | null;

  @Index({ name: 'conduct_notifications_event_id_index' })
  @ManyToOne(() => ConductEvent, { nullable: true, deleteRule: 'cascade' })
  event?: ConductEvent | null;

  @Index({ name: 'conduct_notifications_report_id_index' })
  @ManyToOne(() => ConductReport, { nullable: true, deleteRule: 'cascade' })
  report?: ConductReport | null;

  /** the frontend path `/events/<slug>/reports/<id>`, or null */
  @Field(() => String, { nullable: true })
  @Property({ type: 'string', length: 300, nullable: true })
  actionUrl?: string | null;

  @Field(() => Date)
  @Property({ type: 'datetime', defaultRaw: 'now()' })
  createdAt: Date = new Date();
}
