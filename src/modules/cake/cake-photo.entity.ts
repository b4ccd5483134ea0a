import { Entity, ManyToOne, OptionalProps, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import { Field, ID, ObjectType } from 'type-graphql';
import { randomUUID } from 'node:crypto';
import { User } from '../identity/user.entity';
import { CakeEvent } from './cake-event.entity';

/**
 * One user's photo of one event (a new upload replaces theirs); the baker's photo is the cover.
 * The bytes live in stored_files; a trigger (migration "cake") deletes them with the row, however the
 * row goes (event, group or user deleted, photo replaced).
 */
@ObjectType()
@Entity({ tableName: 'cake_photos' })
@Unique({ name: 'cake_photos_event_user_unique', properties: ['event', 'user'] })
export class CakePhoto {
  [OptionalProps]?: 'createdAt';

  @Field(() => ID)
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @ManyToOne(() => CakeEvent, { deleteRule: 'cascade' })
  event!: CakeEvent;

  @ManyToOne(() => User, { deleteRule: 'cascade', index: true })
  user!: User;

  @Field(() => ID, { description: 'the stored file holding the bytes' })
  @Property({ type: 'uuid', unique: 'cake_photos_file_id_unique' })
  fileId!: string;

  @Field(() => String)
  @Property({ type: 'string', length: 100 })
  contentType!: string;

  @Field(() => Date)
  @Property({ type: 'datetime', defaultRaw: 'now()' })
  createdAt: Date = new Date();
}
