import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root, Subscription } from 'type-graphql';
import { GraphQLUpload } from 'graphql-upload-minimal';
import type { FileUpload } from 'graphql-upload-minimal';
import type { AppContext } from '../../context/context';
import { isAdmin } from '../../auth/guards';
import { access, Allow } from '../../auth/access';
import { User } from '../identity/user.entity';
import { CakeGroup, CakeGroupRole, CakeMembership } from './cake-group.entity';
import { CakeEvent } from './cake-event.entity';
import { CakeRating } from './cake-rating.entity';
import { CakePhoto } from './cake-photo.entity';
import { CakeRatingSummary, CakeSystemInfo, CakeUserContact, CakeUserRef, CreateCakeEventInput, CreateCakeGroupInput, UpdateCakeGroupInput } from './cake.inputs';
import { CakeGroupChange, CakeMembershipChange } from './cake-group-change';
import type { Topics } from '../../pubsub/topics';
import { CakeEventChange } from './cake-change';
import type { CakeChangePayload } from './cake-change';
import { photoUrl } from './cake-common';
import * as events from './cake-event.service';
import * as groups from './cake-group.service';
import * as live from './cake-live.service';
import { Application } from '../identity/enrollment';

import { coverPhotoIds, groupsById, membershipsByGroup, membershipsByUser, photosByEvent, ratingsByEvent, ratingSummaries, userRefs, usersById, viewerRoles } from './cake.loaders';
import { ListSize } from '../../server/cost';
import {
  CAKE_ACCOUNTS_MAX,
  CAKE_CHANGES_MAX,
  CAKE_EVENT_PHOTOS_MAX,
  CAKE_EVENT_RATINGS_MAX,
  CAKE_EVENTS_MAX,
  CAKE_GROUP_MEMBERS_MAX,
  CAKE_GROUPS_MAX,
  CAKE_USER_GROUPS_MAX,
  HALL_OF_FAME_MAX,
} from './list-sizes';
import { LiveShared } from '../../server/fanout';

/** Every cakeplanner operation: an account activated for Cake Planner (or a platform admin). */
const cakeMember = access.enrolled(Application.CAKEPLANNER);

/** What group members may know of each other (the account's state is for admins). */
function contactOf(u: User): CakeUserContact {
  return { id: u.id, name: u.name, email: u.email ?? null };
}

@Resolver()
export class CakeResolver {
  // --- accounts -------------------------------------------------------------------------------

  @Allow(cakeMember)
  @ListSize({ max: CAKE_ACCOUNTS_MAX })
  @Query(() => [CakeUserContact], {
    description: 'The people the viewer can reach in Cake Planner, as contacts (id, name, email): the members of their groups and themselves; admins: every account',
  })
  async cakeContacts(@Ctx() ctx: AppContext): Promise<CakeUserContact[]> {
    return (await groups.contacts(ctx)).map(contactOf);
  }

  @Allow(groups.cakeGroupAdmin)
  @ListSize({ max: CAKE_ACCOUNTS_MAX })
  @Query(() => [User], {
    description: 'The accounts the viewer administers in Cake Planner, with their state: admins every account; group admins the members of the groups they administer',
  })
  cakeAccounts(@Ctx() ctx: AppContext): Promise<User[]> {
    return groups.administeredAccounts(ctx);
  }

  // --- groups ---------------------------------------------------------------------------------

  @Allow(cakeMember)
  @ListSize({ max: CAKE_USER_GROUPS_MAX })
  @Query(() => [CakeMembership], { description: "The viewer's groups and roles" })
  cakeMyGroups(@Ctx() ctx: AppContext): Promise<CakeMembership[]> {
    return groups.myMemberships(ctx);
  }

  @Allow(groups.cakeGroupAdmin)
  @ListSize({ max: CAKE_GROUPS_MAX })
  @Query(() => [CakeGroup], { description: 'Admins: every group; group admins: their groups; others: FORBIDDEN' })
  cakeGroups(@Ctx() ctx: AppContext): Promise<CakeGroup[]> {
    return groups.listGroups(ctx);
  }

