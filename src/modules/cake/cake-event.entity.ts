import { Entity, Index, ManyToOne, OptionalProps, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import { Field, ID, ObjectType } from 'type-graphql';
import { randomUUID } from 'node:crypto';
import { User } from '../identity/user.entity';
import { CakeGroup } from './cake-group.entity';
import type { CakePhoto } from './cake-photo.entity';
import { Timestamped } from '../../db/timestamped';

/**
 * A cake event: one group, one baker, one date (cakeplanner.md). A baker signs up at most once per
 * date and group. Relations are exposed through field resolvers (cake.resolver.ts) and loaders.
 */
@ObjectType()
@Entity({ tableName: 'cake_events' })
@Unique({ name: 'cake_events_group_baker_date_unique', properties: ['group', 'baker', 'date'] })
@Index({ name: 'cake_events_group_date_index', properties: ['group', 'date'] })
export class CakeEvent extends Timestamped {
  [OptionalProps]?: 'description' | 'createdAt' | 'updatedAt';

  @Field(() => ID)
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @ManyToOne(() => CakeGroup, { deleteRule: 'cascade' })
  group!: CakeGroup;

  @ManyToOne(() => User, { deleteRule: 'cascade', index: true })
  baker!: User;

  @Field(() => String, { description: 'calendar date, YYYY-MM-DD' })
  @Property({ type: 'date' })
  date!: string;

  @Field(() => String)
  @Property({ type: 'string', length: 1000, default: '' })
  description: string = '';

  /**
   * Not persisted: what a list query already computed (the Hall of Fame's single statement), so that
   * field resolvers answer without loaders.
   */
  preloaded?: CakeEventPreload;
}

export interface CakeEventPreload {
  baker: { id: string; name: string };
  coverPhotoId: string | null;
  rating: { average: number; count: number; myRating: number | null };
  /** the event's group and its photos (oldest first), when the list that read the event had them */
  group?: CakeGroup;
  gallery?: CakePhoto[];
}
