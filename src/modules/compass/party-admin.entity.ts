import { Entity, Index, ManyToOne, OptionalProps, PrimaryKeyProp, Property } from '@mikro-orm/core';
import { User } from '../identity/user.entity';
import { CompassParty } from './party.entity';

/** A party admin: an account linked to a party (created with the party). */
@Entity({ tableName: 'compass_party_admins' })
export class CompassPartyAdmin {
  [PrimaryKeyProp]?: ['party', 'user'];
  [OptionalProps]?: 'createdAt';

  @ManyToOne(() => CompassParty, { primary: true, deleteRule: 'cascade' })
  party!: CompassParty;

  @Index()
  @ManyToOne(() => User, { primary: true, deleteRule: 'cascade' })
  user!: User;

  @Property({ type: 'datetime', defaultRaw: 'now()' })
  createdAt: Date = new Date();
}
