import { Entity, Enum, Index, OptionalProps, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { randomUUID } from 'node:crypto';

export enum Role {
  USER = 'USER',
  ADMIN = 'ADMIN',
}
registerEnumType(Role, { name: 'Role', description: 'Global role; scoped roles live in memberships' });

/**
 * The one identity shared by every surface (ARCHITECTURE.md "Shared identity"). Each surface renders it
 * in its own vocabulary; the serial `number` is compass's integer `user_id`.
 */
@ObjectType()
@Entity({ tableName: 'users' })
@Unique({ name: 'users_username_lower_unique', expression: 'create unique index "users_username_lower_unique" on "users" (lower("username"))' })
@Unique({ name: 'users_email_lower_unique', expression: 'create unique index "users_email_lower_unique" on "users" (lower("email"))' })
export class User {
  [OptionalProps]?: 'number' | 'name' | 'hasAvatar' | 'role' | 'isActive' | 'mustChangePassword' | 'language' | 'emailLanguage' | 'twoFactorEnabled' | 'createdAt' | 'updatedAt';

  @Field(() => ID)
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Field(() => Int, { description: "Serial integer, the compass surface's user_id" })
  @Property({ type: 'integer', autoincrement: true, unique: 'users_number_unique', columnType: 'serial' })
  number!: number;

  @Field(() => String, { nullable: true })
  @Property({ type: 'string', length: 100, nullable: true })
  username?: string | null;

  @Field(() => String, { nullable: true })
  @Property({ type: 'string', length: 254, nullable: true })
  email?: string | null;

  @Field(() => String)
  @Property({ type: 'string', length: 200, default: '' })
  name: string = '';

  @Property({ type: 'string', length: 255, nullable: true, hidden: true })
  passwordHash?: string | null;

  /** A temporary password mailed by requestPasswordReset: one login within its expiry. */
  @Property({ type: 'string', length: 255, nullable: true, hidden: true })
  tempPasswordHash?: string | null;

  @Property({ type: 'datetime', nullable: true, hidden: true })
  tempPasswordExpiresAt?: Date | null;

  @Field(() => Role)
  @Enum({ items: () => Role, nativeEnumName: 'user_role', default: Role.USER })
  role: Role = Role.USER;

  @Field(() => Boolean)
  @Property({ type: 'boolean', default: true })
  isActive: boolean = true;

  @Field(() => Boolean)
  @Property({ type: 'boolean', default: false })
  mustChangePassword: boolean = false;

  @Field(() => String)
  @Property({ type: 'string', length: 10, default: 'en' })
  language: string = 'en';

  @Field(() => String)
  @Property({ type: 'string', length: 10, default: 'en' })
  emailLanguage: string = 'en';

  @Property({ type: 'string', length: 64, nullable: true, hidden: true })
  totpSecret?: string | null;

  @Property({ type: 'string', length: 64, nullable: true, hidden: true })
  totpPendingSecret?: string | null;

  /** The last TOTP time step accepted, so a code cannot be used twice. */
  @Property({ type: 'bigint', nullable: true, hidden: true })
  totpLastStep?: string | null;

  @Field(() => Boolean)
  @Property({ type: 'boolean', default: false })
  twoFactorEnabled: boolean = false;

  @Field(() => ID, { nullable: true, description: "the stored profile picture's file id; it changes when the picture is replaced" })
  @Property({ type: 'uuid', nullable: true })
  avatarFileId?: string | null;

  @Field(() => Boolean, { description: 'whether a profile picture is stored' })
  get hasAvatar(): boolean {
    return !!this.avatarFileId;
  }

  @Field(() => String, { nullable: true })
  @Property({ type: 'string', length: 1000, nullable: true })
  profileUrl?: string | null;

  /** Set when the account was anonymised (deleteMyAccount): no login is possible any more. */
  @Field(() => Date, { nullable: true })
  @Property({ type: 'datetime', nullable: true })
  deletedAt?: Date | null;

  @Field(() => Date)
  @Index()
  @Property({ type: 'datetime', defaultRaw: 'now()' })
  createdAt: Date = new Date();

  @Field(() => Date)
  @Property({ type: 'datetime', defaultRaw: 'now()', onUpdate: () => new Date() })
  updatedAt: Date = new Date();
}
