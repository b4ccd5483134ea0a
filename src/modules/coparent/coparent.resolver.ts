import { Arg, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root, Subscription } from 'type-graphql';
import type { AppContext } from '../../context/context';
import { access, Allow } from '../../auth/access';
import { filterAsync } from '../../pubsub/filter';
import type { Topics } from '../../pubsub/topics';
import { CoparentItem } from './coparent-item.entity';
import { CoparentScheduleBlock } from './schedule-block.entity';
import { CoparentCycleTemplate } from './cycle-template.entity';
import {
  ApplyCoparentCycleTemplateInput,
  CoparentCycleApplyResult,
  CoparentCycleTemplateInput,
  CoparentItemChange,
  CoparentSchedule,
  CoparentScheduleChange,
  CreateCoparentItemInput,
  CreateCoparentScheduleBlockInput,
  UpdateCoparentItemInput,
  UpdateCoparentScheduleBlockInput,
} from './coparent.inputs';
import * as items from './items.service';
import * as schedule from './schedule.service';
import { ListSize } from '../../server/cost';
import { BLOCKS_MAX, HOUSEHOLD_MEMBERS_MAX, HOUSEHOLDS_MAX, ITEMS_MAX } from './list-sizes';
import * as households from './household.service';
import { Household } from './household.entity';
import { CreateHouseholdMemberInput, UpdateHouseholdMemberInput } from './household.inputs';
import { User } from '../identity/user.entity';
import { Application } from '../identity/enrollment';
import { MembershipRole } from '../identity/app-membership.entity';
import { LiveShared } from '../../server/fanout';

/** Every coparent operation: a member of a household (or a global ADMIN). */
const member = access.enrolled(Application.COPARENT);
/** The household's admin (or a global ADMIN). */
const householdAdmin = access.enrolledAdmin(Application.COPARENT);

@Resolver()
export class CoparentResolver {
  // --- items -----------------------------------------------------------------------------------

  @Allow(member)
  @ListSize({ max: ITEMS_MAX })
  @Query(() => [CoparentItem], { description: 'Items dated in a month (YYYY-MM), by date then creation; the month is the page' })
  coparentItems(@Ctx() ctx: AppContext, @Arg('month', () => String) month: string): Promise<items.CoparentItemRow[]> {
    return items.listItemsOfMonth(ctx, month);
  }

  @Allow(member)
  @ListSize({ max: ITEMS_MAX })
  @Query(() => [CoparentItem], { description: 'Items of one day (YYYY-MM-DD)' })
  coparentItemsOnDay(@Ctx() ctx: AppContext, @Arg('date', () => String) date: string): Promise<items.CoparentItemRow[]> {
    return items.listItemsOfDay(ctx, date);
  }

  @Allow(member)
  @Query(() => CoparentItem)
  coparentItem(@Ctx() ctx: AppContext, @Arg('id', () => ID) id: string): Promise<CoparentItem> {
    return items.getItem(ctx, id);
  }

  @Allow(member)
  @Mutation(() => CoparentItem, { description: 'ownerId: admins only (anyone may name themselves)' })
  createCoparentItem(@Ctx() ctx: AppContext, @Arg('input', () => CreateCoparentItemInput) input: CreateCoparentItemInput): Promise<CoparentItem> {
    return items.createItem(ctx, input);
  }

  @Allow(member)
  @Mutation(() => CoparentItem, { description: 'The owner or an admin' })
  updateCoparentItem(@Ctx() ctx: AppContext, @Arg('id', () => ID) id: string, @Arg('input', () => UpdateCoparentItemInput) input: UpdateCoparentItemInput): Promise<CoparentItem> {
    return items.updateItem(ctx, id, input);
  }

  @Allow(member)
  @Mutation(() => Boolean, { description: 'The owner or an admin' })
  deleteCoparentItem(@Ctx() ctx: AppContext, @Arg('id', () => ID) id: string): Promise<boolean> {
    return items.deleteItem(ctx, id);
  }

  // --- schedule --------------------------------------------------------------------------------

