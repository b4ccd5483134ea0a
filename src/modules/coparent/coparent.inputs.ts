import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { CoparentItem } from './coparent-item.entity';
import { CoparentScheduleBlock } from './schedule-block.entity';
import { ListSize } from '../../server/cost';
import { BLOCKS_MAX, SCHEDULE_MAX_DAYS } from './list-sizes';

// --- items ---------------------------------------------------------------------------------------

@InputType()
export class CreateCoparentItemInput {
  @Field(() => String, { description: 'YYYY-MM-DD' }) date!: string;
  @Field(() => String) type!: string;
  @Field(() => String) title!: string;
  @Field(() => String, { nullable: true }) body?: string | null;
  @Field(() => ID, { nullable: true, description: 'Admins only: create the item for another user' }) ownerId?: string | null;
}

@InputType({ description: 'Fields left out stay as they are; at least one is required' })
export class UpdateCoparentItemInput {
  @Field(() => String, { nullable: true }) title?: string | null;
  @Field(() => String, { nullable: true }) body?: string | null;
  @Field(() => String, { nullable: true }) type?: string | null;
}

export enum CoparentChangeKind {
  CREATED = 'CREATED',
  UPDATED = 'UPDATED',
  DELETED = 'DELETED',
}
registerEnumType(CoparentChangeKind, { name: 'CoparentChangeKind' });

@ObjectType()
export class CoparentItemChange {
  @Field(() => CoparentChangeKind) kind!: CoparentChangeKind;
  @Field(() => ID) itemId!: string;
  @Field(() => String, { description: "The item's day, YYYY-MM-DD" }) date!: string;
  @Field(() => CoparentItem, { nullable: true, description: 'null when deleted' }) item!: CoparentItem | null;
}

// --- schedule ------------------------------------------------------------------------------------

@ObjectType({ description: 'A day of the schedule and the block that decides it', simpleResolvers: true })
export class CoparentScheduleDay {
  @Field(() => String, { description: 'YYYY-MM-DD' }) date!: string;
  @Field(() => String) owner!: string;
  @Field(() => String, { nullable: true }) label!: string | null;
  @Field(() => String, { nullable: true }) color!: string | null;
  @Field(() => ID) blockId!: string;
}

@ObjectType()
export class CoparentSchedule {
  @Field(() => String, { description: 'First day of the range, YYYY-MM-DD' }) start!: string;
  @Field(() => String, { description: 'Last day of the range (inclusive), YYYY-MM-DD' }) end!: string;
  @ListSize({ max: SCHEDULE_MAX_DAYS })
  @Field(() => [CoparentScheduleDay], { description: 'Only the days a block covers; overlaps go to the most recently updated block' })
  days!: CoparentScheduleDay[];
  @ListSize({ max: BLOCKS_MAX })
  @Field(() => [CoparentScheduleBlock], { description: 'Blocks overlapping the range, by startDate' })
  blocks!: CoparentScheduleBlock[];
}

@InputType()
export class CreateCoparentScheduleBlockInput {
  @Field(() => String) startDate!: string;
  @Field(() => String) endDate!: string;
  @Field(() => String) owner!: string;
  @Field(() => String, { nullable: true }) label?: string | null;
  @Field(() => String, { nullable: true }) color?: string | null;
}

@InputType({ description: 'Fields left out stay as they are; label and color may be set to null' })
export class UpdateCoparentScheduleBlockInput {
  @Field(() => String, { nullable: true }) startDate?: string | null;
  @Field(() => String, { nullable: true }) endDate?: string | null;
  @Field(() => String, { nullable: true }) owner?: string | null;
  @Field(() => String, { nullable: true }) label?: string | null;
  @Field(() => String, { nullable: true }) color?: string | null;
}

@InputType()
export class CoparentCycleTemplateDayInput {
  @Field(() => Int) dayIndex!: number;
  @Field(() => String) owner!: string;
  @Field(() => String, { nullable: true }) label?: string | null;
  @Field(() => String, { nullable: true }) color?: string | null;
}

@InputType()
export class CoparentCycleTemplateInput {
  @Field(() => String) name!: string;
  @Field(() => [CoparentCycleTemplateDayInput], { description: '1 to 42 entries covering indices 0..n-1' }) days!: CoparentCycleTemplateDayInput[];
}

@InputType()
export class ApplyCoparentCycleTemplateInput {
  @Field(() => String, { description: 'First day of the first cycle, YYYY-MM-DD' }) anchorDate!: string;
  @Field(() => Int, { nullable: true, description: 'How many cycles to lay out (default 6, at most 100)' }) cycles?: number | null;
  @Field(() => Boolean, { nullable: true, description: 'Delete every block overlapping the range first (default false)' })
  replaceExisting?: boolean | null;
}

@ObjectType()
export class CoparentCycleApplyResult {
  @Field(() => Int) blocksCreated!: number;
  @Field(() => Int) blocksDeleted!: number;
  @Field(() => String, { description: 'First day covered, YYYY-MM-DD' }) startDate!: string;
  @Field(() => String, { description: 'Last day covered (inclusive), YYYY-MM-DD' }) endDate!: string;
}

export enum CoparentScheduleChangeKind {
  BLOCK_CREATED = 'BLOCK_CREATED',
  BLOCK_UPDATED = 'BLOCK_UPDATED',
  BLOCK_DELETED = 'BLOCK_DELETED',
  TEMPLATE_SAVED = 'TEMPLATE_SAVED',
  TEMPLATE_APPLIED = 'TEMPLATE_APPLIED',
}
registerEnumType(CoparentScheduleChangeKind, { name: 'CoparentScheduleChangeKind' });

@ObjectType({ description: 'A change of the schedule; TEMPLATE_SAVED reaches admins only' })
export class CoparentScheduleChange {
  @Field(() => CoparentScheduleChangeKind) kind!: CoparentScheduleChangeKind;
  @Field(() => ID, { nullable: true }) blockId!: string | null;
  @Field(() => CoparentScheduleBlock, { nullable: true, description: 'The block after the change; null when deleted or not about one block' })
  block!: CoparentScheduleBlock | null;
  @Field(() => String, { nullable: true, description: 'First day affected (for an update: of the old and new ranges together)' }) startDate!: string | null;
  @Field(() => String, { nullable: true, description: 'Last day affected, inclusive' }) endDate!: string | null;
}
