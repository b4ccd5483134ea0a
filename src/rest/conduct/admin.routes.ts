/** SuperAdmin (`/api/admin`): events, statistics, toggles, admin invites, system settings (conduct-core.md "SuperAdmin", "System settings"). */
import type { RestRoute } from '../engine/types';

export const adminRoutes: RestRoute[] = [];
