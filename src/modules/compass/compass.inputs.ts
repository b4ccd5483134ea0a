/**
 * GraphQL inputs and result types of the compass domain. Object types are prefixed `Compass` (unambiguous
 * beside cake and conduct); inputs are named for their operation (`CreatePartyInput` for `createParty`).
 */
import { Field, Float, InputType, Int, ObjectType } from 'type-graphql';
import { CompassParty } from './party.entity';
import { CompassAxis, CompassQuestion } from './question.entity';
import { ListSize } from '../../server/cost';
import { PARTIES_MAX, QUESTIONS_MAX } from './list-sizes';

// --- parties -------------------------------------------------------------------------------------

@InputType()
export class CreatePartyInput {
  @Field(() => String) name!: string;
  @Field(() => String) abbreviation!: string;
  @Field(() => String, { nullable: true }) description?: string | null;
}

@InputType({ description: 'The fields given change (null clears the description); name and abbreviation cannot be cleared' })
export class UpdatePartyInput {
  @Field(() => String, { nullable: true }) name?: string | null;
  @Field(() => String, { nullable: true }) abbreviation?: string | null;
  @Field(() => String, { nullable: true }) description?: string | null;
}

@ObjectType()
export class CompassPartyAdminCredentials {
  @Field(() => String) username!: string;
  @Field(() => String, { description: 'shown only in this answer' }) password!: string;
}

@ObjectType()
export class CompassPartyCreated {
  @Field(() => CompassParty) party!: CompassParty;
  @Field(() => String) code!: string;
  @Field(() => CompassPartyAdminCredentials) admin!: CompassPartyAdminCredentials;
}

// --- questions -----------------------------------------------------------------------------------

@InputType()
export class CreateQuestionInput {
  @Field(() => String) text!: string;
  @Field(() => CompassAxis) axis!: CompassAxis;
  @Field(() => Int, { nullable: true, description: '1 or -1 (default 1)' }) direction?: number | null;
  @Field(() => Int, { nullable: true, description: 'default: after the last question' }) position?: number | null;
}

@InputType({ description: 'The fields given change; none of them can be cleared' })
export class UpdateQuestionInput {
  @Field(() => String, { nullable: true }) text?: string | null;
  @Field(() => CompassAxis, { nullable: true }) axis?: CompassAxis | null;
  @Field(() => Int, { nullable: true, description: '1 or -1' }) direction?: number | null;
  @Field(() => Int, { nullable: true }) position?: number | null;
}

// --- answers and positions -----------------------------------------------------------------------

@InputType()
export class CompassAnswerInput {
  @Field(() => Int) questionId!: number;
  @Field(() => String, { description: 'strongly_agree, agree, neutral, disagree, strongly_disagree, or "" (unanswered)' }) answer!: string;
}

@ObjectType()
export class CompassAnswer {
  @Field(() => Int) questionId!: number;
  @Field(() => CompassQuestion) question!: CompassQuestion;
  @Field(() => String, { description: 'strongly_agree, agree, neutral, disagree, strongly_disagree, or "" (unanswered)' }) answer!: string;
}

@ObjectType({ description: 'A point on the compass: x economic, y social, each −10..10' })
export class CompassPosition {
  @Field(() => Float) x!: number;
  @Field(() => Float) y!: number;
  @Field(() => Int, { description: 'questions answered (neutral counts)' }) answered!: number;
  @Field(() => Int, { description: 'questions in total' }) total!: number;
}

@ObjectType()
export class CompassPartyPosition extends CompassPosition {
  @Field(() => CompassParty) party!: CompassParty;
}

@ObjectType()
export class CompassMatch {
  @Field(() => CompassParty) party!: CompassParty;
  @Field(() => Float) x!: number;
  @Field(() => Float) y!: number;
  @Field(() => Float) distance!: number;
  @Field(() => Float, { description: '100 × (1 − distance / (20√2))' }) matchPercentage!: number;
}

// --- analytics -----------------------------------------------------------------------------------

@ObjectType()
export class CompassPoint {
  @Field(() => Float) x!: number;
  @Field(() => Float) y!: number;
}

@ObjectType()
export class CompassAnalyticsTotals {
  @Field(() => Int, { description: 'accounts that can answer: not deleted, not party admins' }) users!: number;
  @Field(() => Int) parties!: number;
  @Field(() => Int) questions!: number;
  @Field(() => Int, { description: 'answered questions of those users' }) answers!: number;
  @Field(() => Int, { description: 'users with at least one answer' }) usersAnswered!: number;
  @Field(() => Int, { description: 'users who answered every question' }) usersCompleted!: number;
}

@ObjectType()
export class CompassQuestionStats {
  @Field(() => CompassQuestion) question!: CompassQuestion;
  @Field(() => Int) stronglyAgree!: number;
  @Field(() => Int) agree!: number;
  @Field(() => Int) neutral!: number;
  @Field(() => Int) disagree!: number;
  @Field(() => Int) stronglyDisagree!: number;
  @Field(() => Int) unanswered!: number;
}

@ObjectType()
export class CompassTopMatchCount {
  @Field(() => CompassParty) party!: CompassParty;
  @Field(() => Int, { description: 'users (with at least one answer) whose nearest party this is' }) users!: number;
}

@ObjectType()
export class CompassAnalytics {
  @Field(() => CompassAnalyticsTotals) totals!: CompassAnalyticsTotals;
  @Field(() => Float, { description: 'percent of users who answered every question (0..100)' }) completionRate!: number;
  @ListSize({ max: QUESTIONS_MAX })
  @Field(() => [CompassQuestionStats])
  distribution!: CompassQuestionStats[];
  @ListSize({ max: PARTIES_MAX })
  @Field(() => [CompassTopMatchCount])
  topMatches!: CompassTopMatchCount[];
  @Field(() => CompassPoint, { description: 'mean position of users with at least one answer' }) meanPosition!: CompassPoint;
  @Field(() => Date) generatedAt!: Date;
}
