import { Field, ID, ObjectType } from 'type-graphql';

/** A handle on stored bytes: download routes stream the file it names. */
@ObjectType()
export class StoredFileRef {
  @Field(() => ID) id!: string;
}
