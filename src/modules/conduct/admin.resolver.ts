/** The SuperAdmin's conduct operations (conduct-core.md "SuperAdmin") and the system settings ("System settings"). */
import { Arg, Ctx, Field, ID, InputType, Int, Mutation, ObjectType, Query, Resolver } from 'type-graphql';
import type { AppContext } from '../../context/context';
import { access, Allow } from '../../auth/access';
import { ListSize } from '../../server/cost';
import { ConductEvent } from './event.entity';
import { ConductEventRoleName } from './event-role.entity';
import { ConductInvite } from './invite.entity';
import { ConductReportState } from './report.entity';
import * as admin from './admin.service';
import * as settings from './settings.service';
import { EVENT_INVITES_MAX } from './event-users.service';

@InputType({ description: 'A new event created by the SuperAdmin: inactive, setup required' })
export class CreateConductEventInput {
  @Field(() => String, { description: '3-100 characters' }) name!: string;
  @Field(() => String, { description: '3-50 characters, [a-z0-9-]' }) slug!: string;
  @Field(() => String, { description: 'at least 10 characters' }) description!: string;
}

@ObjectType({ description: 'The platform totals the SuperAdmin sees' })
export class ConductAdminStatistics {
  @Field(() => Int) totalEvents!: number;
  @Field(() => Int) activeEvents!: number;
  @Field(() => Int, { description: 'accounts on the platform' }) totalUsers!: number;
  @Field(() => Int) totalReports!: number;
}

@ObjectType({ description: 'An event with its number of members and reports' })
export class ConductAdminEvent {
  @Field(() => ConductEvent) event!: ConductEvent;
  @Field(() => Int, { description: 'distinct users holding a role there' }) userCount!: number;
  @Field(() => Int) reportCount!: number;
}

@ObjectType({ description: 'A recent report as the SuperAdmin overview lists it' })
export class ConductReportActivity {
  @Field(() => ID) id!: string;
  @Field(() => String) title!: string;
  @Field(() => ConductReportState) state!: ConductReportState;
  @Field(() => String) eventName!: string;
  @Field(() => String) eventSlug!: string;
  @Field(() => Date) createdAt!: Date;
}

@ObjectType({ description: 'An event with its counts and its newest reports' })
export class ConductAdminEventDetail extends ConductAdminEvent {
  @ListSize({ max: admin.RECENT_ACTIVITY_MAX })
  @Field(() => [ConductReportActivity], { description: 'its 10 newest reports' })
  recentActivity!: ConductReportActivity[];
}

@ObjectType({ description: 'Every event with its counts, and the platform totals' })
export class ConductAdminEventList {
  @ListSize({ max: admin.ADMIN_EVENTS_MAX })
  @Field(() => [ConductAdminEvent], { description: 'newest first' })
  events!: ConductAdminEvent[];
  @Field(() => ConductAdminStatistics) statistics!: ConductAdminStatistics;
}

@ObjectType({ description: 'How many reports are in one state' })
export class ConductReportStateCount {
  @Field(() => ConductReportState) state!: ConductReportState;
  @Field(() => Int) count!: number;
}

@ObjectType({ description: 'The platform totals, reports by state and the newest reports' })
export class ConductAdminEventStats extends ConductAdminStatistics {
  @ListSize({ max: Object.keys(ConductReportState).length })
  @Field(() => [ConductReportStateCount], { description: 'every state, zero included' })
  reportsByState!: ConductReportStateCount[];
  @ListSize({ max: admin.RECENT_ACTIVITY_MAX })
  @Field(() => [ConductReportActivity], { description: 'the 10 newest reports of any event' })
  recentActivity!: ConductReportActivity[];
}

@InputType({ description: 'An Admin invite: role ADMIN (default) or RESPONDER, single use and 30 days unless given' })
export class ConductAdminInviteInput {
  @Field(() => String, { nullable: true, description: "the invitee's address, kept in the note" }) email?: string | null;
  @Field(() => ConductEventRoleName, { nullable: true }) role?: ConductEventRoleName | null;
  @Field(() => String, { nullable: true }) note?: string | null;
  @Field(() => Int, { nullable: true, description: 'default 1' }) maxUses?: number | null;
  @Field(() => Date, { nullable: true, description: 'default: in 30 days' }) expiresAt?: Date | null;
}

@InputType({ description: 'A change of an invite: absent fields keep their value' })
export class UpdateConductAdminInviteInput {
  @Field(() => Boolean, { nullable: true }) disabled?: boolean | null;
  @Field(() => String, { nullable: true }) note?: string | null;
  @Field(() => Int, { nullable: true, description: 'null: unlimited' }) maxUses?: number | null;
  @Field(() => Date, { nullable: true, description: 'null: never expires' }) expiresAt?: Date | null;
}

