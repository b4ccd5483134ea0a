/**
 * Access is declared once, beside each query, mutation and subscription (ARCHITECTURE.md "Access is
 * declared once"; Vendure's `@Allow(Permission…)` is the model):
 *
 *   @Allow(access.signedIn)  @Query(() => User)  me(...)
 *
 * The declaration is stored in the field's GraphQL extensions (`extensions.access`), so every reader
 * sees the same rule: the resolver guard below (HTTP, ws, REST and SSE all execute through it), the
 * REST engine (401/403 from the declaration before a body is read or variables are built), OpenAPI
 * (`security`), and the schema check that refuses an undeclared root field at start. For
 * subscriptions the guard runs again for every event, against the subscriber's current session and
 * role (the ws context re-reads its viewer), never a snapshot taken at subscribe time.
 *
 * Declarations say who may call an operation; which rows they may touch (owner, member of that
 * group…) is the services' business.
 */
import { Extensions, UseMiddleware } from 'type-graphql';
import type { MiddlewareFn } from 'type-graphql';
import type { GraphQLField, GraphQLObjectType, GraphQLSchema, OperationDefinitionNode } from 'graphql';
import type { AppContext, Viewer } from '../context/context';
import { Application, enrollmentRule } from '../modules/identity/enrollment';
import { MembershipRole, MembershipStatus } from '../modules/identity/app-membership.entity';
import { forbidden, unauthenticated } from '../errors/domain-error';
import { Role } from '../modules/identity/user.entity';

/** A rule about the viewer (not about rows): may this caller run the operation at all? */
export type AccessRule =
  | { readonly kind: 'public' }
  | { readonly kind: 'signedIn' }
  | { readonly kind: 'role'; readonly role: Role }
  | { readonly kind: 'policy'; readonly policy: PolicyName }
  | { readonly kind: 'enrolled'; readonly application: Application; readonly admin: boolean };

/**
 * Named policies: checks of the viewer that need more than a role (group admin of any cake group…).
 * Each returns true to allow; a global ADMIN passes every policy.
 */
export interface Policy {
  allows(ctx: AppContext): boolean | Promise<boolean>;
  /** the FORBIDDEN message when it does not allow */
  message: string;
}
const policies = new Map<string, Policy>();
export type PolicyName = string;

/** Registers a named policy (once, at module load, beside the service that owns the rule). */
export function definePolicy(name: PolicyName, policy: Policy): AccessRule {
  if (policies.has(name)) throw new Error(`access policy ${name} is defined twice`);
  policies.set(name, policy);
  return { kind: 'policy', policy: name };
}

export const access = {
  /** anyone, signed in or not */
  public: { kind: 'public' } as AccessRule,
  /** any live session */
  signedIn: { kind: 'signedIn' } as AccessRule,
  /** the global ADMIN role */
  admin: { kind: 'role', role: Role.ADMIN } as AccessRule,
  /** enrolled in the application, by its rule (enrollment.ts): ACTIVE membership, or none where it self-enrolls */
  enrolled: (application: Application): AccessRule => ({ kind: 'enrolled', application, admin: false }),
  /** enrolled in the application with its admin role (coparent: the household's admin) */
  enrolledAdmin: (application: Application): AccessRule => ({ kind: 'enrolled', application, admin: true }),
} as const;

/** FORBIDDEN unless the viewer's membership satisfies the application's enrollment rule (the global ADMIN passes). */
export function enforceEnrollment(viewer: Pick<Viewer, 'role' | 'membership'>, application: Application, admin = false): void {
  if (viewer.role === Role.ADMIN) return;
  const rule = enrollmentRule(application);
  const membership = viewer.membership(application);
  if (!membership) {
    if (!rule.selfEnroll) throw forbidden(rule.messages.notEnrolled);
    if (admin) throw forbidden(rule.messages.notAdmin);
    return;
  }
  if (membership.status === MembershipStatus.PENDING) throw forbidden(rule.messages.pending);
  if (membership.status === MembershipStatus.DISABLED) throw forbidden(rule.messages.disabled);
  if (admin && membership.role !== MembershipRole.ADMIN) throw forbidden(rule.messages.notAdmin);
}

