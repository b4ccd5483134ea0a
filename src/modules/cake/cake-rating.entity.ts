import { Check, Entity, ManyToOne, OptionalProps, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import { Field, ID, Int, ObjectType } from 'type-graphql';
import { randomUUID } from 'node:crypto';
import { User } from '../identity/user.entity';
import { CakeEvent } from './cake-event.entity';
import { Timestamped } from '../../db/timestamped';

/** One user's 1–5 star rating of one event (upserted: one per user and event). */
@ObjectType()
@Entity({ tableName: 'cake_ratings' })
@Unique({ name: 'cake_ratings_event_user_unique', properties: ['event', 'user'] })
@Check({ name: 'cake_ratings_stars_check', expression: 'stars >= 1 and stars <= 5' })
export class CakeRating extends Timestamped {
  [OptionalProps]?: 'comment' | 'createdAt' | 'updatedAt';

  @Field(() => ID)
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @ManyToOne(() => CakeEvent, { deleteRule: 'cascade' })
  event!: CakeEvent;

  @ManyToOne(() => User, { deleteRule: 'cascade', index: true })
  user!: User;

  @Field(() => Int)
  @Property({ type: 'smallint' })
  stars!: number;

  @Field(() => String, { nullable: true })
  @Property({ type: 'string', length: 1000, nullable: true })
  comment?: string | null;
}
