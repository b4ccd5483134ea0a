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
import { CreateUserInput, UpdateUserInput } from './identity.inputs';

export interface UserInputExtension<T extends object> {
  /** the input field, named for the application (`compassProfile`) */
  field: string;
  /** its input type, owned by the application module */
  type: () => ClassType<T>;
  description: string;
  /** writes the value (null clears) in the unit of work `tx`, after `user` is flushed */
  write(tx: AppContext, user: User, value: T | null): Promise<void>;
}

const extensions: UserInputExtension<object>[] = [];

/** Adds the field to both user inputs (at module load, before the schema is built) and registers its writer. */
export function extendUserInputs<T extends object>(ext: UserInputExtension<T>): void {
  if (extensions.some((e) => e.field === ext.field)) throw new Error(`user input extension ${ext.field} is defined twice`);
  for (const input of [CreateUserInput, UpdateUserInput]) {
    Field(ext.type, { nullable: true, description: ext.description })(input.prototype, ext.field);
  }
  extensions.push(ext as unknown as UserInputExtension<object>);
}

/** Runs the writers of the extensions an input carries (absent ones are left alone). */
export async function writeUserExtensions(tx: AppContext, user: User, input: object): Promise<void> {
  for (const ext of extensions) {
    const value = (input as Record<string, unknown>)[ext.field];
    if (value !== undefined) await ext.write(tx, user, value as object | null);
  }
}
