/** Notifications, dashboards and the testing routes (conduct-reports.md "Notifications", "Dashboard", "Testing routes"). */
import type { RestRoute } from '../engine/types';

export const notificationRoutes: RestRoute[] = [];
