/**
 * conduct's operations of the signed-in user (conduct-core.md "Users"); profile, password and avatar
 * bytes are identity's (`updateUser`, `changePassword`, `uploadAvatar`, `removeAvatar`).
 */
import { Arg, Ctx, Field, ID, InputType, Mutation, ObjectType, Query, Resolver } from 'type-graphql';
import type { AppContext } from '../../context/context';
import { access, Allow } from '../../auth/access';
import { ListSize } from '../../server/cost';
import { StoredFileRef } from '../../storage/stored-file.types';
import { ConductEvent } from './event.entity';
import { ConductEventRoleName } from './event-role.entity';
import { ConductNotificationSettings, NOTIFICATION_FLAGS, NotificationFlag } from './notification-settings.entity';
import { conductMember } from './conduct-access';
import * as users from './users.service';

/** The events a user may hold roles in are not bounded by the contract; a page of the first 500 by name. */
export const MY_EVENTS_MAX = 500;

@ObjectType({ description: 'An event where the viewer holds roles, with those roles (highest first)' })
export class ConductMyEvent {
  @Field(() => ConductEvent) event!: ConductEvent;
  @ListSize({ max: 3 })
  @Field(() => [ConductEventRoleName])
  roles!: ConductEventRoleName[];
}

@InputType({ description: 'Notification preferences to change; absent ones keep their value' })
export class UpdateConductNotificationSettingsInput {}
// one optional boolean per flag of the entity, named as upstream names them
for (const flag of NOTIFICATION_FLAGS) Field(() => Boolean, { nullable: true })(UpdateConductNotificationSettingsInput.prototype, flag);

@Resolver()
export class ConductUsersResolver {
  @Allow(conductMember)
  @ListSize({ max: MY_EVENTS_MAX })
  @Query(() => [ConductMyEvent], { description: 'The events where the viewer holds a role, by name' })
  async conductMyEvents(@Ctx() ctx: AppContext): Promise<ConductMyEvent[]> {
    return (await users.myEvents(ctx)).slice(0, MY_EVENTS_MAX);
  }

  @Allow(conductMember)
  @Mutation(() => Boolean, { description: 'Gives up every role the viewer holds in the event (not its only Admin)' })
  leaveConductEvent(@Ctx() ctx: AppContext, @Arg('eventId', () => ID) eventId: string): Promise<boolean> {
    return users.leaveEvent(ctx, eventId);
  }

  @Allow(access.public)
  @Query(() => StoredFileRef, { nullable: true, description: "A user's avatar as conduct shows it: public (null: none)" })
  conductUserAvatar(@Ctx() ctx: AppContext, @Arg('userId', () => ID) userId: string): Promise<StoredFileRef | null> {
    return users.publicAvatar(ctx, userId);
  }

  @Allow(conductMember)
  @Query(() => ConductNotificationSettings, { description: "The viewer's notification preferences" })
  conductNotificationSettings(@Ctx() ctx: AppContext): Promise<ConductNotificationSettings> {
    return users.notificationSettings(ctx);
  }

  @Allow(conductMember)
  @Mutation(() => ConductNotificationSettings, { description: "Changes some of the viewer's notification preferences" })
  updateConductNotificationSettings(
    @Ctx() ctx: AppContext,
    @Arg('input', () => UpdateConductNotificationSettingsInput) input: UpdateConductNotificationSettingsInput,
  ): Promise<ConductNotificationSettings> {
    return users.updateNotificationSettings(ctx, input as Partial<Record<NotificationFlag, boolean | null>>);
  }

  @Allow(access.public)
  @Query(() => Boolean, { description: 'Whether the platform sends mail (SMTP configured)' })
  conductEmailEnabled(@Ctx() ctx: AppContext): boolean {
    return users.emailEnabled(ctx);
  }
}
