/** Compass questions; answers are stored as scores −2..2 (strongly_disagree..strongly_agree). */
import { Entity, Index, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { Field, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Timestamped } from '../../db/timestamped';

export enum CompassAxis {
  ECONOMIC = 'economic',
  SOCIAL = 'social',
}
registerEnumType(CompassAxis, { name: 'CompassAxis', description: 'economic is the x axis, social the y axis' });

@ObjectType({ description: 'A compass statement; agreeing moves along its axis in its direction' })
@Entity({ tableName: 'compass_questions' })
export class CompassQuestion extends Timestamped {
  [OptionalProps]?: 'createdAt' | 'updatedAt';

  @Field(() => Int, { description: "the compass surface's question_id" })
  @PrimaryKey({ type: 'integer', autoincrement: true })
  id!: number;

  @Field(() => String)
  @Property({ type: 'text' })
  text!: string;

  @Field(() => CompassAxis)
  @Property({ type: 'string', length: 10 })
  axis!: CompassAxis;

  @Field(() => Int, { description: '1 or -1: the sign agreeing gives on the axis' })
  @Property({ type: 'smallint' })
  direction!: number;

  @Field(() => Int, { description: 'display order' })
  @Index()
  @Property({ type: 'integer' })
  position!: number;
}
