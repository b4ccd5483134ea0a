import { ListSize } from '../../server/cost';
import { Field, ObjectType } from 'type-graphql';
import { User } from '../identity/user.entity';
import { ConductEventRoleName } from './event-role.entity';

@ObjectType({ description: 'The current session as conduct sees it; anonymous requests get authenticated: false' })
export class ConductSession {
  @Field(() => Boolean) authenticated!: boolean;
  @Field(() => User, { nullable: true, description: 'the signed-in user, null when anonymous' }) user!: User | null;
  @Field(() => Boolean, { description: "the platform ADMIN, conduct's SuperAdmin" }) superAdmin!: boolean;
  @ListSize({ max: 3 })
  @Field(() => [ConductEventRoleName], { description: 'the distinct roles the user holds in any event, highest first' })
  eventRoles!: ConductEventRoleName[];
}
