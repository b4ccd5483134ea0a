/**
 * conduct's operations (docs/graph.md "conduct"). Every one declares `conductMember`, `access.public` or
 * something stricter; row rules (event and organization roles) are the services' (conduct-access.ts).
 * Route groups add their operations here or in resolvers of their own beside their services.
 */
import { Ctx, Query, Resolver } from 'type-graphql';
import type { AppContext } from '../../context/context';
import { access, Allow } from '../../auth/access';
import './conduct-access';
import './invite-claim';
import { ConductSession } from './conduct.inputs';
import { conductSession } from './session.service';

@Resolver()
export class ConductResolver {
  @Allow(access.public)
  @Query(() => ConductSession, { description: 'The current session: the user, SuperAdmin or not, and their event roles (public)' })
  conductSession(@Ctx() ctx: AppContext): Promise<ConductSession> {
    return conductSession(ctx);
  }
}
