/**
 * What compass's live views receive (issue 14 "every resource live"): parties, questions and party
 * answers (public data: anyone enrolled in compass), and a user's own answers, position and matches.
 */
import { Field, Int, ObjectType, registerEnumType } from 'type-graphql';
import { CompassParty } from './party.entity';
import { CompassQuestion } from './question.entity';
import { CompassAnswer } from './compass.inputs';
import { ListSize } from '../../server/cost';
import { QUESTIONS_MAX } from './list-sizes';

export enum CompassChangeKind {
  CREATED = 'CREATED',
  UPDATED = 'UPDATED',
  DELETED = 'DELETED',
}
registerEnumType(CompassChangeKind, { name: 'CompassChangeKind' });

/** Why the subscriber's own answers, position or matches may have changed. */
export enum CompassMyAnswersChangeKind {
  ANSWERS = 'ANSWERS',
  QUESTIONS = 'QUESTIONS',
  PARTIES = 'PARTIES',
}
registerEnumType(CompassMyAnswersChangeKind, {
  name: 'CompassMyAnswersChangeKind',
  description:
    'ANSWERS: their answers were replaced (by them or an admin); QUESTIONS: a question was created, changed or deleted; PARTIES: a party or its answers changed (matches)',
});

@ObjectType()
export class CompassPartyChange {
  @Field(() => CompassChangeKind) kind!: CompassChangeKind;
  @Field(() => Int) partyId!: number;
  @Field(() => CompassParty, { nullable: true, description: 'the party as it is now; null once deleted' }) party!: CompassParty | null;
}

@ObjectType()
export class CompassQuestionChange {
  @Field(() => CompassChangeKind) kind!: CompassChangeKind;
  @Field(() => Int) questionId!: number;
  @Field(() => CompassQuestion, { nullable: true, description: 'the question as it is now; null once deleted' }) question!: CompassQuestion | null;
}

@ObjectType({ description: "A party's answer list: CREATED and DELETED with the party, UPDATED when it is replaced (a new or deleted question is compassQuestionChanged)" })
export class CompassPartyAnswerChange {
  @Field(() => CompassChangeKind) kind!: CompassChangeKind;
  @Field(() => Int) partyId!: number;
  @ListSize({ max: QUESTIONS_MAX })
  @Field(() => [CompassAnswer], { nullable: true, description: "every question with the party's answer, as it is now; null once the party is deleted" })
  answers!: CompassAnswer[] | null;
}

/** The subscriber's own compass state; its fields are read for them when selected. */
@ObjectType()
export class CompassMyAnswersChange {
  @Field(() => CompassMyAnswersChangeKind) kind!: CompassMyAnswersChangeKind;
  @Field(() => Int, { description: "the subscriber's user number" }) userNumber!: number;
}
