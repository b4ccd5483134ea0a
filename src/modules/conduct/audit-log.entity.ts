import { Entity, Index, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { Field, ID, ObjectType } from 'type-graphql';
import { GraphQLJSONObject } from 'graphql-scalars';
import { randomUUID } from 'node:crypto';

/**
 * One entry of conduct's audit log (upstream's AuditLog): who did what to which target, in which event
 * or organization. Written by `audit()` (conduct-access.ts) in the unit of work of every state-changing
 * conduct operation. The ids are plain columns, not foreign keys: the log outlives what it names (the
 * entry of a deleted organization or user stays readable).
 */
@ObjectType({ description: 'An entry of the conduct audit log' })
@Entity({ tableName: 'conduct_audit_logs' })
@Index({ name: 'conduct_audit_logs_event_created_index', properties: ['eventId', 'createdAt'] })
@Index({ name: 'conduct_audit_logs_organization_created_index', properties: ['organizationId', 'createdAt'] })
@Index({ name: 'conduct_audit_logs_target_index', properties: ['targetType', 'targetId'] })
export class ConductAuditLog {
  [OptionalProps]?: 'actorId' | 'eventId' | 'organizationId' | 'details' | 'createdAt';

  @Field(() => ID)
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  /** the user who acted; null for the system (or an anonymous action such as a registration's own) */
  @Field(() => ID, { nullable: true })
  @Index({ name: 'conduct_audit_logs_actor_id_index' })
  @Property({ type: 'uuid', nullable: true })
  actorId?: string | null;

  /** a verb in snake_case: `create_event`, `grant_event_role`, `register_with_invite`… */
  @Field(() => String)
  @Property({ type: 'string', length: 100 })
  action!: string;

  /** `Event`, `Organization`, `User`, `Invite`, `Report`, `SystemSetting`… */
  @Field(() => String)
  @Property({ type: 'string', length: 50 })
  targetType!: string;

  @Field(() => String)
  @Property({ type: 'string', length: 100 })
  targetId!: string;

  @Field(() => ID, { nullable: true })
  @Property({ type: 'uuid', nullable: true })
  eventId?: string | null;

  @Field(() => ID, { nullable: true })
  @Property({ type: 'uuid', nullable: true })
  organizationId?: string | null;

  @Field(() => GraphQLJSONObject, { nullable: true })
  @Property({ type: 'jsonb', nullable: true })
  details?: Record<string, unknown> | null;

  @Field(() => Date)
  @Property({ type: 'datetime', defaultRaw: 'now()' })
  createdAt: Date = new Date();
}