@ObjectType({ description: "conduct's system settings" })
export class ConductSystemSettings {
  @Field(() => Boolean, { description: 'whether the public event list shows every active event to anyone' }) showPublicEventList!: boolean;
}

@InputType({ description: 'Settings to change; absent ones keep their value' })
export class UpdateConductSystemSettingsInput {
  @Field(() => Boolean, { nullable: true }) showPublicEventList?: boolean | null;
}

/** Only what was given: an absent field stays absent (keep), an explicit null is passed on. */
function given<T extends object>(input: T): T {
  return Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)) as T;
}

@Resolver()
export class ConductAdminResolver {
  @Allow(access.admin)
  @Mutation(() => ConductEvent, { description: 'SuperAdmin: a new event, inactive with setup required; the SuperAdmin gets no role there' })
  createConductEvent(@Ctx() ctx: AppContext, @Arg('input', () => CreateConductEventInput) input: CreateConductEventInput): Promise<ConductEvent> {
    return admin.createEvent(ctx, input);
  }

  @Allow(access.admin)
  @Query(() => ConductAdminEventList, { description: "SuperAdmin: every event (organizations' too) with its counts, and the platform totals" })
  async conductAdminEvents(@Ctx() ctx: AppContext): Promise<ConductAdminEventList> {
    return { events: await admin.adminEvents(ctx), statistics: await admin.statistics(ctx) };
  }

  @Allow(access.admin)
  @Query(() => ConductAdminEventStats, { description: 'SuperAdmin: the platform totals, reports by state and the 10 newest reports' })
  conductAdminEventStats(@Ctx() ctx: AppContext): Promise<ConductAdminEventStats> {
    return admin.adminStats(ctx);
  }

  @Allow(access.admin)
  @Query(() => ConductAdminEventDetail, { description: 'SuperAdmin: one event with its counts and newest reports' })
  conductAdminEvent(@Ctx() ctx: AppContext, @Arg('eventId', () => ID) eventId: string): Promise<ConductAdminEventDetail> {
    return admin.adminEvent(ctx, eventId);
  }

  @Allow(access.admin)
  @Mutation(() => ConductEvent, { description: 'SuperAdmin: switches an event on or off' })
  setConductEventActive(@Ctx() ctx: AppContext, @Arg('eventId', () => ID) eventId: string, @Arg('active', () => Boolean) active: boolean): Promise<ConductEvent> {
    return admin.setEventActive(ctx, eventId, active);
  }

  @Allow(access.admin)
  @ListSize({ max: EVENT_INVITES_MAX })
  @Query(() => [ConductInvite], { description: "SuperAdmin: an event's invite links, newest first" })
  conductAdminEventInvites(@Ctx() ctx: AppContext, @Arg('eventId', () => ID) eventId: string): Promise<ConductInvite[]> {
    return admin.adminInvites(ctx, eventId);
  }

  @Allow(access.admin)
  @Mutation(() => ConductInvite, { description: "SuperAdmin: an invite link for an event's Admin (or Responder)" })
  createConductAdminInvite(
    @Ctx() ctx: AppContext,
    @Arg('eventId', () => ID) eventId: string,
    @Arg('input', () => ConductAdminInviteInput) input: ConductAdminInviteInput,
  ): Promise<ConductInvite> {
    return admin.createAdminInvite(ctx, eventId, input);
  }

  @Allow(access.admin)
  @Mutation(() => ConductInvite, { description: 'SuperAdmin: changes an invite link of an event (disabled, note, max uses, expiry)' })
  updateConductAdminInvite(
    @Ctx() ctx: AppContext,
    @Arg('eventId', () => ID) eventId: string,
    @Arg('inviteId', () => ID) inviteId: string,
    @Arg('input', () => UpdateConductAdminInviteInput) input: UpdateConductAdminInviteInput,
  ): Promise<ConductInvite> {
    return admin.updateAdminInvite(ctx, eventId, inviteId, given(input));
  }

  @Allow(access.public)
  @Query(() => ConductSystemSettings, { description: "conduct's system settings (public)" })
  conductSystemSettings(@Ctx() ctx: AppContext): Promise<ConductSystemSettings> {
    return settings.systemSettings(ctx);
  }

  @Allow(access.admin)
  @Mutation(() => ConductSystemSettings, { description: 'SuperAdmin: changes system settings' })
  updateConductSystemSettings(
    @Ctx() ctx: AppContext,
    @Arg('input', () => UpdateConductSystemSettingsInput) input: UpdateConductSystemSettingsInput,
  ): Promise<ConductSystemSettings> {
    return settings.updateSystemSettings(ctx, input);
  }
}