  @Allow(access.admin)
  @Mutation(() => CakeGroup)
  createCakeGroup(@Ctx() ctx: AppContext, @Arg('input', () => CreateCakeGroupInput) input: CreateCakeGroupInput): Promise<CakeGroup> {
    return groups.createGroup(ctx, input);
  }

  @Allow(access.admin)
  @Mutation(() => CakeGroup, { description: 'The fields given change (name cannot be cleared; a null description clears it)' })
  updateCakeGroup(@Ctx() ctx: AppContext, @Arg('id', () => ID) id: string, @Arg('input', () => UpdateCakeGroupInput) input: UpdateCakeGroupInput): Promise<CakeGroup> {
    return groups.updateGroup(ctx, id, input);
  }

  @Allow(access.admin)
  @Mutation(() => Boolean, { description: 'CONFLICT while the group has members' })
  deleteCakeGroup(@Ctx() ctx: AppContext, @Arg('id', () => ID) id: string): Promise<boolean> {
    return groups.deleteGroup(ctx, id);
  }

  @Allow(access.admin)
  @Mutation(() => CakeMembership, { description: 'Adds a member (an existing membership keeps its role)' })
  addCakeGroupMember(@Ctx() ctx: AppContext, @Arg('userId', () => ID) userId: string, @Arg('groupId', () => ID) groupId: string): Promise<CakeMembership> {
    return groups.assignToGroup(ctx, userId, groupId);
  }

  @Allow(access.admin)
  @Mutation(() => CakeMembership, { description: 'Sets the role, adding the membership when needed' })
  setCakeGroupRole(
    @Ctx() ctx: AppContext,
    @Arg('userId', () => ID) userId: string,
    @Arg('groupId', () => ID) groupId: string,
    @Arg('role', () => CakeGroupRole) role: CakeGroupRole,
  ): Promise<CakeMembership> {
    return groups.setGroupRole(ctx, userId, groupId, role);
  }

  @Allow(access.admin)
  @Mutation(() => Boolean, { description: 'Removes a member from a group, or from every group when no group is given' })
  removeCakeGroupMember(@Ctx() ctx: AppContext, @Arg('userId', () => ID) userId: string, @Arg('groupId', () => ID, { nullable: true }) groupId?: string | null): Promise<boolean> {
    return groups.removeFromGroup(ctx, userId, groupId);
  }

  // --- events ---------------------------------------------------------------------------------

  @Allow(cakeMember)
  @ListSize({ max: CAKE_EVENTS_MAX })
  @Query(() => [CakeEvent], { description: "The viewer's groups' events from start to end (YYYY-MM-DD, inclusive)" })
  cakeEvents(@Ctx() ctx: AppContext, @Arg('start', () => String) start: string, @Arg('end', () => String) end: string): Promise<CakeEvent[]> {
    return events.listEvents(ctx, start, end);
  }

  @Allow(cakeMember)
  @Query(() => CakeEvent, { description: 'Members of its group and admins; NOT_FOUND for others' })
  cakeEvent(@Ctx() ctx: AppContext, @Arg('id', () => ID) id: string): Promise<CakeEvent> {
    return events.visibleEvent(ctx, id);
  }

  @Allow(cakeMember)
  @ListSize({ max: HALL_OF_FAME_MAX, slicingArguments: ['limit'] })
  @Query(() => [CakeEvent], { description: "Hall of Fame: the viewer's groups' events by mean stars (unrated = 0), then date, newest first" })
  cakeHallOfFame(@Ctx() ctx: AppContext, @Arg('limit', () => Int, { defaultValue: events.HALL_OF_FAME_SIZE }) limit: number): Promise<CakeEvent[]> {
    return events.hallOfFame(ctx, limit);
  }

  @Allow(cakeMember)
  @Mutation(() => CakeEvent, { description: 'The viewer is the baker; `image` becomes their (cover) photo' })
  createCakeEvent(
    @Ctx() ctx: AppContext,
    @Arg('input', () => CreateCakeEventInput) input: CreateCakeEventInput,
    @Arg('image', () => GraphQLUpload, { nullable: true }) image?: Promise<FileUpload> | null,
  ): Promise<CakeEvent> {
    return events.createEvent(ctx, input, image);
  }

