import { Entity, Enum, ManyToOne, OptionalProps, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { randomUUID } from 'node:crypto';
import { User } from '../identity/user.entity';

/** A user's role inside one cake group (cakeplanner's "group admin"); the global ADMIN role lives on User. */
export enum CakeGroupRole {
  MEMBER = 'member',
  ADMIN = 'admin',
}
registerEnumType(CakeGroupRole, { name: 'CakeGroupRole', description: 'Role within one cake group' });

/** A team sharing one cake calendar. Names are unique case-insensitively. */
@ObjectType()
@Entity({ tableName: 'cake_groups' })
@Unique({ name: 'cake_groups_name_lower_unique', expression: 'create unique index "cake_groups_name_lower_unique" on "cake_groups" (lower("name"))' })
export class CakeGroup {
  [OptionalProps]?: 'description' | 'createdAt';

  @Field(() => ID)
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Field(() => String)
  @Property({ type: 'string', length: 100 })
  name!: string;

  @Field(() => String, { nullable: true })
  @Property({ type: 'string', length: 1000, nullable: true })
  description?: string | null;

  @Field(() => Date)
  @Property({ type: 'datetime', defaultRaw: 'now()' })
  createdAt: Date = new Date();
}

/** Membership of a user in a cake group, with the group role. */
@ObjectType()
@Entity({ tableName: 'cake_memberships' })
@Unique({ properties: ['group', 'user'] })
export class CakeMembership {
  [OptionalProps]?: 'role' | 'createdAt';

  @Field(() => ID)
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @ManyToOne(() => CakeGroup, { deleteRule: 'cascade' })
  group!: CakeGroup;

  @ManyToOne(() => User, { deleteRule: 'cascade', index: true })
  user!: User;

  @Field(() => CakeGroupRole)
  @Enum({ items: () => CakeGroupRole, nativeEnumName: 'cake_group_role', default: CakeGroupRole.MEMBER })
  role: CakeGroupRole = CakeGroupRole.MEMBER;

  @Field(() => Date)
  @Property({ type: 'datetime', defaultRaw: 'now()' })
  createdAt: Date = new Date();
}
