/** Events (`/api/events`, alias `/events`): the public list, by id and slug, updates, my roles, logos (conduct-core.md "Events"). */
import type { RestRoute } from '../engine/types';

export const eventRoutes: RestRoute[] = [];