  @Allow(cakeMember)
  @Mutation(() => Boolean, { description: 'The baker, a group admin of its group, or an admin' })
  deleteCakeEvent(@Ctx() ctx: AppContext, @Arg('id', () => ID) id: string): Promise<boolean> {
    return events.deleteEvent(ctx, id);
  }

  @Allow(cakeMember)
  @Mutation(() => CakeEvent, { description: 'One rating per user and event (replaced on a second call); stars 1..5' })
  rateCakeEvent(
    @Ctx() ctx: AppContext,
    @Arg('eventId', () => ID) eventId: string,
    @Arg('stars', () => Int) stars: number,
    @Arg('comment', () => String, { nullable: true }) comment?: string | null,
  ): Promise<CakeEvent> {
    return events.rateEvent(ctx, eventId, stars, comment);
  }

  @Allow(cakeMember)
  @Mutation(() => CakePhoto, { description: "JPEG, PNG or WebP, at most 10 MB; replaces the viewer's photo of the event" })
  uploadCakePhoto(@Ctx() ctx: AppContext, @Arg('eventId', () => ID) eventId: string, @Arg('photo', () => GraphQLUpload) photo: Promise<FileUpload>): Promise<CakePhoto> {
    return events.uploadPhoto(ctx, eventId, photo);
  }

  @Allow(cakeMember)
  @Query(() => CakePhoto, { description: 'A photo of an event the viewer may see' })
  cakePhoto(@Ctx() ctx: AppContext, @Arg('id', () => ID) id: string): Promise<CakePhoto> {
    return events.getPhoto(ctx, id);
  }

  // --- live -----------------------------------------------------------------------------------

  @Allow(cakeMember)
  @ListSize({ max: CAKE_CHANGES_MAX })
  @Query(() => [CakeEventChange], { description: "Changes of the viewer's groups after a change id, oldest first (at most 1000): resume after a disconnect" })
  cakeEventChanges(@Ctx() ctx: AppContext, @Arg('after', () => ID) after: string): Promise<CakeEventChange[]> {
    return live.changesAfter(ctx, after);
  }

  /** Changes of the subscriber's groups' events; ends when the subscriber's session is revoked. */
  @Allow(cakeMember)
  @LiveShared()
  @Subscription(() => CakeEventChange, {
    description: "Changes (created, deleted, rated, photo) of the subscriber's groups' events",
    subscribe: ({ context }) => live.subscribeChanges(context as AppContext),
  })
  cakeEventChanged(@Root() payload: CakeChangePayload, @Ctx() ctx: AppContext): CakeEventChange {
    return live.toEventChange(ctx, payload);
  }

  /** A group's members hear its changes; platform admins every group's. */
  @Allow(cakeMember)
  @LiveShared()
  @Subscription(() => CakeGroupChange, {
    description: "Groups created, renamed or deleted: the subscriber's groups; admins: every group",
    subscribe: ({ context }) => live.subscribeGroupChanges(context as AppContext),
  })
  cakeGroupChanged(@Root() e: Topics['cake.groupChanged'], @Ctx() ctx: AppContext): Promise<CakeGroupChange> {
    return live.toGroupChange(ctx, e);
  }

  /** A group's members hear its membership changes, a user their own, platform admins every group's. */
  @Allow(cakeMember)
  @LiveShared()
  @Subscription(() => CakeMembershipChange, {
    description: "Members joining, changing role and leaving the subscriber's groups (and the subscriber's own memberships); admins: every group",
    subscribe: ({ context }) => live.subscribeMembershipChanges(context as AppContext),
  })
  cakeMembershipChanged(@Root() e: Topics['cake.membershipChanged'], @Ctx() ctx: AppContext): Promise<CakeMembershipChange> {
    return live.toMembershipChange(ctx, e);
  }

  // --- system ---------------------------------------------------------------------------------

