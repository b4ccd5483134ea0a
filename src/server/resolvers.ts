/** Every resolver class of the graph. */
import type { NonEmptyArray } from 'type-graphql';
import { IdentityResolver } from '../modules/identity/identity.resolver';

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export const resolvers: NonEmptyArray<Function> = [IdentityResolver];
