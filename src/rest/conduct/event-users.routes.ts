/** An event's users, roles and invites, and invite redemption (conduct-core.md "Events", "Invites"). */
import type { RestRoute } from '../engine/types';

export const eventUserRoutes: RestRoute[] = [];
