/** A party of the compass (issue 5: `{party_id, name, abbreviation, description, logo_url}`). */
import { Entity, OptionalProps, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import { Field, Int, ObjectType } from 'type-graphql';
import { Timestamped } from '../../db/timestamped';

@ObjectType({ description: 'A political party placed on the compass' })
@Entity({ tableName: 'compass_parties' })
@Unique({ name: 'compass_parties_name_lower_unique', expression: 'create unique index "compass_parties_name_lower_unique" on "compass_parties" (lower("name"))' })
export class CompassParty extends Timestamped {
  [OptionalProps]?: 'description' | 'logoFileId' | 'createdAt' | 'updatedAt';

  @Field(() => Int, { description: "the compass surface's party_id" })
  @PrimaryKey({ type: 'integer', autoincrement: true })
  id!: number;

  @Field(() => String)
  @Property({ type: 'string', length: 200 })
  name!: string;

  @Field(() => String)
  @Property({ type: 'string', length: 20 })
  abbreviation!: string;

  @Field(() => String, { nullable: true })
  @Property({ type: 'text', nullable: true })
  description?: string | null;

  /** The party's unique code, shown once at creation and to its admins. */
  @Property({ type: 'string', length: 16, unique: 'compass_parties_code_unique' })
  code!: string;

  @Property({ type: 'uuid', nullable: true })
  logoFileId?: string | null;
}