  @Allow(member)
  @Query(() => CoparentSchedule, { description: 'The days view of a month, or of start..end (inclusive, at most 731 days)' })
  coparentSchedule(
    @Ctx() ctx: AppContext,
    @Arg('month', () => String, { nullable: true }) month?: string | null,
    @Arg('start', () => String, { nullable: true }) start?: string | null,
    @Arg('end', () => String, { nullable: true }) end?: string | null,
  ): Promise<CoparentSchedule> {
    return schedule.getSchedule(ctx, month, start, end);
  }

  @Allow(householdAdmin)
  @ListSize({ max: BLOCKS_MAX })
  @Query(() => [CoparentScheduleBlock], { description: 'Admins: blocks overlapping the optional inclusive range, by startDate' })
  coparentScheduleBlocks(
    @Ctx() ctx: AppContext,
    @Arg('start', () => String, { nullable: true }) start?: string | null,
    @Arg('end', () => String, { nullable: true }) end?: string | null,
  ): Promise<CoparentScheduleBlock[]> {
    return schedule.listBlocks(ctx, start, end);
  }

  @Allow(householdAdmin)
  @Mutation(() => CoparentScheduleBlock, { description: 'Admins only' })
  createCoparentScheduleBlock(
    @Ctx() ctx: AppContext,
    @Arg('input', () => CreateCoparentScheduleBlockInput) input: CreateCoparentScheduleBlockInput,
  ): Promise<CoparentScheduleBlock> {
    return schedule.createBlock(ctx, input);
  }

  @Allow(householdAdmin)
  @Mutation(() => CoparentScheduleBlock, { description: 'Admins only' })
  updateCoparentScheduleBlock(
    @Ctx() ctx: AppContext,
    @Arg('id', () => ID) id: string,
    @Arg('input', () => UpdateCoparentScheduleBlockInput) input: UpdateCoparentScheduleBlockInput,
  ): Promise<CoparentScheduleBlock> {
    return schedule.updateBlock(ctx, id, input);
  }

  @Allow(householdAdmin)
  @Mutation(() => Boolean, { description: 'Admins only' })
  deleteCoparentScheduleBlock(@Ctx() ctx: AppContext, @Arg('id', () => ID) id: string): Promise<boolean> {
    return schedule.deleteBlock(ctx, id);
  }

  @Allow(householdAdmin)
  @Query(() => CoparentCycleTemplate, { nullable: true, description: 'Admins only: the active cycle template' })
  coparentCycleTemplate(@Ctx() ctx: AppContext): Promise<CoparentCycleTemplate | null> {
    return schedule.getCycleTemplate(ctx);
  }

  @Allow(householdAdmin)
  @Mutation(() => CoparentCycleTemplate, { description: 'Admins only: saves (replaces) the active cycle template' })
  setCoparentCycleTemplate(@Ctx() ctx: AppContext, @Arg('input', () => CoparentCycleTemplateInput) input: CoparentCycleTemplateInput): Promise<CoparentCycleTemplate> {
    return schedule.setCycleTemplate(ctx, input);
  }

  @Allow(householdAdmin)
  @Mutation(() => CoparentCycleApplyResult, { description: 'Admins only: lays the template out as blocks from anchorDate' })
  applyCoparentCycleTemplate(
    @Ctx() ctx: AppContext,
    @Arg('input', () => ApplyCoparentCycleTemplateInput) input: ApplyCoparentCycleTemplateInput,
  ): Promise<CoparentCycleApplyResult> {
    return schedule.applyCycleTemplate(ctx, input);
  }

  // --- households --------------------------------------------------------------------------------

  @Allow(access.admin)
  @ListSize({ max: HOUSEHOLDS_MAX })
  @Query(() => [Household], { description: 'Platform admins: every household, oldest first' })
  households(@Ctx() ctx: AppContext): Promise<Household[]> {
    return households.listHouseholds(ctx);
  }

  @Allow(access.admin)
  @Mutation(() => Household, { description: 'Platform admins: a new household; adminId (an existing account) becomes its admin' })
  createHousehold(@Ctx() ctx: AppContext, @Arg('name', () => String) name: string, @Arg('adminId', () => ID, { nullable: true }) adminId?: string | null): Promise<Household> {
    return households.createHousehold(ctx, name, adminId);
  }