  @Allow(access.public)
  @Query(() => CakeSystemInfo, { description: 'Public build and runtime information' })
  cakeSystemInfo(@Ctx() ctx: AppContext): Promise<CakeSystemInfo> {
    return groups.systemInfo(ctx);
  }
}

@Resolver(() => CakeEvent)
export class CakeEventFieldsResolver {
  @FieldResolver(() => ID)
  groupId(@Root() event: CakeEvent): string {
    return event.group.id;
  }

  @FieldResolver(() => CakeGroup)
  group(@Root() event: CakeEvent, @Ctx() ctx: AppContext): CakeGroup | Promise<CakeGroup> {
    return (
      event.preloaded?.group ??
      groupsById(ctx)
        .load(event.group.id)
        .then((g) => g!)
    );
  }

  @FieldResolver(() => CakeUserRef)
  baker(@Root() event: CakeEvent, @Ctx() ctx: AppContext): CakeUserRef | Promise<CakeUserRef> {
    return event.preloaded?.baker ?? userRefs(ctx).load(event.baker.id);
  }

  @FieldResolver(() => ID, { nullable: true, description: "The cover's photo id: the baker's photo" })
  coverPhotoId(@Root() event: CakeEvent, @Ctx() ctx: AppContext): string | null | Promise<string | null> {
    if (event.preloaded) return event.preloaded.coverPhotoId;
    return coverPhotoIds(ctx).load(event.id);
  }

  @FieldResolver(() => String, { nullable: true, description: "The cover: the baker's photo" })
  async photoUrl(@Root() event: CakeEvent, @Ctx() ctx: AppContext): Promise<string | null> {
    const id = await this.coverPhotoId(event, ctx);
    return id ? photoUrl(ctx.app.config, id) : null;
  }

  @FieldResolver(() => CakeRatingSummary)
  rating(@Root() event: CakeEvent, @Ctx() ctx: AppContext): CakeRatingSummary | Promise<CakeRatingSummary> {
    return event.preloaded?.rating ?? ratingSummaries(ctx).load(event.id);
  }

  @ListSize({ max: CAKE_EVENT_RATINGS_MAX })
  @FieldResolver(() => [CakeRating])
  async ratings(@Root() event: CakeEvent, @Ctx() ctx: AppContext): Promise<CakeRating[]> {
    return (await ratingsByEvent(ctx).load(event.id)).slice(0, CAKE_EVENT_RATINGS_MAX);
  }

  @ListSize({ max: CAKE_EVENT_PHOTOS_MAX })
  @FieldResolver(() => [CakePhoto], { description: 'Every photo of the event, oldest first' })
  gallery(@Root() event: CakeEvent, @Ctx() ctx: AppContext): CakePhoto[] | Promise<CakePhoto[]> {
    const preloaded = event.preloaded?.gallery;
    if (preloaded) return preloaded.slice(0, CAKE_EVENT_PHOTOS_MAX);
    return photosByEvent(ctx)
      .load(event.id)
      .then((photos) => photos.slice(0, CAKE_EVENT_PHOTOS_MAX));
  }

  @FieldResolver(() => Boolean, { description: 'The viewer is the baker' })
  isOwner(@Root() event: CakeEvent, @Ctx() ctx: AppContext): boolean {
    return events.isOwner(ctx, event);
  }

  @FieldResolver(() => Boolean)
  canDelete(@Root() event: CakeEvent, @Ctx() ctx: AppContext): Promise<boolean> {
    return events.canDelete(ctx, event);
  }

  @FieldResolver(() => String, { description: 'The event as an RFC 5545 calendar (one all-day VEVENT)' })
  ics(@Root() event: CakeEvent, @Ctx() ctx: AppContext): Promise<string> {
    return events.eventIcs(ctx, event);
  }
}

@Resolver(() => CakeRating)
export class CakeRatingFieldsResolver {
  @FieldResolver(() => ID)
  eventId(@Root() rating: CakeRating): string {
    return rating.event.id;
  }

