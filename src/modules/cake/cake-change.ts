/**
 * The payload of the `cake.changed` topic and of a cake_event_log row: a snapshot of the event as it was
 * when the change committed, so that fan-out to any number of subscribers costs no SQL.
 */
import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { CakeRatingSummary, CakeUserRef } from './cake.inputs';

export type CakeChangeKind = 'created' | 'deleted' | 'rated' | 'photo';

export interface CakeEventSnapshot {
  id: string;
  date: string;
  description: string;
  bakerId: string;
  bakerName: string;
  coverPhotoId: string | null;
  average: number;
  count: number;
}

export interface CakeChangePayload {
  /** cake_event_log id: the SSE `id` and the resume cursor */
  id: string;
  kind: CakeChangeKind;
  /** ISO time of the change */
  at: string;
  groupId: string;
  event: CakeEventSnapshot;
  /** the photo uploaded, for `photo` changes */
  photo: { id: string; userId: string; userName: string } | null;
}

export enum CakeEventChangeKind {
  CREATED = 'created',
  DELETED = 'deleted',
  RATED = 'rated',
  PHOTO = 'photo',
}
registerEnumType(CakeEventChangeKind, { name: 'CakeEventChangeKind' });

@ObjectType()
export class CakeChangePhoto {
  @Field(() => ID) id!: string;
  @Field(() => String) url!: string;
  @Field(() => CakeUserRef) user!: CakeUserRef;
}

/** One change of a cake event, as published (the event's state when the change committed). */
@ObjectType()
export class CakeEventChange {
  @Field(() => ID, { description: 'increasing sequence number: the SSE id and the `after` cursor of cakeEventChanges' }) id!: string;
  @Field(() => CakeEventChangeKind) kind!: CakeEventChangeKind;
  @Field(() => Date) at!: Date;
  @Field(() => ID) eventId!: string;
  @Field(() => ID) groupId!: string;
  @Field(() => String, { description: 'YYYY-MM-DD' }) date!: string;
  @Field(() => String) description!: string;
  @Field(() => CakeUserRef) baker!: CakeUserRef;
  @Field(() => ID, { nullable: true, description: "the baker's photo (the cover)" }) coverPhotoId!: string | null;
  @Field(() => String, { nullable: true, description: "the baker's photo" }) photoUrl!: string | null;
  @Field(() => CakeRatingSummary, { description: 'myRating is always null here (the change is the same for every subscriber)' }) rating!: CakeRatingSummary;
  @Field(() => CakeChangePhoto, { nullable: true, description: 'the photo uploaded, for PHOTO changes' }) photo!: CakeChangePhoto | null;
}
