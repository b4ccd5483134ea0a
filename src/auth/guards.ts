/** Authorization checks that services call first; every transport goes through them. */
import type { AppContext, Viewer } from '../context/context';
import { forbidden, unauthenticated } from '../errors/domain-error';
import { Role } from '../modules/identity/user.entity';

export function requireViewer(ctx: AppContext): Viewer {
  if (!ctx.viewer) throw unauthenticated();
  return ctx.viewer;
}

export function requireAdmin(ctx: AppContext): Viewer {
  const viewer = requireViewer(ctx);
  if (viewer.role !== Role.ADMIN) throw forbidden('Admin role required');
  return viewer;
}

export function isAdmin(ctx: AppContext): boolean {
  return ctx.viewer?.role === Role.ADMIN;
}
