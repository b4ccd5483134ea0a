/**
 * Root operations called without type-graphql's handler (schema.ts builds the schema, then this).
 *
 * type-graphql runs every query and mutation through its handler: the declared guard (`@Allow`,
 * src/auth/access.ts) through an async middleware runner, then each argument converted into instances
 * of its input classes and "validated" by an async function even with validation off (a promise per
 * argument, `Promise.all` over them), the parameters sorted anew, and the input classes' fields looked
 * up in its metadata by a linear search per field and call. A REST list request's type-graphql frames
 * were about 40 µs of CPU (perf, the conduct report list), with several promise turns on top.
 *
 * A root query or mutation whose only middleware is the access guard, with no roles, and whose
 * parameters are `@Arg`s without validation settings, `@Ctx()` and `@Info()`, is called here directly:
 * the same rule enforced first (`enforce`; a policy's promise awaited), the same argument values
 * converted by the same rules (`convertArgument` below restates type-graphql's conversion, its plan built
 * once per input class), the same resolver method on one instance of its class. Anything else, and every
 * subscription (their guard re-reads the viewer per event), keeps type-graphql's handler.
 */
import { GraphQLObjectType, GraphQLScalarType, GraphQLSchema } from 'graphql';
import { getMetadataStorage } from 'type-graphql';
import { accessOf, enforce, isAccessGuard } from '../auth/access';
import type { AppContext } from '../context/context';

type Class = new () => Record<string, unknown>;

/** An input class's conversion: its fields (with those of its input superclasses it does not redeclare). */
interface InputPlan {
  target: Class;
  fields: { name: string; target: unknown; plan: InputPlan | null | undefined }[];
}

const plans = new Map<unknown, InputPlan | null>();

function inputPlan(target: unknown): InputPlan | null {
  const known = plans.get(target);
  if (known !== undefined) return known;
  const storage = getMetadataStorage();
  const inputOf = (t: unknown) => storage.inputTypes.find((i) => i.target === t);
  const own = inputOf(target);
  if (!own) {
    plans.set(target, null);
    return null;
  }
  const plan: InputPlan = { target: target as Class, fields: [] };
  plans.set(target, plan); // before its fields: an input may contain itself
  let fields = [...(own.fields ?? [])];
  for (let sup = Object.getPrototypeOf(target); sup && sup.prototype !== undefined; sup = Object.getPrototypeOf(sup)) {
    const inherited = inputOf(sup);
    if (!inherited) continue;
    const names = new Set(fields.map((f) => f.name));
    fields = [...fields, ...(inherited.fields ?? []).filter((f) => !names.has(f.name))];
  }
  plan.fields = fields.map((f) => {
    const fieldTarget = f.getType();
    return { name: f.name, target: fieldTarget, plan: inputPlan(fieldTarget) };
  });
  return plan;
}

const SIMPLE: unknown[] = [String, Boolean, Number, Date, Array, Promise];

/** type-graphql's `convertToType`: a plain object becomes an instance of its class (the class's own undefined fields left out). */
function convertToType(target: unknown, data: unknown): unknown {
  if (data === null || data === undefined) return data;
  if (target instanceof GraphQLScalarType) return data;
  if (SIMPLE.includes((data as object).constructor)) return data;
  if (data instanceof (target as Class)) return data;
  if (Array.isArray(data)) return data.map((item) => convertToType(target, item));
  const instance = new (target as Class)();
  for (const key of Object.keys(instance)) {
    if (instance[key] === undefined && !(key in (data as object))) delete instance[key];
  }
  return Object.assign(instance, data);
}

function convertInput(plan: InputPlan, data: unknown): unknown {
  if (data === null || data === undefined) return data;
  if (Array.isArray(data)) return data.map((item) => convertInput(plan, item));
  const fields: Record<string, unknown> = {};
  for (const f of plan.fields) {
    const value = (data as Record<string, unknown>)[f.name];
    if (value === undefined) continue;
    if (value === null || !f.plan) fields[f.name] = convertToType(f.target, value);
    else if (Array.isArray(value)) fields[f.name] = value.map((item) => convertInput(f.plan!, item));
    else fields[f.name] = convertInput(f.plan, value);
  }
  return convertToType(plan.target, fields);
}

/** type-graphql's conversion of one `@Arg` value of the given type (a list's items one by one). */
export function convertArgument(target: unknown, value: unknown): unknown {
  if (value === null || value === undefined) return value;
  if (Array.isArray(value)) return value.map((item) => convertArgument(target, item));
  const plan = inputPlan(target);
  return plan ? convertInput(plan, value) : convertToType(target, value);
}

type Getter = (args: Record<string, unknown>, ctx: AppContext, info: unknown) => unknown;

/** Replaces the resolvers of the root queries and mutations described above. */
export function rootResolversCalledDirectly(schema: GraphQLSchema, instanceOf: (target: Class) => Record<string, unknown>): void {
  const storage = getMetadataStorage();
  const roots: [GraphQLObjectType | null | undefined, typeof storage.queries][] = [
    [schema.getQueryType(), storage.queries],
    [schema.getMutationType(), storage.mutations],
  ];
  for (const [type, resolvers] of roots) {
    if (!type) continue;
    const fields = type.getFields();
    for (const r of resolvers) {
      if (r.roles?.length || r.middlewares?.length !== 1 || !isAccessGuard(r.middlewares[0])) continue;
      const field = fields[r.schemaName];
      const rule = accessOf(field);
      if (!field || !rule) continue;
      const params = [...(r.params ?? [])].sort((a, b) => a.index - b.index);
      const getters: (Getter | undefined)[] = params.map((p, i): Getter | undefined => {
        if (p.index !== i) return undefined;
        switch (p.kind) {
          case 'arg': {
            if (p.validateSettings !== undefined || p.validateFn !== undefined) return undefined;
            const { name } = p;
            const target = p.getType();
            return (args) => convertArgument(target, args[name]);
          }
          case 'context': {
            const property = p.propertyName;
            return property ? (_args, ctx) => (ctx as unknown as Record<string, unknown>)[property] : (_args, ctx) => ctx;
          }
          case 'info':
            return (_args, _ctx, info) => info;
          default:
            return undefined;
        }
      });
      if (getters.some((g) => !g)) continue;
      const instance = instanceOf(r.target as Class);
      const method = instance[r.methodName];
      if (typeof method !== 'function') continue;
      const call = (args: Record<string, unknown>, ctx: AppContext, info: unknown) =>
        method.apply(
          instance,
          getters.map((g) => g!(args, ctx, info)),
        );
      field.resolve = (_root, args: Record<string, unknown>, ctx: AppContext, info) => {
        const checking = enforce(rule, ctx);
        return checking ? checking.then(() => call(args, ctx, info)) : call(args, ctx, info);
      };
    }
  }
}
