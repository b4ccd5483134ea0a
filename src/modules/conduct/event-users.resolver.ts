/** conduct's operations on an event's people, roles and invites (conduct-core.md "Events", "Invites"). */
import { Arg, Ctx, Field, ID, Info, InputType, Int, Mutation, ObjectType, Query, Resolver, Root, Subscription } from 'type-graphql';
import type { GraphQLResolveInfo } from 'graphql';
import { selectedWithin } from '../../server/selection';
import { LIST_USER_FIELDS } from '../identity/user-row';
import type { AppContext } from '../../context/context';
import { access, Allow } from '../../auth/access';
import { ListSize } from '../../server/cost';
import { filterAsync } from '../../pubsub/filter';
import type { Topics } from '../../pubsub/topics';
import { badInput } from '../../errors/domain-error';
import { User } from '../identity/user.entity';
import { ConductEvent } from './event.entity';
import { ConductEventRole, ConductEventRoleName } from './event-role.entity';
import { ConductInvite } from './invite.entity';
import { conductMember, eventWithRole, requireEventRole } from './conduct-access';
import * as people from './event-users.service';
import { LiveShared } from '../../server/fanout';

@ObjectType({ description: 'A member of a conduct event: the user, their roles there (highest first), when they joined' })
export class ConductEventUser {
  @Field(() => User) user!: User;
  @ListSize({ max: 3 })
  @Field(() => [ConductEventRoleName])
  roles!: ConductEventRoleName[];
  @Field(() => Date, { description: 'when their first role there was granted' }) joinDate!: Date;
  @Field(() => Date, { nullable: true, description: 'their newest sign-in (null: never)' }) lastActivity!: Date | null;
}

@ObjectType({ description: "A page of an event's members and how many match" })
export class ConductEventUserPage {
  @ListSize({ max: people.EVENT_USERS_MAX })
  @Field(() => [ConductEventUser])
  users!: ConductEventUser[];
  @Field(() => Int) total!: number;
}

@InputType()
export class UpdateConductEventUserInput {
  @Field(() => String) name!: string;
  @Field(() => String) email!: string;
  @Field(() => ConductEventRoleName, { description: 'replaces every role the user holds in the event' }) role!: ConductEventRoleName;
}

@InputType({ description: 'An event invite link: absent fields keep their value (or the defaults on creation: role REPORTER, no limit, no expiry)' })
export class ConductEventInviteInput {
  @Field(() => ConductEventRoleName, { nullable: true }) role?: ConductEventRoleName | null;
  @Field(() => Int, { nullable: true }) maxUses?: number | null;
  @Field(() => Date, { nullable: true }) expiresAt?: Date | null;
  @Field(() => String, { nullable: true }) note?: string | null;
  @Field(() => Boolean, { nullable: true }) disabled?: boolean | null;
}

@ObjectType({ description: 'An event invite as its public page shows it' })
export class ConductInviteView {
  @Field(() => ConductInvite) invite!: ConductInvite;
  @Field(() => ConductEvent) event!: ConductEvent;
}

@ObjectType({ description: "A change of someone's roles in an event" })
export class ConductEventMembershipChange {
  @Field(() => String, { description: 'ROLE_GRANTED, ROLE_REVOKED, USER_REMOVED or USER_UPDATED' }) kind!: string;
  @Field(() => ID) eventId!: string;
  @Field(() => ID) userId!: string;
}

const ref = (eventId?: string | null, slug?: string | null) => {
  if ((eventId ? 1 : 0) + (slug ? 1 : 0) !== 1) throw badInput('Give exactly one of eventId and slug', { eventId: 'or slug is required' });
  return eventId ? { id: eventId } : { slug: slug! };
};

/** A member page whose users are asked only for what a list shows reads only the columns asked for. */
const listUserFields = selectedWithin(['users', 'user'], LIST_USER_FIELDS);

@Resolver()
export class ConductEventUsersResolver {
  @Allow(conductMember)
  @ListSize({ max: people.EVENT_USERS_MAX, slicingArguments: ['limit'], sizedFields: ['users'] })
  @Query(() => ConductEventUserPage, { description: "An event's members (by eventId: its Admins; by slug: any role there), searched, sorted, paged" })
  conductEventUsers(
    @Ctx() ctx: AppContext,
    @Arg('eventId', () => ID, { nullable: true }) eventId?: string | null,
    @Arg('slug', () => String, { nullable: true }) slug?: string | null,
    @Arg('search', () => String, { nullable: true }) search?: string | null,
    @Arg('sort', () => String, { nullable: true, description: 'name (default), email or role' }) sort?: string | null,
    @Arg('order', () => String, { nullable: true, description: 'asc (default) or desc' }) order?: string | null,
    @Arg('page', () => Int, { nullable: true }) page?: number | null,
    @Arg('limit', () => Int, { nullable: true, description: 'at most 1000; default 20' }) limit?: number | null,
    @Arg('role', () => ConductEventRoleName, { nullable: true }) role?: ConductEventRoleName | null,
    @Info() info?: GraphQLResolveInfo,
  ): Promise<people.EventUserView[] | { users: people.EventUserView[]; total: number }> {
    if (sort && !['name', 'email', 'role'].includes(sort)) throw badInput('sort must be name, email or role', { sort: 'must be name, email or role' });
    if (order && !['asc', 'desc'].includes(order)) throw badInput('order must be asc or desc', { order: 'must be asc or desc' });
    return people.eventUsers(ctx, ref(eventId, slug), {
      search,
      sort: sort as people.EventUserSort,
      order: order as 'asc' | 'desc',
      page,
      limit,
      role,
      userFields: info === undefined ? null : listUserFields(info),
    });
  }

