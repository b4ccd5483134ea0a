/**
 * The signed-in user's own conduct things (conduct-core.md "Users"): the events where they hold roles,
 * leaving one, the public avatar, notification preferences, whether mail goes out. Profile, password and
 * the avatar's bytes are identity's operations (docs/graph.md "Users"); conduct adds its rules on its
 * routes (the strong password) and here.
 */
import { lockKey } from '../../db/locks';
import type { AppContext } from '../../context/context';
import { requireViewer } from '../../auth/guards';
import { badInput, notFound } from '../../errors/domain-error';
import { isUuid } from '../../db/ids';
import { unitOfWork } from '../../db/unit-of-work';
import { User } from '../identity/user.entity';
import { ConductEvent } from './event.entity';
import { ConductEventRole, ConductEventRoleName } from './event-role.entity';
import { ConductNotificationSettings, NOTIFICATION_FLAGS, NotificationFlag } from './notification-settings.entity';
import { audit, findEvent, forgetEventRoles, sortEventRoles } from './conduct-access';

export interface ConductMyEventView {
  event: ConductEvent;
  roles: ConductEventRoleName[];
}

/** The events where the viewer holds a role, by name, each with its roles (highest first): two statements. */
export async function myEvents(ctx: AppContext): Promise<ConductMyEventView[]> {
  const viewer = requireViewer(ctx);
  const rows = await ctx.em.find(ConductEventRole, { user: viewer.id }, { populate: ['event'] });
  const byEvent = new Map<string, ConductMyEventView>();
  for (const r of rows) {
    let view = byEvent.get(r.event.id);
    if (!view) byEvent.set(r.event.id, (view = { event: r.event, roles: [] }));
    view.roles.push(r.role);
  }
  return [...byEvent.values()]
    .map((v) => ({ event: v.event, roles: sortEventRoles(v.roles) }))
    .sort((a, b) => a.event.name.localeCompare(b.event.name) || a.event.id.localeCompare(b.event.id));
}

/**
 * Leaves an event: every role the viewer holds there goes. 404 when they hold none (or the event is
 * unknown); 400 when they are its only Admin (an event keeps one).
 */
export async function leaveEvent(ctx: AppContext, eventId: string): Promise<boolean> {
  const viewer = requireViewer(ctx);
  const event = await findEvent(ctx, { id: eventId });
  return unitOfWork(ctx, async (tx) => {
    const mine = await tx.em.find(ConductEventRole, { event: event.id, user: viewer.id });
    if (!mine.length) throw notFound('You are not a member of this event.');
    if (mine.some((r) => r.role === ConductEventRoleName.ADMIN)) {
      await tx.em.execute('select pg_advisory_xact_lock(hashtext(?))', [lockKey.conductEventAdmins(event.id)]);
      const admins = await tx.em.count(ConductEventRole, { event: event.id, role: ConductEventRoleName.ADMIN });
      if (admins <= 1) throw badInput('You cannot leave this event: you are its only admin. Make someone else an admin first.');
    }
    await tx.em.nativeDelete(ConductEventRole, { event: event.id, user: viewer.id });
    forgetEventRoles(ctx, viewer.id);
    await audit(tx, { action: 'event.left', targetType: 'User', targetId: viewer.id, eventId: event.id, details: { roles: mine.map((r) => r.role) } });
    return true;
  });
}

/** A user's stored avatar, for anyone (conduct shows avatars publicly: `/users/<id>/avatar`). */
export async function publicAvatar(ctx: AppContext, userId: string): Promise<{ id: string } | null> {
  const user = isUuid(userId) ? await ctx.em.findOne(User, { id: userId, deletedAt: null }, { fields: ['id', 'avatarFileId'] }) : null;
  if (!user) throw notFound('User not found');
  return user.avatarFileId ? { id: user.avatarFileId } : null;
}

/** The viewer's notification preferences (the defaults until they save some: `*InApp` on, `*Email` off). */
export async function notificationSettings(ctx: AppContext): Promise<ConductNotificationSettings> {
  const viewer = requireViewer(ctx);
  const saved = await ctx.em.findOne(ConductNotificationSettings, { user: viewer.id });
  // an unsaved row carries the defaults (flagDefault: in-app on, email off)
  return saved ?? new ConductNotificationSettings();
}

/** Saves the flags given (the others keep their value or default). */
export async function updateNotificationSettings(ctx: AppContext, changes: Partial<Record<NotificationFlag, boolean | null>>): Promise<ConductNotificationSettings> {
  const viewer = requireViewer(ctx);
  const given = NOTIFICATION_FLAGS.filter((f) => changes[f] !== undefined && changes[f] !== null);
  if (!given.length) throw badInput('Give at least one notification setting');
  return unitOfWork(ctx, async (tx) => {
    let row = await tx.em.findOne(ConductNotificationSettings, { user: viewer.id });
    if (!row) {
      row = tx.em.create(ConductNotificationSettings, { user: tx.em.getReference(User, viewer.id) } as never);
      tx.em.persist(row);
    }
    for (const f of given) (row as unknown as Record<string, boolean>)[f] = changes[f] as boolean;
    await tx.em.flush();
    await audit(tx, { action: 'notification_settings.updated', targetType: 'User', targetId: viewer.id, details: { flags: given } });
    return row;
  });
}

/** Whether the platform sends mail (SMTP configured); mail otherwise lands in the outbox. */
export function emailEnabled(ctx: AppContext): boolean {
  return !!ctx.app.config.smtpUrl;
}
