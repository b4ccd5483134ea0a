/** conduct's notifications (conduct-reports.md "Notifications"): the viewer's own, listed, counted, read, deleted, live. */
import { Arg, Ctx, Field, FieldResolver, ID, Int, Mutation, ObjectType, Query, Resolver, Root, Subscription } from 'type-graphql';
import { wrap } from '@mikro-orm/core';
import type { AppContext } from '../../context/context';
import { Allow } from '../../auth/access';
import { ListSize } from '../../server/cost';
import { filterAsync } from '../../pubsub/filter';
import type { Topics } from '../../pubsub/topics';
import { ConductEvent } from './event.entity';
import { ConductReport, ConductReportState } from './report.entity';
import { ConductNotification, ConductNotificationPriority } from './notification.entity';
import { conductMember } from './conduct-access';
import * as notifications from './notifications.service';

@ObjectType({ description: 'The report a notification is about: its title and state only (the recipient may no longer see the report itself)' })
export class ConductNotificationReport {
  @Field(() => ID) id!: string;
  @Field(() => String) title!: string;
  @Field(() => ConductReportState) state!: ConductReportState;
}

@ObjectType({ description: "A page of the viewer's notifications, newest first" })
export class ConductNotificationPage {
  @ListSize({ max: notifications.NOTIFICATIONS_PAGE_MAX })
  @Field(() => [ConductNotification])
  notifications!: ConductNotification[];
  @Field(() => Int, { description: 'how many match the filters' }) total!: number;
  @Field(() => Int, { description: "how many of all the viewer's notifications are unread" }) unreadCount!: number;
  @Field(() => Int) page!: number;
  @Field(() => Int) limit!: number;
}

@ObjectType({ description: 'How many notifications have one type or priority' })
export class ConductNotificationCount {
  @Field(() => String, { description: 'the type (report_submitted…) or the priority (low, normal, high, urgent)' }) key!: string;
  @Field(() => Int) count!: number;
}

@ObjectType({ description: "The viewer's notification counts" })
export class ConductNotificationStats {
  @Field(() => Int) total!: number;
  @Field(() => Int) unread!: number;
  @ListSize({ max: 20 })
  @Field(() => [ConductNotificationCount])
  byType!: ConductNotificationCount[];
  @ListSize({ max: 4 })
  @Field(() => [ConductNotificationCount])
  byPriority!: ConductNotificationCount[];
}

const idOf = (ref: { id: string } | null | undefined): string | null => ref?.id ?? null;

@Resolver()
export class ConductNotificationsResolver {
  @Allow(conductMember)
  @ListSize({ max: notifications.NOTIFICATIONS_PAGE_MAX, slicingArguments: ['limit'], sizedFields: ['notifications'] })
  @Query(() => ConductNotificationPage, { description: "The viewer's notifications, newest first (limit 1-100, default 20)" })
  myConductNotifications(
    @Ctx() ctx: AppContext,
    @Arg('page', () => Int, { nullable: true }) page?: number | null,
    @Arg('limit', () => Int, { nullable: true }) limit?: number | null,
    @Arg('unreadOnly', () => Boolean, { nullable: true }) unreadOnly?: boolean | null,
    @Arg('type', () => String, { nullable: true, description: 'report_submitted, report_status_changed, report_assigned, report_comment_added…' }) type?: string | null,
    @Arg('priority', () => ConductNotificationPriority, { nullable: true }) priority?: ConductNotificationPriority | null,
  ): Promise<notifications.NotificationPage> {
    return notifications.myNotifications(ctx, { page, limit, unreadOnly, type, priority });
  }

  @Allow(conductMember)
  @Query(() => ConductNotificationStats, { description: "The viewer's notification counts: all, unread, by type, by priority" })
  conductNotificationStats(@Ctx() ctx: AppContext): Promise<notifications.NotificationStats> {
    return notifications.notificationStats(ctx);
  }

  @Allow(conductMember)
  @Mutation(() => ConductNotification, { description: "Marks one of the viewer's notifications read (another user's: NOT_FOUND)" })
  markConductNotificationRead(@Ctx() ctx: AppContext, @Arg('id', () => ID) id: string): Promise<ConductNotification> {
    return notifications.markRead(ctx, id);
  }

  @Allow(conductMember)
  @Mutation(() => Int, { description: 'Marks every notification of the viewer read; answers how many changed' })
  markAllConductNotificationsRead(@Ctx() ctx: AppContext): Promise<number> {
    return notifications.markAllRead(ctx);
  }

  @Allow(conductMember)
  @Mutation(() => Boolean, { description: "Deletes one of the viewer's notifications (another user's: NOT_FOUND)" })
  deleteConductNotification(@Ctx() ctx: AppContext, @Arg('id', () => ID) id: string): Promise<boolean> {
    return notifications.deleteNotification(ctx, id);
  }

  /**
   * The viewer's new notifications as they are created (after the change that causes them commits). Per
   * subscriber by nature (each hears only their own), so not @LiveShared; a published event's rows are
   * loaded once per instance and shared by its recipients (notifications.service.ts `notificationsOf`).
   */
  @Allow(conductMember)
  @Subscription(() => ConductNotification, {
    description: "The viewer's own notifications as they are created",
    subscribe: ({ context }) => {
      const ctx = context as AppContext;
      const userId = ctx.viewer!.id;
      return filterAsync(ctx.app.pubsub.subscribe('conduct.notificationAdded'), async (batch) =>
        notifications.batchNames(batch, userId) ? (await notifications.notificationsOf(ctx.app, batch)).has(userId) : false,
      );
    },
  })
  async conductNotificationAdded(@Ctx() ctx: AppContext, @Root() batch: Topics['conduct.notificationAdded']): Promise<ConductNotification> {
    // the guard re-read the viewer for this event; only their own row is answered
    const mine = (await notifications.notificationsOf(ctx.app, batch)).get(ctx.viewer!.id);
    if (!mine) throw new Error('conductNotificationAdded: the filtered event has no notification of the subscriber');
    return mine;
  }
}

@Resolver(() => ConductNotification)
export class ConductNotificationFieldsResolver {
  @FieldResolver(() => ID, { description: 'the recipient' })
  userId(@Root() n: ConductNotification): string {
    return n.user.id;
  }

  @FieldResolver(() => ID, { nullable: true })
  eventId(@Root() n: ConductNotification): string | null {
    return idOf(n.event);
  }

  @FieldResolver(() => ID, { nullable: true })
  reportId(@Root() n: ConductNotification): string | null {
    return idOf(n.report);
  }

  @FieldResolver(() => ConductEvent, { nullable: true, description: 'the event it is about (loaded with the notification)' })
  async event(@Ctx() ctx: AppContext, @Root() n: ConductNotification): Promise<ConductEvent | null> {
    if (!n.event) return null;
    return wrap(n.event).isInitialized() ? n.event : ctx.em.findOne(ConductEvent, { id: n.event.id });
  }

  @FieldResolver(() => ConductNotificationReport, { nullable: true, description: 'the report it is about: title and state' })
  async report(@Ctx() ctx: AppContext, @Root() n: ConductNotification): Promise<ConductNotificationReport | null> {
    if (!n.report) return null;
    const r = wrap(n.report).isInitialized() ? n.report : await ctx.em.findOne(ConductReport, { id: n.report.id });
    return r ? { id: r.id, title: r.title, state: r.state } : null;
  }
}
