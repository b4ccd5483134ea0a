/** Every entity of the graph, listed once (no folder scanning: start-up stays fast and explicit). */
import { User } from '../modules/identity/user.entity';
import { Session } from '../modules/identity/session.entity';
import { PasswordReset } from '../modules/identity/password-reset.entity';
import { MailMessage } from '../modules/identity/mail-message.entity';
import { AppMembership } from '../modules/identity/app-membership.entity';
import { StoredFile } from '../storage/stored-file.entity';

import { CompassParty } from '../modules/compass/party.entity';
import { CompassPartyAdmin } from '../modules/compass/party-admin.entity';
import { CompassQuestion } from '../modules/compass/question.entity';
import { CompassPartyAnswer } from '../modules/compass/party-answer.entity';
import { CompassUserAnswer } from '../modules/compass/user-answer.entity';
import { CompassProfile } from '../modules/compass/compass-profile.entity';
import { CompassUserScore } from '../modules/compass/user-score.entity';

import { Household } from '../modules/coparent/household.entity';
import { CoparentItem } from '../modules/coparent/coparent-item.entity';
import { CoparentScheduleBlock } from '../modules/coparent/schedule-block.entity';
import { CoparentCycleTemplate } from '../modules/coparent/cycle-template.entity';

import { CakeGroup, CakeMembership } from '../modules/cake/cake-group.entity';
import { CakeEvent } from '../modules/cake/cake-event.entity';
import { CakeRating } from '../modules/cake/cake-rating.entity';
import { CakePhoto } from '../modules/cake/cake-photo.entity';
import { CakeEventLogEntry } from '../modules/cake/cake-event-log.entity';

import { ConductOrganization, ConductOrgMembership } from '../modules/conduct/organization.entity';
import { ConductEvent } from '../modules/conduct/event.entity';
import { ConductEventRole } from '../modules/conduct/event-role.entity';
import { ConductInvite } from '../modules/conduct/invite.entity';
import { ConductSetting } from '../modules/conduct/setting.entity';
import { ConductNotificationSettings } from '../modules/conduct/notification-settings.entity';
import { ConductAuditLog } from '../modules/conduct/audit-log.entity';
import { ConductReport } from '../modules/conduct/report.entity';
import { ConductComment } from '../modules/conduct/comment.entity';
import { ConductReportStateChange } from '../modules/conduct/report-state-change.entity';
import { ConductEvidence } from '../modules/conduct/evidence.entity';
import { ConductNotification } from '../modules/conduct/notification.entity';

export const entities = [
  User,
  Session,
  PasswordReset,
  MailMessage,
  AppMembership,
  StoredFile,
  CompassParty,
  CompassPartyAdmin,
  CompassQuestion,
  CompassPartyAnswer,
  CompassUserAnswer,
  CompassProfile,
  CompassUserScore,
  Household,
  CoparentItem,
  CoparentScheduleBlock,
  CoparentCycleTemplate,
  CakeGroup,
  CakeMembership,
  CakeEvent,
  CakeRating,
  CakePhoto,
  CakeEventLogEntry,
  ConductOrganization,
  ConductOrgMembership,
  ConductEvent,
  ConductEventRole,
  ConductInvite,
  ConductSetting,
  ConductNotificationSettings,
  ConductAuditLog,
  ConductReport,
  ConductComment,
  ConductReportStateChange,
  ConductEvidence,
  ConductNotification,
];
