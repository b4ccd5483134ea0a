import { Entity, OneToOne, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { Field, ID, Int, ObjectType } from 'type-graphql';
import { randomUUID } from 'node:crypto';
import { Household } from './household.entity';
import { Timestamped } from '../../db/timestamped';
import { ListSize } from '../../server/cost';
import { TEMPLATE_MAX_DAYS } from './list-sizes';

@ObjectType({ description: 'One day of the custody cycle template' })
export class CoparentCycleTemplateDay {
  @Field(() => Int, { description: '0-based position in the cycle' }) dayIndex!: number;
  @Field(() => String) owner!: string;
  @Field(() => String, { nullable: true }) label!: string | null;
  @Field(() => String, { nullable: true }) color!: string | null;
}

/**
 * The custody cycle template (coparent.md "templates/cycle"): 1 to 42 days, indices 0..n-1, laid out
 * from an anchor date to generate schedule blocks. A household has one active template: saving replaces it.
 */
@ObjectType({ description: 'The active custody cycle template' })
@Entity({ tableName: 'coparent_cycle_templates' })
export class CoparentCycleTemplate extends Timestamped {
  [OptionalProps]?: 'createdAt' | 'updatedAt';

  @Field(() => ID)
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  /** The family whose template it is: one per household (never exposed in the graph). */
  @OneToOne(() => Household, { owner: true, deleteRule: 'cascade', unique: 'coparent_cycle_templates_household_unique' })
  household!: Household;

  @Field(() => String)
  @Property({ type: 'string', length: 200 })
  name!: string;

  @ListSize({ max: TEMPLATE_MAX_DAYS })
  @Field(() => [CoparentCycleTemplateDay], { description: 'Sorted by dayIndex, contiguous from 0' })
  @Property({ type: 'json' })
  days!: CoparentCycleTemplateDay[];
}
