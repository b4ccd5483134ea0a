import { Entity, Index, ManyToOne, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { Field, ID, ObjectType } from 'type-graphql';
import { randomUUID } from 'node:crypto';
import { User } from '../identity/user.entity';
import { Household } from './household.entity';
import { Timestamped } from '../../db/timestamped';

/**
 * An item's owner as every signed-in user sees it: id and username (coparent.md), as REST shows it. The
 * account's other data (role, 2FA, activity, email) stays with the platform's self-or-admin `user` query.
 */
@ObjectType({ description: "An item's owner: id and username", simpleResolvers: true })
export class CoparentItemOwner {
  @Field(() => ID) id!: string;
  @Field(() => String, { nullable: true }) username?: string | null;
}

/**
 * An entry of the family calendar (coparent.md "items"): dated, typed, owned by one user. Everyone
 * signed in reads every item; only the owner or an admin changes one. The services return items with
 * their owner loaded (a list loads its distinct owners in one query), so no field needs a resolver.
 * Deleting a user deletes their items (the foreign key cascades).
 */
@ObjectType({ description: 'A co-parenting calendar item', simpleResolvers: true })
@Entity({ tableName: 'coparent_items' })
@Index({ name: 'coparent_items_household_date_index', properties: ['household', 'date', 'createdAt'] })
export class CoparentItem extends Timestamped {
  [OptionalProps]?: 'body' | 'ownerId' | 'createdAt' | 'updatedAt';

  @Field(() => ID)
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Field(() => String, { description: 'The calendar day, YYYY-MM-DD' })
  @Property({ type: 'date' })
  date!: string;

  @Field(() => String, { description: 'Free-form kind such as EVENT, NOTE or TASK' })
  @Property({ type: 'string', length: 50 })
  type!: string;

  @Field(() => String)
  @Property({ type: 'string', length: 200 })
  title!: string;

  @Field(() => String)
  @Property({ type: 'text', default: '' })
  body: string = '';

  /** The family whose calendar holds the item; nobody outside it sees it (never exposed in the graph). */
  @ManyToOne(() => Household, { deleteRule: 'cascade' })
  household!: Household;

  /** Always loaded where an item leaves the service (lists load every owner in one query). */
  @Field(() => CoparentItemOwner)
  @Index({ name: 'coparent_items_owner_id_index' })
  @ManyToOne(() => User, { deleteRule: 'cascade' })
  owner!: User;

  /** The owner's id: the same column read as a scalar (never written through this property). */
  @Field(() => ID)
  @Property({ type: 'uuid', fieldName: 'owner_id', persist: false })
  ownerId!: string;
}
