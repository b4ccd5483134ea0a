import { Entity, Index, ManyToOne, OptionalProps, PrimaryKeyProp, Property } from '@mikro-orm/core';
import { CompassParty } from './party.entity';
import { CompassQuestion } from './question.entity';

/** One row per party and question (created with the party or the question); score null = unanswered. */
@Entity({ tableName: 'compass_party_answers' })
export class CompassPartyAnswer {
  [PrimaryKeyProp]?: ['party', 'question'];
  [OptionalProps]?: 'score';

  @ManyToOne(() => CompassParty, { primary: true, deleteRule: 'cascade' })
  party!: CompassParty;

  @Index()
  @ManyToOne(() => CompassQuestion, { primary: true, deleteRule: 'cascade' })
  question!: CompassQuestion;

  @Property({ type: 'smallint', nullable: true })
  score?: number | null;
}