  @Allow(conductMember)
  @Query(() => ConductEventUser, { description: 'One member (Responders and Admins of the event)' })
  conductEventUser(@Ctx() ctx: AppContext, @Arg('slug', () => String) slug: string, @Arg('userId', () => ID) userId: string): Promise<people.EventUserView> {
    return people.eventUser(ctx, { slug }, userId);
  }

  @Allow(conductMember)
  @Mutation(() => ConductEventUser, { description: "Admins: a member's name, email and their one role in the event" })
  updateConductEventUser(
    @Ctx() ctx: AppContext,
    @Arg('slug', () => String) slug: string,
    @Arg('userId', () => ID) userId: string,
    @Arg('input', () => UpdateConductEventUserInput) input: UpdateConductEventUserInput,
  ): Promise<people.EventUserView> {
    return people.updateEventUser(ctx, { slug }, userId, input);
  }

  @Allow(conductMember)
  @Mutation(() => Boolean, { description: 'Admins: every role of the user in the event goes (not the only Admin)' })
  removeConductEventUser(@Ctx() ctx: AppContext, @Arg('slug', () => String) slug: string, @Arg('userId', () => ID) userId: string): Promise<boolean> {
    return people.removeEventUser(ctx, { slug }, userId);
  }

  @Allow(conductMember)
  @Mutation(() => ConductEventRole, { description: 'Admins: grants a role (idempotent)' })
  grantConductEventRole(
    @Ctx() ctx: AppContext,
    @Arg('eventId', () => ID) eventId: string,
    @Arg('userId', () => ID) userId: string,
    @Arg('role', () => ConductEventRoleName) role: ConductEventRoleName,
  ): Promise<ConductEventRole> {
    return people.grantRole(ctx, eventId, userId, role);
  }

  @Allow(conductMember)
  @Mutation(() => Boolean, { description: "Admins: revokes a role (not the only Admin's)" })
  revokeConductEventRole(
    @Ctx() ctx: AppContext,
    @Arg('eventId', () => ID) eventId: string,
    @Arg('userId', () => ID) userId: string,
    @Arg('role', () => ConductEventRoleName) role: ConductEventRoleName,
  ): Promise<boolean> {
    return people.revokeRole(ctx, eventId, userId, role);
  }

  @Allow(conductMember)
  @Mutation(() => ConductInvite, { description: 'Admins: a new invite link to the event' })
  createConductEventInvite(
    @Ctx() ctx: AppContext,
    @Arg('slug', () => String) slug: string,
    @Arg('input', () => ConductEventInviteInput) input: ConductEventInviteInput,
  ): Promise<ConductInvite> {
    return people.createInvite(ctx, { slug }, input);
  }

  @Allow(conductMember)
  @ListSize({ max: people.EVENT_INVITES_MAX })
  @Query(() => [ConductInvite], { description: "Admins: the event's invite links, newest first" })
  conductEventInvites(@Ctx() ctx: AppContext, @Arg('slug', () => String) slug: string): Promise<ConductInvite[]> {
    return people.listInvites(ctx, { slug });
  }

  @Allow(conductMember)
  @Mutation(() => ConductInvite, { description: 'Admins: changes an invite link (disabled, expiry, max uses, note)' })
  updateConductEventInvite(
    @Ctx() ctx: AppContext,
    @Arg('slug', () => String) slug: string,
    @Arg('inviteId', () => ID) inviteId: string,
    @Arg('input', () => ConductEventInviteInput) input: ConductEventInviteInput,
  ): Promise<ConductInvite> {
    return people.updateInvite(ctx, { slug }, inviteId, input);
  }

  @Allow(access.public)
  @Query(() => ConductInviteView, { description: 'An event invite by its code (public)' })
  conductInvite(@Ctx() ctx: AppContext, @Arg('code', () => String) code: string): Promise<ConductInviteView> {
    return people.inviteByCode(ctx, code);
  }

  @Allow(conductMember)
  @Mutation(() => ConductEvent, { description: 'Uses an event invite: the viewer gets its role' })
  redeemConductInvite(@Ctx() ctx: AppContext, @Arg('code', () => String) code: string): Promise<ConductEvent> {
    return people.redeemInvite(ctx, code);
  }

  /** The event's Admins and Responders (and SuperAdmin) see every change; anyone else only their own. */
  @Allow(conductMember)
  @LiveShared()
  @Subscription(() => ConductEventMembershipChange, {
    description: 'Changes of roles in an event (its staff: all; others: their own)',
    subscribe: async ({ args, context }) => {
      const ctx = context as AppContext;
      const { event } = await eventWithRole(ctx, { id: args.eventId as string }, 'Reporter').catch(async (err) => {
        // someone without a role may still follow their own changes (an invite redeemed, a role granted)
        if ((err as { code?: string }).code !== 'FORBIDDEN') throw err;
        return { event: { id: args.eventId as string } };
      });
      return filterAsync(ctx.app.pubsub.subscribe('conduct.eventMembershipChanged'), async (e) => {
        if (e.eventId !== event.id) return false;
        await ctx.refreshViewer();
        if (!ctx.viewer) return false;
        if (e.userId === ctx.viewer.id) return true;
        return requireEventRole(ctx, event.id, 'Responder').then(
          () => true,
          () => false,
        );
      });
    },
  })
  conductEventMembershipChanged(@Root() e: Topics['conduct.eventMembershipChanged'], @Arg('eventId', () => ID) _eventId: string): ConductEventMembershipChange {
    return e;
  }
}
