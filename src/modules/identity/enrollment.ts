/**
 * Enrollment per application (ARCHITECTURE.md "One identity, separate applications"). One shared account;
 * each application decides who may use it, by its rule defined here once, beside its own services
 * (identity only looks it up):
 * - how a registration through the application enrolls (`registration`: cakeplanner's wait for an
 *   admin's activation unless CAKE_AUTO_ACTIVATE, and its admins are mailed);
 * - whether an account without a membership may use it (`selfEnroll`: compass and conduct, whose
 *   registration is open; cakeplanner and coparent are closed: a membership, ACTIVE, is required);
 * - the FORBIDDEN messages of its refusals, in its users' words.
 * The access rule `access.enrolled(application)` (src/auth/access.ts) applies it to every operation,
 * route and subscription of the application, against the viewer's memberships (AppMembership, read
 * with the session check). A global ADMIN passes every rule.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { registerEnumType } from 'type-graphql';
import type { AppContext } from '../../context/context';
import type { User } from './user.entity';

export enum Application {
  CAKEPLANNER = 'CAKEPLANNER',
  COMPASS = 'COMPASS',
  CONDUCT = 'CONDUCT',
  COPARENT = 'COPARENT',
}
registerEnumType(Application, { name: 'Application', description: 'An application of the platform; each enrolls its users by its own rule' });

export interface RegisterOptions {
  /** false: the account waits for an admin's activation (cakeplanner without CAKE_AUTO_ACTIVATE) */
  active?: boolean;
  /** runs inside the registration's transaction once the user is flushed (cakeplanner mails its admins) */
  onCreated?: (em: EntityManager, user: User) => Promise<void>;
}

export interface EnrollmentRule {
  /** how a registration through this application creates the account */
  registration?(ctx: AppContext): RegisterOptions;
  /** enrolls the platform's first admin (bootstrapped or first registered), in its unit of work */
  firstAdmin?(em: EntityManager, user: User): Promise<void>;
  /** an account without a membership may use the application (open applications) */
  selfEnroll: boolean;
  /**
   * A stricter password rule of the application, applied by `register(input, application)` before the
   * platform's own (conduct: upper, lower, digit and special): the refusal's message, or null when the
   * password passes. The application's surface applies the same rule to its own password routes.
   */
  passwordProblem?(password: string): string | null;
  /**
   * How a password reset requested through the application (`requestPasswordReset(email, application)`)
   * is mailed: conduct mails a link to its reset page and no temporary password. Without it, the
   * platform's mail (the token and a temporary password).
   */
  passwordReset?: {
    temporaryPassword: boolean;
    mail(ctx: AppContext, reset: { token: string; expiresAt: Date; name: string }): { subject: string; text: string };
  };
  messages: {
    /** no membership (closed applications) */
    notEnrolled: string;
    /** the membership waits for an admin of the application */
    pending: string;
    /** an admin of the application turned the membership off */
    disabled: string;
    /** the operation needs the application's admin role */
    notAdmin: string;
  };
}

const rules = new Map<Application, EnrollmentRule>();

/** Defines an application's rule (once, at module load, beside the application's services). */
export function defineEnrollment(application: Application, rule: EnrollmentRule): void {
  if (rules.has(application)) throw new Error(`enrollment of ${application} is defined twice`);
  rules.set(application, rule);
}

export function registrationOptions(ctx: AppContext, application: Application | null | undefined): RegisterOptions {
  return (application && rules.get(application)?.registration?.(ctx)) || {};
}

/** The application's password refusal (its `passwordProblem`), or null. */
export function applicationPasswordProblem(application: Application | null | undefined, password: string): string | null {
  return (application && rules.get(application)?.passwordProblem?.(password)) || null;
}

export function enrollmentRule(application: Application): EnrollmentRule {
  const rule = rules.get(application);
  if (!rule) throw new Error(`enrollment of ${application} is not defined`);
  return rule;
}

/** Every application's step for the platform's first admin (coparent: admin of the default household). */
export async function enrollFirstAdmin(em: EntityManager, user: User): Promise<void> {
  for (const rule of rules.values()) await rule.firstAdmin?.(em, user);
}
