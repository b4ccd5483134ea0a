import { Entity, Index, ManyToOne, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { Field, ID, ObjectType } from 'type-graphql';
import { randomUUID } from 'node:crypto';
import { Household } from './household.entity';
import { Timestamped } from '../../db/timestamped';

/**
 * A custody schedule block (coparent.md "schedule"): an inclusive range of days with the parent who has
 * the children. `owner` is a display name ("Parent A"), not a user. Blocks may overlap; where they do,
 * the most recently updated block decides the day (schedule.service.ts).
 */
@ObjectType({ description: 'A custody schedule block: inclusive days with an owner label', simpleResolvers: true })
@Entity({ tableName: 'coparent_schedule_blocks' })
@Index({ name: 'coparent_schedule_blocks_range_index', properties: ['household', 'startDate', 'endDate'] })
export class CoparentScheduleBlock extends Timestamped {
  [OptionalProps]?: 'label' | 'color' | 'createdAt' | 'updatedAt';

  @Field(() => ID)
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  /** The family whose schedule it is (never exposed in the graph). */
  @ManyToOne(() => Household, { deleteRule: 'cascade' })
  household!: Household;

  @Field(() => String, { description: 'First day, YYYY-MM-DD' })
  @Property({ type: 'date' })
  startDate!: string;

  @Field(() => String, { description: 'Last day (inclusive), YYYY-MM-DD' })
  @Property({ type: 'date' })
  endDate!: string;

  @Field(() => String, { description: 'Who has the children, e.g. "Parent A"' })
  @Property({ type: 'string', length: 100 })
  owner!: string;

  @Field(() => String, { nullable: true })
  @Property({ type: 'string', length: 100, nullable: true })
  label?: string | null;

  @Field(() => String, { nullable: true })
  @Property({ type: 'string', length: 50, nullable: true })
  color?: string | null;
}
