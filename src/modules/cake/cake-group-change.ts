/**
 * What the live views of cake groups receive (issue 14 "every resource live"): a group's own changes
 * (`cakeGroupChanged`) and its members joining, changing role and leaving (`cakeMembershipChanged`),
 * each with the resource as it is when the subscriber's event is executed (null once gone).
 */
import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { CakeGroup, CakeGroupRole, CakeMembership } from './cake-group.entity';

export enum CakeGroupChangeKind {
  CREATED = 'CREATED',
  UPDATED = 'UPDATED',
  DELETED = 'DELETED',
}
registerEnumType(CakeGroupChangeKind, { name: 'CakeGroupChangeKind' });

export enum CakeMembershipChangeKind {
  ADDED = 'ADDED',
  ROLE_CHANGED = 'ROLE_CHANGED',
  REMOVED = 'REMOVED',
}
registerEnumType(CakeMembershipChangeKind, { name: 'CakeMembershipChangeKind', description: 'A user joined a group, changed role in it, or left it' });

@ObjectType()
export class CakeGroupChange {
  @Field(() => CakeGroupChangeKind) kind!: CakeGroupChangeKind;
  @Field(() => ID) groupId!: string;
  @Field(() => CakeGroup, { nullable: true, description: 'the group as it is now; null once deleted' }) group!: CakeGroup | null;
}

@ObjectType()
export class CakeMembershipChange {
  @Field(() => CakeMembershipChangeKind) kind!: CakeMembershipChangeKind;
  @Field(() => ID) groupId!: string;
  @Field(() => ID) userId!: string;
  @Field(() => CakeGroupRole, { nullable: true, description: 'the role the change gave; null when removed' }) role!: CakeGroupRole | null;
  @Field(() => CakeMembership, { nullable: true, description: 'the membership as it is now; null once removed' }) membership!: CakeMembership | null;
}
