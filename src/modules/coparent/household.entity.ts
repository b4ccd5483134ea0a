import { Entity, Index, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { Field, ID, ObjectType } from 'type-graphql';
import { randomUUID } from 'node:crypto';

/**
 * A family's private coparent space (ARCHITECTURE.md "One identity, separate applications"): it owns
 * its calendar items, schedule blocks and cycle template; its members hold a coparent membership
 * (AppMembership, with the household and their role there). A deployment may hold many; exactly one
 * is the default, the household of a legacy single-family deployment and of the bootstrap admin.
 */
@ObjectType({ description: "A family's private coparent space: its items, schedule and template" })
@Entity({ tableName: 'coparent_households' })
@Index({ name: 'coparent_households_one_default', expression: 'create unique index "coparent_households_one_default" on "coparent_households" ("is_default") where "is_default"' })
export class Household {
  [OptionalProps]?: 'isDefault' | 'createdAt';

  @Field(() => ID)
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Field(() => String)
  @Property({ type: 'string', length: 200 })
  name!: string;

  @Field(() => Boolean, { description: "The deployment's default household (the legacy single family)" })
  @Property({ type: 'boolean', default: false })
  isDefault: boolean = false;

  @Field(() => Date)
  @Property({ type: 'datetime', defaultRaw: 'now()' })
  createdAt: Date = new Date();
}
