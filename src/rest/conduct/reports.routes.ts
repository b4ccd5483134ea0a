/** Reports, evidence and comments (conduct-reports.md "Reports", "Cross-event reports", "Evidence", "Comments"). */
import type { RestRoute } from '../engine/types';

export const reportRoutes: RestRoute[] = [];
