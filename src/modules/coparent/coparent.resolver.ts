import { Arg, Ctx, ID, Mutation, Query, Resolver, Root, Subscription } from 'type-graphql';
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
import { BLOCKS_MAX, ITEMS_MAX } from './list-sizes';

@Resolver()
export class CoparentResolver {
  // --- items -----------------------------------------------------------------------------------

  @Allow(access.signedIn)
  @ListSize({ max: ITEMS_MAX })
  @Query(() => [CoparentItem], { description: 'Items dated in a month (YYYY-MM), by date then creation; the month is the page' })
  coparentItems(@Ctx() ctx: AppContext, @Arg('month', () => String) month: string): Promise<items.CoparentItemRow[]> {
    return items.listItemsOfMonth(ctx, month);
  }

  @Allow(access.signedIn)
  @ListSize({ max: ITEMS_MAX })
  @Query(() => [CoparentItem], { description: 'Items of one day (YYYY-MM-DD)' })
  coparentItemsOnDay(@Ctx() ctx: AppContext, @Arg('date', () => String) date: string): Promise<items.CoparentItemRow[]> {
    return items.listItemsOfDay(ctx, date);
  }

  @Allow(access.signedIn)
  @Query(() => CoparentItem)
  coparentItem(@Ctx() ctx: AppContext, @Arg('id', () => ID) id: string): Promise<CoparentItem> {
    return items.getItem(ctx, id);
  }

  @Allow(access.signedIn)
  @Mutation(() => CoparentItem, { description: 'ownerId: admins only (anyone may name themselves)' })
  createCoparentItem(@Ctx() ctx: AppContext, @Arg('input', () => CreateCoparentItemInput) input: CreateCoparentItemInput): Promise<CoparentItem> {
    return items.createItem(ctx, input);
  }

  @Allow(access.signedIn)
  @Mutation(() => CoparentItem, { description: 'The owner or an admin' })
  updateCoparentItem(
    @Ctx() ctx: AppContext,
    @Arg('id', () => ID) id: string,
    @Arg('input', () => UpdateCoparentItemInput) input: UpdateCoparentItemInput,
  ): Promise<CoparentItem> {
    return items.updateItem(ctx, id, input);
  }

  @Allow(access.signedIn)
  @Mutation(() => Boolean, { description: 'The owner or an admin' })
  deleteCoparentItem(@Ctx() ctx: AppContext, @Arg('id', () => ID) id: string): Promise<boolean> {
    return items.deleteItem(ctx, id);
  }

  // --- schedule --------------------------------------------------------------------------------

  @Allow(access.signedIn)
  @Query(() => CoparentSchedule, { description: 'The days view of a month, or of start..end (inclusive, at most 731 days)' })
  coparentSchedule(
    @Ctx() ctx: AppContext,
    @Arg('month', () => String, { nullable: true }) month?: string | null,
    @Arg('start', () => String, { nullable: true }) start?: string | null,
    @Arg('end', () => String, { nullable: true }) end?: string | null,
  ): Promise<CoparentSchedule> {
    return schedule.getSchedule(ctx, month, start, end);
  }

  @Allow(access.admin)
  @ListSize({ max: BLOCKS_MAX })
  @Query(() => [CoparentScheduleBlock], { description: 'Admins: blocks overlapping the optional inclusive range, by startDate' })
  coparentScheduleBlocks(
    @Ctx() ctx: AppContext,
    @Arg('start', () => String, { nullable: true }) start?: string | null,
    @Arg('end', () => String, { nullable: true }) end?: string | null,
  ): Promise<CoparentScheduleBlock[]> {
    return schedule.listBlocks(ctx, start, end);
  }

  @Allow(access.admin)
  @Mutation(() => CoparentScheduleBlock, { description: 'Admins only' })
  createCoparentScheduleBlock(
    @Ctx() ctx: AppContext,
    @Arg('input', () => CreateCoparentScheduleBlockInput) input: CreateCoparentScheduleBlockInput,
  ): Promise<CoparentScheduleBlock> {
    return schedule.createBlock(ctx, input);
  }

  @Allow(access.admin)
  @Mutation(() => CoparentScheduleBlock, { description: 'Admins only' })
  updateCoparentScheduleBlock(
    @Ctx() ctx: AppContext,
    @Arg('id', () => ID) id: string,
    @Arg('input', () => UpdateCoparentScheduleBlockInput) input: UpdateCoparentScheduleBlockInput,
  ): Promise<CoparentScheduleBlock> {
    return schedule.updateBlock(ctx, id, input);
  }

  @Allow(access.admin)
  @Mutation(() => Boolean, { description: 'Admins only' })
  deleteCoparentScheduleBlock(@Ctx() ctx: AppContext, @Arg('id', () => ID) id: string): Promise<boolean> {
    return schedule.deleteBlock(ctx, id);
  }

  @Allow(access.admin)
  @Query(() => CoparentCycleTemplate, { nullable: true, description: 'Admins only: the active cycle template' })
  coparentCycleTemplate(@Ctx() ctx: AppContext): Promise<CoparentCycleTemplate | null> {
    return schedule.getCycleTemplate(ctx);
  }

  @Allow(access.admin)
  @Mutation(() => CoparentCycleTemplate, { description: 'Admins only: saves (replaces) the active cycle template' })
  setCoparentCycleTemplate(
    @Ctx() ctx: AppContext,
    @Arg('input', () => CoparentCycleTemplateInput) input: CoparentCycleTemplateInput,
  ): Promise<CoparentCycleTemplate> {
    return schedule.setCycleTemplate(ctx, input);
  }

  @Allow(access.admin)
  @Mutation(() => CoparentCycleApplyResult, { description: 'Admins only: lays the template out as blocks from anchorDate' })
  applyCoparentCycleTemplate(
    @Ctx() ctx: AppContext,
    @Arg('input', () => ApplyCoparentCycleTemplateInput) input: ApplyCoparentCycleTemplateInput,
  ): Promise<CoparentCycleApplyResult> {
    return schedule.applyCycleTemplate(ctx, input);
  }

  // --- live changes ----------------------------------------------------------------------------

  /** Signed-in users; events of items dated in the given month. */
  @Allow(access.signedIn)
  @Subscription(() => CoparentItemChange, {
    description: 'Item changes of one month (YYYY-MM), for a live calendar view',
    subscribe: ({ args, context }) => {
      const ctx = context as AppContext;
      const month = items.subscribeItemChanges(ctx, args.month as string);
      return filterAsync(ctx.app.pubsub.subscribe('coparent.itemChanged'), (e) => items.itemChangeVisible(ctx, month, e));
    },
  })
  coparentItemChanged(
    @Root() event: Topics['coparent.itemChanged'],
    @Ctx() ctx: AppContext,
    @Arg('month', () => String) _month: string,
  ): Promise<CoparentItemChange> {
    return items.itemChange(ctx, event);
  }

  /** Signed-in users; TEMPLATE_SAVED only for admins. */
  @Allow(access.signedIn)
  @Subscription(() => CoparentScheduleChange, {
    description: 'Schedule changes (blocks, template applications; template saves for admins)',
    subscribe: ({ context }) => {
      const ctx = context as AppContext;
      schedule.subscribeScheduleChanges(ctx);
      return filterAsync(ctx.app.pubsub.subscribe('coparent.scheduleChanged'), (e) => schedule.scheduleChangeVisible(ctx, e));
    },
  })
  scheduleChanged(@Root() event: Topics['coparent.scheduleChanged'], @Ctx() ctx: AppContext): Promise<CoparentScheduleChange> {
    return schedule.scheduleChange(ctx, event);
  }
}
