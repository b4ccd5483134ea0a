import { Entity, Enum, Index, ManyToOne, OptionalProps, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { randomUUID } from 'node:crypto';
import { User } from './user.entity';
import { Application } from './enrollment';
import { Household } from '../coparent/household.entity';

export enum MembershipStatus {
  /** may use the application */
  ACTIVE = 'ACTIVE',
  /** registered there, waiting for an admin of the application (cakeplanner) */
  PENDING = 'PENDING',
  /** turned off by an admin of the application */
  DISABLED = 'DISABLED',
}
registerEnumType(MembershipStatus, { name: 'MembershipStatus' });

export enum MembershipRole {
  USER = 'USER',
  /** the application's own admin (coparent: the household's admin); the global ADMIN is above every one */
  ADMIN = 'ADMIN',
}
registerEnumType(MembershipRole, { name: 'MembershipRole', description: 'A role within one application (coparent: within the household)' });

/**
 * Enrollment (ARCHITECTURE.md "One identity, separate applications"): a user may use an application
 * while they hold an ACTIVE membership of it. One per user and application; coparent's names the
 * household. Every change notifies the session caches (a trigger, migration …_enrollment), because the
 * viewer's memberships are read with the session check (auth-store.ts).
 */
@ObjectType({ description: "A user's enrollment in one application: status, role there (coparent: and household)" })
@Entity({ tableName: 'app_memberships' })
@Unique({ name: 'app_memberships_user_application_unique', properties: ['user', 'application'] })
export class AppMembership {
  [OptionalProps]?: 'status' | 'role' | 'household' | 'createdAt' | 'updatedAt';

  @Field(() => ID)
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @ManyToOne(() => User, { deleteRule: 'cascade' })
  user!: User;

  @Field(() => Application)
  @Enum({ items: () => Application })
  application!: Application;

  @Field(() => MembershipStatus)
  @Enum({ items: () => MembershipStatus, default: MembershipStatus.ACTIVE })
  status: MembershipStatus = MembershipStatus.ACTIVE;

  @Field(() => MembershipRole)
  @Enum({ items: () => MembershipRole, default: MembershipRole.USER })
  role: MembershipRole = MembershipRole.USER;

  /** coparent: the household the user belongs to */
  @Index()
  @ManyToOne(() => Household, { nullable: true, deleteRule: 'cascade' })
  household?: Household | null;

  @Field(() => Date)
  @Property({ type: 'datetime', defaultRaw: 'now()' })
  createdAt: Date = new Date();

  @Field(() => Date)
  @Property({ type: 'datetime', defaultRaw: 'now()', onUpdate: () => new Date() })
  updatedAt: Date = new Date();
}
