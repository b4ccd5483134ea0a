/** Every resolver class of the graph. */
import type { NonEmptyArray } from 'type-graphql';
import { IdentityResolver } from '../modules/identity/identity.resolver';
import { CoparentResolver, CoparentUserFieldResolver } from '../modules/coparent/coparent.resolver';
import { CompassMyAnswersChangeFieldResolver, CompassPartyFieldResolver, CompassResolver, CompassUserFieldResolver } from '../modules/compass/compass.resolver';
import { ConductResolver } from '../modules/conduct/conduct.resolver';
import { ConductUsersResolver } from '../modules/conduct/users.resolver';
import { ConductEventUsersResolver } from '../modules/conduct/event-users.resolver';
import { ConductOrganizationFieldResolver, ConductOrganizationsResolver, ConductOrgMembershipFieldResolver } from '../modules/conduct/organizations.resolver';
import { ConductEventFieldsResolver, ConductEventsResolver } from '../modules/conduct/events.resolver';
import { ConductAdminResolver } from '../modules/conduct/admin.resolver';
import { ConductReportFieldsResolver, ConductReportHistoryFieldsResolver, ConductReportPageFieldsResolver, ConductReportsResolver } from '../modules/conduct/reports.resolver';
import { ConductNotificationFieldsResolver, ConductNotificationsResolver } from '../modules/conduct/notifications.resolver';
import { ConductDashboardResolver } from '../modules/conduct/dashboard.resolver';
import { ConductEvidenceFieldsResolver, ConductEvidenceResolver } from '../modules/conduct/evidence.resolver';
import { ConductCommentFieldsResolver, ConductCommentsResolver } from '../modules/conduct/comments.resolver';

import {
  CakeEventFieldsResolver,
  CakeGroupFieldsResolver,
  CakeMembershipFieldsResolver,
  CakePhotoFieldsResolver,
  CakeRatingFieldsResolver,
  CakeResolver,
  CakeUserFieldsResolver,
} from '../modules/cake/cake.resolver';
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export const resolvers: NonEmptyArray<Function> = [
  IdentityResolver,
  CoparentResolver,
  CoparentUserFieldResolver,
  CompassResolver,
  CompassUserFieldResolver,
  CompassPartyFieldResolver,
  CompassMyAnswersChangeFieldResolver,
  CakeResolver,
  CakeEventFieldsResolver,
  CakeRatingFieldsResolver,
  CakePhotoFieldsResolver,
  CakeMembershipFieldsResolver,
  CakeGroupFieldsResolver,
  CakeUserFieldsResolver,
  ConductResolver,
  ConductUsersResolver,
  ConductEventUsersResolver,
  ConductOrganizationsResolver,
  ConductOrganizationFieldResolver,
  ConductOrgMembershipFieldResolver,
  ConductEventsResolver,
  ConductEventFieldsResolver,
  ConductAdminResolver,
  ConductReportsResolver,
  ConductReportFieldsResolver,
  ConductReportPageFieldsResolver,
  ConductReportHistoryFieldsResolver,
  ConductNotificationsResolver,
  ConductNotificationFieldsResolver,
  ConductDashboardResolver,
  ConductEvidenceResolver,
  ConductEvidenceFieldsResolver,
  ConductCommentsResolver,
  ConductCommentFieldsResolver,
];