  @Allow(access.admin)
  @Mutation(() => User, { description: 'Platform admins: adds an existing account to a household (the default one when none is named)' })
  addHouseholdMember(
    @Ctx() ctx: AppContext,
    @Arg('userId', () => ID) userId: string,
    @Arg('role', () => MembershipRole, { nullable: true }) role?: MembershipRole | null,
    @Arg('householdId', () => ID, { nullable: true }) householdId?: string | null,
  ): Promise<User> {
    return households.addHouseholdMember(ctx, userId, role, householdId);
  }

  @Allow(householdAdmin)
  @ListSize({ max: HOUSEHOLD_MEMBERS_MAX })
  @Query(() => [User], { description: "The members of the viewer's household, oldest first" })
  householdMembers(@Ctx() ctx: AppContext): Promise<User[]> {
    return households.listMembers(ctx);
  }

  @Allow(householdAdmin)
  @Mutation(() => User, { description: "A new account, member of the viewer's household" })
  createHouseholdMember(@Ctx() ctx: AppContext, @Arg('input', () => CreateHouseholdMemberInput) input: CreateHouseholdMemberInput): Promise<User> {
    return households.createMember(ctx, input);
  }

  @Allow(householdAdmin)
  @Mutation(() => User, { description: "A member's role in the household or password (their sessions end)" })
  updateHouseholdMember(
    @Ctx() ctx: AppContext,
    @Arg('userId', () => ID) userId: string,
    @Arg('input', () => UpdateHouseholdMemberInput) input: UpdateHouseholdMemberInput,
  ): Promise<User> {
    return households.updateMember(ctx, userId, input);
  }

  @Allow(householdAdmin)
  @Mutation(() => Boolean, { description: 'Takes a member out of the household with their items (never its last admin); the account is deleted when coparent was all it had' })
  removeHouseholdMember(@Ctx() ctx: AppContext, @Arg('userId', () => ID) userId: string): Promise<boolean> {
    return households.removeMember(ctx, userId);
  }

  // --- live changes ----------------------------------------------------------------------------

  /** Members of a household; events of their household's items dated in the given month. */
  @Allow(member)
  @LiveShared()
  @Subscription(() => CoparentItemChange, {
    description: 'Item changes of one month (YYYY-MM), for a live calendar view',
    subscribe: async ({ args, context }) => {
      const ctx = context as AppContext;
      const month = await items.subscribeItemChanges(ctx, args.month as string);
      return filterAsync(ctx.app.pubsub.subscribe('coparent.itemChanged'), (e) => items.itemChangeVisible(ctx, month, e));
    },
  })
  coparentItemChanged(@Root() event: Topics['coparent.itemChanged'], @Ctx() ctx: AppContext, @Arg('month', () => String) _month: string): Promise<CoparentItemChange> {
    return items.itemChange(ctx, event);
  }

  /** Members of a household; its changes only; TEMPLATE_SAVED only for its admins. */
  @Allow(member)
  @LiveShared()
  @Subscription(() => CoparentScheduleChange, {
    description: 'Schedule changes (blocks, template applications; template saves for admins)',
    subscribe: async ({ context }) => {
      const ctx = context as AppContext;
      await schedule.subscribeScheduleChanges(ctx);
      return filterAsync(ctx.app.pubsub.subscribe('coparent.scheduleChanged'), (e) => schedule.scheduleChangeVisible(ctx, e));
    },
  })
  scheduleChanged(@Root() event: Topics['coparent.scheduleChanged'], @Ctx() ctx: AppContext): Promise<CoparentScheduleChange> {
    return schedule.scheduleChange(ctx, event);
  }
}

/** coparent's view of the shared user. */
@Resolver(() => User)
export class CoparentUserFieldResolver {
  @LiveShared()
  @FieldResolver(() => MembershipRole, { description: 'The role in coparent: ADMIN for a household admin or a platform admin, else USER (also in no household)' })
  coparentRole(@Root() user: User, @Ctx() ctx: AppContext): Promise<MembershipRole> {
    return households.coparentRole(ctx, user);
  }
}
