import { Entity, ManyToOne, OptionalProps, Property } from '@mikro-orm/core';
import { User } from '../identity/user.entity';

/**
 * A user's compass sums per axis (Σ score × direction and the number answered), kept in step with
 * compass_user_answers by every write in compass.service, so that analytics over every user reads one
 * small row per user instead of all their answers (issue 5: analytics of 10,000 users in < 200 ms).
 */
@Entity({ tableName: 'compass_user_scores' })
export class CompassUserScore {
  [OptionalProps]?: 'economicSum' | 'economicCount' | 'socialSum' | 'socialCount';

  @ManyToOne(() => User, { primary: true, deleteRule: 'cascade' })
  user!: User;

  @Property({ type: 'integer', default: 0 })
  economicSum: number = 0;

  @Property({ type: 'integer', default: 0 })
  economicCount: number = 0;

  @Property({ type: 'integer', default: 0 })
  socialSum: number = 0;

  @Property({ type: 'integer', default: 0 })
  socialCount: number = 0;
}
