import { Entity, Index, ManyToOne, PrimaryKeyProp, Property } from '@mikro-orm/core';
import { User } from '../identity/user.entity';
import { CompassQuestion } from './question.entity';

/** A user's answered question (unanswered questions have no row). */
@Entity({ tableName: 'compass_user_answers' })
export class CompassUserAnswer {
  [PrimaryKeyProp]?: ['user', 'question'];

  @ManyToOne(() => User, { primary: true, deleteRule: 'cascade' })
  user!: User;

  @Index()
  @ManyToOne(() => CompassQuestion, { primary: true, deleteRule: 'cascade' })
  question!: CompassQuestion;

  @Property({ type: 'smallint' })
  score!: number;
}
