/** The signed-in user (`/api/users/me/...`, avatars, notification settings, config) (conduct-core.md "Users"). */
import type { RestRoute } from '../engine/types';

export const userRoutes: RestRoute[] = [];
