import { Field, Float, ID, InputType, Int, ObjectType } from 'type-graphql';

/** A user as other cake members see them: id and display name only. */
@ObjectType()
export class CakeUserRef {
  @Field(() => ID) id!: string;
  @Field(() => String) name!: string;
}

/**
 * A user as the members of their groups see them (GET /api/users): id, name and email. The account's
 * state (role, activity, 2FA, forced change) is for admins and group admins (cakeAccounts) only.
 */
@ObjectType()
export class CakeUserContact {
  @Field(() => ID) id!: string;
  @Field(() => String) name!: string;
  @Field(() => String, { nullable: true }) email!: string | null;
}

@ObjectType()
export class CakeRatingSummary {
  @Field(() => Float, { description: 'mean of the stars, 2 decimals; 0 when unrated' }) average!: number;
  @Field(() => Int) count!: number;
  @Field(() => Int, { nullable: true, description: "the viewer's own stars" }) myRating!: number | null;
}

@InputType()
export class CreateCakeEventInput {
  @Field(() => String, { description: 'YYYY-MM-DD' }) date!: string;
  @Field(() => String, { nullable: true }) description?: string | null;
  @Field(() => ID, { nullable: true, description: "defaults to the baker's only group" }) groupId?: string | null;
}

@InputType()
export class CreateCakeGroupInput {
  @Field(() => String) name!: string;
  @Field(() => String, { nullable: true }) description?: string | null;
}

@InputType({ description: 'The fields given change; name cannot be cleared, a null description clears it' })
export class UpdateCakeGroupInput {
  @Field(() => String, { nullable: true }) name?: string | null;
  @Field(() => String, { nullable: true }) description?: string | null;
}

@ObjectType()
export class CakeSystemInfo {
  @Field(() => String) name!: string;
  @Field(() => String) version!: string;
  @Field(() => String) commit!: string;
  @Field(() => String) node!: string;
  @Field(() => Int) uptimeSeconds!: number;
  @Field(() => String) database!: string;
  @Field(() => String, { description: "the serving project's package name" }) projectName!: string;
  @Field(() => String, { nullable: true }) description!: string | null;
  @Field(() => String, { nullable: true }) license!: string | null;
  @Field(() => String, { nullable: true, description: 'the project homepage, else PUBLIC_URL' }) homepage!: string | null;
  @Field(() => String, { nullable: true }) author!: string | null;
  @Field(() => String, { nullable: true, description: "PUBLIC_URL's host name, when set" }) domain!: string | null;
}
