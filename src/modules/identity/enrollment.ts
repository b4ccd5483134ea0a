/**
 * Registration per application. `register(input, application)` creates the one shared account under the
 * enrollment rule of the application the user signs up through (ARCHITECTURE.md "One identity, separate
 * applications"): cakeplanner's accounts wait for an admin's activation (unless CAKE_AUTO_ACTIVATE) and
 * its admins are mailed; an application without a rule (or no application) registers an active
 * account. Each application module defines its rule beside its own services; identity only looks it up.
 * (The next issue adds per-application memberships; their enrollment step belongs in these rules.)
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
  registration(ctx: AppContext): RegisterOptions;
}

const rules = new Map<Application, EnrollmentRule>();

/** Defines an application's rule (once, at module load, beside the application's services). */
export function defineEnrollment(application: Application, rule: EnrollmentRule): void {
  if (rules.has(application)) throw new Error(`enrollment of ${application} is defined twice`);
  rules.set(application, rule);
}

export function registrationOptions(ctx: AppContext, application: Application | null | undefined): RegisterOptions {
  return (application && rules.get(application)?.registration(ctx)) || {};
}