/** The declaration decorator: stores the rule in the field's extensions and guards the resolver. */
export function Allow(rule: AccessRule): MethodDecorator {
  const ext = Extensions({ access: rule });
  const guard = UseMiddleware(accessGuard);
  return (target, key, descriptor) => {
    ext(target, key, descriptor);
    guard(target, key, descriptor as TypedPropertyDescriptor<unknown>);
  };
}

/** The rule declared on a root field, or undefined. */
export function accessOf(field: GraphQLField<unknown, unknown> | undefined): AccessRule | undefined {
  return (field?.extensions as { access?: AccessRule } | undefined)?.access;
}

/** The rule of a root operation field by its operation type and name (the REST engine and OpenAPI). */
export function accessOfRootField(schema: GraphQLSchema, operation: 'query' | 'mutation' | 'subscription', name: string): AccessRule | undefined {
  const type = operation === 'query' ? schema.getQueryType() : operation === 'mutation' ? schema.getMutationType() : schema.getSubscriptionType();
  return accessOf(type?.getFields()[name]);
}

/** The rules declared on an operation's root fields, every one of which must hold (the REST engine and OpenAPI). */
export function operationAccess(schema: GraphQLSchema, operation: OperationDefinitionNode): AccessRule[] {
  return operation.selectionSet.selections.flatMap((sel) => {
    if (sel.kind !== 'Field') return [];
    const rule = accessOfRootField(schema, operation.operation, sel.name.value);
    return rule ? [rule] : [];
  });
}

/**
 * Throws UNAUTHENTICATED or FORBIDDEN unless the context's viewer satisfies the rule. The one place
 * an access rule is evaluated. Synchronous (it throws) for every rule but a policy, which may need to
 * wait and returns a promise: a subscription's fan-out re-checks the rule for every subscriber and
 * event, and a promise each is measurable there. Callers `await` it either way.
 */
export function enforce(rule: AccessRule, ctx: AppContext): void | Promise<void> {
  if (rule.kind === 'public') return;
  const viewer = ctx.viewer;
  if (!viewer) throw unauthenticated();
  if (viewer.role === Role.ADMIN) return;
  switch (rule.kind) {
    case 'signedIn':
      return;
    case 'role':
      throw forbidden('Admin role required');
    case 'enrolled':
      return enforceEnrollment(viewer, rule.application, rule.admin);
    case 'policy':
      return enforcePolicy(rule.policy, ctx);
  }
}

async function enforcePolicy(name: PolicyName, ctx: AppContext): Promise<void> {
  const check = policies.get(name);
  if (!check) throw new Error(`access policy ${name} is not defined`);
  if (!(await check.allows(ctx))) throw forbidden(check.message);
}

/** The resolver guard of every declared root field; for subscription events it re-reads the viewer first. */
const accessGuard: MiddlewareFn<AppContext> = async ({ context, info }, next) => {
  if (info.path.prev === undefined) {
    const rule = accessOf(info.parentType.getFields()[info.fieldName]);
    if (!rule) throw new Error(`${info.parentType.name}.${info.fieldName} declares no access`);
    if (info.operation.operation === 'subscription') await context.refreshViewer();
    await enforce(rule, context);
  }
  return next();
};

/** Whether a type-graphql middleware is the guard above (schema building: root-resolvers.ts enforces the rule itself). */
export function isAccessGuard(middleware: unknown): boolean {
  return middleware === accessGuard;
}

/** Root fields of the schema that declare no access: the schema check refuses to start with any. */
export function undeclaredRootFields(schema: GraphQLSchema): string[] {
  const roots = [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()].filter(Boolean) as GraphQLObjectType[];
  return roots.flatMap((t) =>
    Object.values(t.getFields())
      .filter((f) => !accessOf(f))
      .map((f) => `${t.name}.${f.name}`),
  );
}
