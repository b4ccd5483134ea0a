import { Entity, ManyToOne, OptionalProps, Property } from '@mikro-orm/core';
import { User } from '../identity/user.entity';

/** Compass-only attributes of a shared user. */
@Entity({ tableName: 'compass_profiles' })
export class CompassProfile {
  [OptionalProps]?: 'patientNumber';

  @ManyToOne(() => User, { primary: true, deleteRule: 'cascade' })
  user!: User;

  @Property({ type: 'integer', nullable: true })
  patientNumber?: number | null;
}
