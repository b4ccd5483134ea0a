import { Application } from './enrollment';
import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Role, User } from './user.entity';
import { ListSize } from '../../server/cost';
import { USERS_PAGE_MAX } from './list-sizes';

@InputType()
export class RegisterInput {
  @Field(() => String, { nullable: true }) username?: string | null;
  @Field(() => String, { nullable: true }) email?: string | null;
  @Field(() => String, { nullable: true }) name?: string | null;
  @Field(() => String) password!: string;
  @Field(() => String, { nullable: true }) language?: string | null;
}

@InputType()
export class LoginInput {
  @Field(() => String, { description: 'username or email' }) login!: string;
  @Field(() => String) password!: string;
  @Field(() => String, { nullable: true, description: 'TOTP code when two-factor authentication is on' }) code?: string | null;
  @Field(() => Application, { nullable: true, description: 'The application signing in: the account must be enrolled there (its rule, FORBIDDEN otherwise)' })
  application?: Application | null;
}

@ObjectType()
export class AuthPayload {
  @Field(() => String, { nullable: true, description: 'null while a two-factor code is required' }) token!: string | null;
  @Field(() => User, { nullable: true }) user!: User | null;
  @Field(() => Boolean) requiresTwoFactor!: boolean;
  @Field(() => Date, { nullable: true }) expiresAt!: Date | null;
}

@ObjectType()
export class TwoFactorSetup {
  @Field(() => String) secret!: string;
  @Field(() => String) otpauthUrl!: string;
  @Field(() => String, { description: 'PNG data URL of the otpauth QR code' }) qrCode!: string;
}

@InputType()
export class UserFilter {
  @Field(() => Role, { nullable: true }) role?: Role | null;
  @Field(() => String, { nullable: true, description: 'case-insensitive substring of username, email or name' }) search?: string | null;
  @Field(() => String, { nullable: true, description: 'case-insensitive substring of the username only' }) username?: string | null;
  @Field(() => Boolean, { nullable: true }) active?: boolean | null;
}

@ObjectType()
export class UserPage {
  @ListSize({ max: USERS_PAGE_MAX })
  @Field(() => [User])
  items!: User[];
  @Field(() => Int) total!: number;
  @Field(() => Int) limit!: number;
  @Field(() => Int) offset!: number;
}

@InputType()
export class CreateUserInput {
  @Field(() => String, { nullable: true }) username?: string | null;
  @Field(() => String, { nullable: true }) email?: string | null;
  @Field(() => String, { nullable: true }) name?: string | null;
  @Field(() => String) password!: string;
  @Field(() => Role, { nullable: true }) role?: Role | null;
  @Field(() => Boolean, { nullable: true }) isActive?: boolean | null;
  @Field(() => String, { nullable: true }) profileUrl?: string | null;
}

@InputType({ description: 'The fields given change; null clears profileUrl (and what applications allow to clear)' })
export class UpdateUserInput {
  @Field(() => String, { nullable: true }) username?: string | null;
  @Field(() => String, { nullable: true }) email?: string | null;
  @Field(() => String, { nullable: true }) name?: string | null;
  @Field(() => String, { nullable: true }) language?: string | null;
  @Field(() => String, { nullable: true }) profileUrl?: string | null;
  @Field(() => String, { nullable: true, description: "admins only: sets a new password and ends the user's sessions" }) password?: string | null;
  @Field(() => Role, { nullable: true, description: 'admins only' }) role?: Role | null;
}

export enum UserChangeKind {
  CREATED = 'CREATED',
  UPDATED = 'UPDATED',
  DELETED = 'DELETED',
}
registerEnumType(UserChangeKind, { name: 'UserChangeKind' });

@ObjectType()
export class UserChange {
  @Field(() => UserChangeKind) kind!: UserChangeKind;
  @Field(() => String) userId!: string;
  @Field(() => User, { nullable: true, description: 'null when deleted' }) user!: User | null;
}

/** The session of the request's token (a token names one server-side session). */
@ObjectType()
export class CurrentSession {
  @Field(() => ID) id!: string;
  @Field(() => Date, { description: 'when the user logged in' }) createdAt!: Date;
  @Field(() => Date, { description: 'when the token and its session expire' }) expiresAt!: Date;
}

export enum PasswordResetRefusal {
  /** no such token (or its account is gone or inactive) */
  UNKNOWN = 'UNKNOWN',
  /** already used, or replaced by a newer token */
  USED = 'USED',
  EXPIRED = 'EXPIRED',
}
registerEnumType(PasswordResetRefusal, { name: 'PasswordResetRefusal', description: 'Why a password reset token cannot be used' });

/** A password reset token as a reset page checks it before asking for the new password. */
@ObjectType()
export class PasswordResetToken {
  @Field(() => Boolean) valid!: boolean;
  @Field(() => String, { nullable: true, description: "the account's address while the token is valid" }) email!: string | null;
  @Field(() => Date, { nullable: true }) expiresAt!: Date | null;
  @Field(() => PasswordResetRefusal, { nullable: true, description: 'why it is not valid' }) reason!: PasswordResetRefusal | null;
}
