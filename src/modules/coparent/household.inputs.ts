import { Field, InputType } from 'type-graphql';
import { MembershipRole } from '../identity/app-membership.entity';

@InputType({ description: 'A new account in the viewer\'s household (coparent.md "POST /admin/users")' })
export class CreateHouseholdMemberInput {
  @Field(() => String) username!: string;
  @Field(() => String) password!: string;
  @Field(() => MembershipRole, { nullable: true, description: 'USER unless given' }) role?: MembershipRole | null;
}

@InputType({ description: 'At least one of password and role' })
export class UpdateHouseholdMemberInput {
  @Field(() => String, { nullable: true }) password?: string | null;
  @Field(() => MembershipRole, { nullable: true }) role?: MembershipRole | null;
}
