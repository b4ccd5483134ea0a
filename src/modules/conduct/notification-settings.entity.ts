import { Entity, ManyToOne, OptionalProps, Property } from '@mikro-orm/core';
import { Field, ObjectType } from 'type-graphql';
import { User } from '../identity/user.entity';

/** The flags, in upstream's names (conduct-core.md "notification-settings"): `*InApp` default true, `*Email` false. */
export const NOTIFICATION_FLAGS = [
  'reportSubmittedInApp',
  'reportSubmittedEmail',
  'reportAssignedInApp',
  'reportAssignedEmail',
  'reportStatusChangedInApp',
  'reportStatusChangedEmail',
  'reportCommentAddedInApp',
  'reportCommentAddedEmail',
  'eventInvitationInApp',
  'eventInvitationEmail',
  'eventRoleChangedInApp',
  'eventRoleChangedEmail',
  'systemAnnouncementInApp',
  'systemAnnouncementEmail',
] as const;
export type NotificationFlag = (typeof NOTIFICATION_FLAGS)[number];

/** The default of a flag when the user has no row yet. */
export const flagDefault = (flag: NotificationFlag): boolean => flag.endsWith('InApp');

/** A user's conduct notification preferences; a user without a row has the defaults. */
@ObjectType({ description: "A user's conduct notification preferences (in-app on, email off by default)" })
@Entity({ tableName: 'conduct_notification_settings' })
export class ConductNotificationSettings {
  [OptionalProps]?: NotificationFlag | 'createdAt' | 'updatedAt';

  @ManyToOne(() => User, { primary: true, deleteRule: 'cascade' })
  user!: User;

  @Field(() => Boolean) @Property({ type: 'boolean', default: true }) reportSubmittedInApp: boolean = true;
  @Field(() => Boolean) @Property({ type: 'boolean', default: false }) reportSubmittedEmail: boolean = false;
  @Field(() => Boolean) @Property({ type: 'boolean', default: true }) reportAssignedInApp: boolean = true;
  @Field(() => Boolean) @Property({ type: 'boolean', default: false }) reportAssignedEmail: boolean = false;
  @Field(() => Boolean) @Property({ type: 'boolean', default: true }) reportStatusChangedInApp: boolean = true;
  @Field(() => Boolean) @Property({ type: 'boolean', default: false }) reportStatusChangedEmail: boolean = false;
  @Field(() => Boolean) @Property({ type: 'boolean', default: true }) reportCommentAddedInApp: boolean = true;
  @Field(() => Boolean) @Property({ type: 'boolean', default: false }) reportCommentAddedEmail: boolean = false;
  @Field(() => Boolean) @Property({ type: 'boolean', default: true }) eventInvitationInApp: boolean = true;
  @Field(() => Boolean) @Property({ type: 'boolean', default: false }) eventInvitationEmail: boolean = false;
  @Field(() => Boolean) @Property({ type: 'boolean', default: true }) eventRoleChangedInApp: boolean = true;
  @Field(() => Boolean) @Property({ type: 'boolean', default: false }) eventRoleChangedEmail: boolean = false;
  @Field(() => Boolean) @Property({ type: 'boolean', default: true }) systemAnnouncementInApp: boolean = true;
  @Field(() => Boolean) @Property({ type: 'boolean', default: false }) systemAnnouncementEmail: boolean = false;

  @Property({ type: 'datetime', defaultRaw: 'now()' })
  createdAt: Date = new Date();

  @Property({ type: 'datetime', defaultRaw: 'now()', onUpdate: () => new Date() })
  updatedAt: Date = new Date();
}
