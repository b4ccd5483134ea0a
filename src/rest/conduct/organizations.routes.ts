/** Organizations (`/api/organizations`): CRUD, membership, organization events, logos, invite links (conduct-core.md "Organizations"). */
import type { RestRoute } from '../engine/types';

export const organizationRoutes: RestRoute[] = [];
