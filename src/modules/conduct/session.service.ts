/**
 * The current session as conduct sees it (conduct-core.md "session"): who is signed in, whether they are
 * the SuperAdmin, and their event roles over all events. Public: an anonymous request is an answer
 * (`authenticated: false`), not an error, so a client can ask before it knows.
 */
import type { AppContext } from '../../context/context';
import { Role, User } from '../identity/user.entity';
import { ConductEventRoleName } from './event-role.entity';
import { sortEventRoles } from './conduct-rules';

export interface ConductSessionView {
  authenticated: boolean;
  user: User | null;
  superAdmin: boolean;
  eventRoles: ConductEventRoleName[];
}

export async function conductSession(ctx: AppContext): Promise<ConductSessionView> {
  const viewer = ctx.viewer;
  if (!viewer) return { authenticated: false, user: null, superAdmin: false, eventRoles: [] };
  const rows = await ctx.em.execute<{ role: ConductEventRoleName }[]>('select distinct role from conduct_event_roles where user_id = ?', [viewer.id]);
  return { authenticated: true, user: viewer.profile, superAdmin: viewer.role === Role.ADMIN, eventRoles: sortEventRoles(rows.map((r) => r.role)) };
}
