/**
 * Applications' own attributes of the shared user, written with the user. An application module (compass's
 * patient number) contributes an input object to `CreateUserInput` and `UpdateUserInput` — the input twin
 * of the fields it adds to `User` with a field resolver — and a step that writes it. identity's
 * `createUser`/`updateUser` run that step inside their own unit of work, after the user row is flushed,
 * so the account and the application's attributes commit or roll back together (the graph cannot pass
 * a new user's id from one mutation field to the next). identity itself never names an application's
 * attributes: it only knows the registered extensions.
 */
import { Field } from 'type-graphql';
import type { ClassType } from 'type-graphql';
import type { AppContext } from '../../context/context';
import type { User } from './user.entity';
import { CreateUserInput, RegisterInput, UpdateUserInput } from './identity.inputs';

/** The identity inputs an extension may add its field to. */
export type UserInputKind = 'create' | 'update' | 'register';
const INPUTS: Record<UserInputKind, ClassType<object>> = { create: CreateUserInput, update: UpdateUserInput, register: RegisterInput };

export interface UserInputExtension<T extends object> {
  /** the input field, named for the application (`compassProfile`) */
  field: string;
  /** its input type, owned by the application module */
  type: () => ClassType<T>;
  description: string;
  /**
   * the inputs that carry the field (default create and update). `register`: a step of the
   * application's at sign-up, in the registration's unit of work (conduct's invite code)
   */
  on?: UserInputKind[];
  /** writes the value (null clears) in the unit of work `tx`, after `user` is flushed */
  write(tx: AppContext, user: User, value: T | null): Promise<void>;
}

const extensions: UserInputExtension<object>[] = [];

/** Adds the field to its inputs (at module load, before the schema is built) and registers its writer. */
export function extendUserInputs<T extends object>(ext: UserInputExtension<T>): void {
  if (extensions.some((e) => e.field === ext.field)) throw new Error(`user input extension ${ext.field} is defined twice`);
  for (const kind of ext.on ?? ['create', 'update']) {
    Field(ext.type, { nullable: true, description: ext.description })(INPUTS[kind].prototype, ext.field);
  }
  extensions.push(ext as unknown as UserInputExtension<object>);
}

/** Runs the writers of the extensions an input of that kind carries (absent ones are left alone). */
export async function writeUserExtensions(tx: AppContext, user: User, input: object, kind: UserInputKind): Promise<void> {
  for (const ext of extensions) {
    if (!(ext.on ?? ['create', 'update']).includes(kind)) continue;
    const value = (input as Record<string, unknown>)[ext.field];
    if (value !== undefined) await ext.write(tx, user, value as object | null);
  }
}

/** A step an application takes when an account is deleted or anonymised (see `onUserDeleted`). */
export type UserDeletionStep = (tx: AppContext, userId: string) => Promise<void>;
const deletionSteps: UserDeletionStep[] = [];

/**
 * Registers an application's step for an account's deletion (identity's `deleteUser`) and anonymisation
 * (`deleteMyAccount`): it runs in their unit of work before the row is deleted or anonymised, so it can
 * still read what the account belonged to (cake tells its groups' live views the member left).
 */
export function onUserDeleted(step: UserDeletionStep): void {
  deletionSteps.push(step);
}

export async function runUserDeletionSteps(tx: AppContext, userId: string): Promise<void> {
  for (const step of deletionSteps) await step(tx, userId);
}