  @FieldResolver(() => CakeUserRef)
  user(@Root() rating: CakeRating, @Ctx() ctx: AppContext): Promise<CakeUserRef> {
    return userRefs(ctx).load(rating.user.id);
  }
}

@Resolver(() => CakePhoto)
export class CakePhotoFieldsResolver {
  @FieldResolver(() => ID)
  eventId(@Root() photo: CakePhoto): string {
    return photo.event.id;
  }

  @FieldResolver(() => String, { description: "Served by the cakeplanner surface with the viewer's auth" })
  url(@Root() photo: CakePhoto, @Ctx() ctx: AppContext): string {
    return photoUrl(ctx.app.config, photo.id);
  }

  @FieldResolver(() => CakeUserRef)
  user(@Root() photo: CakePhoto, @Ctx() ctx: AppContext): Promise<CakeUserRef> {
    return userRefs(ctx).load(photo.user.id);
  }

  @FieldResolver(() => Boolean, { description: 'The viewer uploaded it' })
  isMine(@Root() photo: CakePhoto, @Ctx() ctx: AppContext): boolean {
    return ctx.viewer?.id === photo.user.id;
  }
}

/** Memberships and groups read the same for every viewer allowed to see them: shared by live fan-out. */
@Resolver(() => CakeMembership)
export class CakeMembershipFieldsResolver {
  @LiveShared()
  @FieldResolver(() => ID)
  groupId(@Root() m: CakeMembership): string {
    return m.group.id;
  }

  @LiveShared()
  @FieldResolver(() => CakeGroup)
  async group(@Root() m: CakeMembership, @Ctx() ctx: AppContext): Promise<CakeGroup> {
    return (await groupsById(ctx).load(m.group.id))!;
  }

  @LiveShared()
  @FieldResolver(() => ID)
  userId(@Root() m: CakeMembership): string {
    return m.user.id;
  }

  /** Any member sees the other members: id, name and email only (as GET /api/users shows them). */
  @LiveShared()
  @FieldResolver(() => CakeUserContact)
  async user(@Root() m: CakeMembership, @Ctx() ctx: AppContext): Promise<CakeUserContact> {
    return contactOf((await usersById(ctx).load(m.user.id))!);
  }
}

@Resolver(() => CakeGroup)
export class CakeGroupFieldsResolver {
  @LiveShared()
  @ListSize({ max: CAKE_GROUP_MEMBERS_MAX })
  @FieldResolver(() => [CakeMembership], { description: 'Members whose account still exists' })
  async members(@Root() group: CakeGroup, @Ctx() ctx: AppContext): Promise<CakeMembership[]> {
    return (await membershipsByGroup(ctx).load(group.id)).slice(0, CAKE_GROUP_MEMBERS_MAX);
  }

  @LiveShared()
  @FieldResolver(() => Int)
  async memberCount(@Root() group: CakeGroup, @Ctx() ctx: AppContext): Promise<number> {
    return (await membershipsByGroup(ctx).load(group.id)).length;
  }
}

@Resolver(() => User)
export class CakeUserFieldsResolver {
  @FieldResolver(() => Boolean, { description: 'cakeplanner: whether the account may use Cake Planner (active, and activated there or a platform admin)' })
  cakeActive(@Root() user: User, @Ctx() ctx: AppContext): Promise<boolean> {
    return groups.cakeActive(ctx, user);
  }

  @ListSize({ max: CAKE_USER_GROUPS_MAX })
  @FieldResolver(() => [CakeMembership], { description: 'cakeplanner: the cake groups of the user (admins see all; others the groups they share)' })
  async cakeMemberships(@Root() user: User, @Ctx() ctx: AppContext): Promise<CakeMembership[]> {
    if (!ctx.viewer) return [];
    const list = await membershipsByUser(ctx).load(user.id);
    if (isAdmin(ctx) || ctx.viewer.id === user.id) return list.slice(0, CAKE_USER_GROUPS_MAX);
    const mine = await viewerRoles(ctx);
    return list.filter((m) => mine.has(m.group.id)).slice(0, CAKE_USER_GROUPS_MAX);
  }
}
