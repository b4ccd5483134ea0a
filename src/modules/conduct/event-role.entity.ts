import { Entity, Enum, ManyToOne, OptionalProps, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { randomUUID } from 'node:crypto';
import { User } from '../identity/user.entity';
import { ConductEvent } from './event.entity';

/**
 * The event roles (conduct-core.md): Reporter < Responder < Admin. The stored value is the role's name;
 * "Event Admin" is the legacy spelling of Admin (read and written by src/modules/conduct/conduct-roles.ts).
 * A platform ADMIN is the SuperAdmin and holds no event role.
 */
export enum ConductEventRoleName {
  REPORTER = 'Reporter',
  RESPONDER = 'Responder',
  ADMIN = 'Admin',
}
registerEnumType(ConductEventRoleName, { name: 'ConductEventRoleName', description: 'A role in one conduct event: REPORTER < RESPONDER < ADMIN' });

/** A user's role in an event. A user may hold several roles in one event (one row each). */
@ObjectType({ description: "A user's role in a conduct event" })
@Entity({ tableName: 'conduct_event_roles' })
@Unique({ name: 'conduct_event_roles_event_user_role_unique', properties: ['event', 'user', 'role'] })
export class ConductEventRole {
  [OptionalProps]?: 'createdAt';

  @Field(() => ID)
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @ManyToOne(() => ConductEvent, { deleteRule: 'cascade' })
  event!: ConductEvent;

  @ManyToOne(() => User, { deleteRule: 'cascade', index: true })
  user!: User;

  @Field(() => ConductEventRoleName)
  @Enum({ items: () => ConductEventRoleName })
  role!: ConductEventRoleName;

  @Field(() => Date, { description: 'when the role was granted (the "join date" of user lists)' })
  @Property({ type: 'datetime', defaultRaw: 'now()' })
  createdAt: Date = new Date();
}
