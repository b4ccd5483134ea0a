/**
 * Root queries and mutations called without type-graphql's handler (src/server/root-resolvers.ts): the
 * arguments converted exactly as type-graphql converts them, for every input class of the graph, and the
 * declared access enforced first (the denials themselves are tested per surface and in access.test.ts).
 */
import path from 'node:path';
import { GraphQLObjectType, GraphQLSchema } from 'graphql';
import { getMetadataStorage } from 'type-graphql';
import { getSchema } from '../src/server/schema';
import { convertArgument } from '../src/server/root-resolvers';

// type-graphql's own conversion, for comparison (not in its package's exports)
// eslint-disable-next-line @typescript-eslint/no-require-imports
const reference = require(path.join(path.dirname(require.resolve('type-graphql')), 'resolvers', 'convert-args.js')) as {
  convertArgToInstance: (arg: { name: string; getType: () => unknown }, args: Record<string, unknown>) => unknown;
};

let schema: GraphQLSchema;
beforeAll(async () => {
  schema = await getSchema();
});

/** A value for every field of an input class: nested inputs filled in (two levels), lists of one, some fields null. */
function sample(target: unknown, depth: number, seed: { n: number }): Record<string, unknown> {
  const storage = getMetadataStorage();
  const input = storage.inputTypes.find((t) => t.target === target)!;
  const out: Record<string, unknown> = {};
  for (const f of input.fields ?? []) {
    seed.n++;
    const type = f.getType();
    const nested = storage.inputTypes.some((t) => t.target === type);
    let value: unknown;
    if (seed.n % 7 === 0) value = null;
    else if (nested) value = depth > 0 ? sample(type, depth - 1, seed) : null;
    else value = type === Number ? seed.n : type === Boolean ? seed.n % 2 === 0 : `v${seed.n}`;
    if (f.typeOptions?.array && value !== null) value = [value];
    if (seed.n % 11 !== 0) out[f.name] = value; // some left out altogether
  }
  return out;
}

describe('root resolvers called directly', () => {
  it('convert every input class of the graph exactly as type-graphql does', () => {
    const inputs = getMetadataStorage().inputTypes.filter((t) => schema.getType(t.name));
    expect(inputs.length).toBeGreaterThan(20);
    const seed = { n: 0 };
    for (const input of inputs) {
      const value = sample(input.target, 2, seed);
      const ours = convertArgument(input.target, value);
      const theirs = reference.convertArgToInstance({ name: 'a', getType: () => input.target }, { a: value });
      expect(ours).toStrictEqual(theirs);
      expect(ours).toBeInstanceOf(input.target as new () => unknown);
      // lists of inputs, and values that pass through
      expect(convertArgument(input.target, [value, null])).toStrictEqual(reference.convertArgToInstance({ name: 'a', getType: () => input.target }, { a: [value, null] }));
    }
    for (const [target, value] of [
      [String, 'x'],
      [Number, 3],
      [Boolean, false],
      [Date, new Date(0)],
      [String, null],
      [String, undefined],
    ] as const) {
      expect(convertArgument(target, value)).toBe(reference.convertArgToInstance({ name: 'a', getType: () => target }, { a: value }));
    }
  });

  it('replace the handler of every root query and mutation that declares only its access, and of no subscription', () => {
    const handlerOf = (t: GraphQLObjectType | null | undefined) =>
      Object.values(t?.getFields() ?? {})
        .filter((f) => f.resolve && /resolverData/.test(String(f.resolve)))
        .map((f) => f.name);
    expect(handlerOf(schema.getQueryType())).toEqual([]);
    expect(handlerOf(schema.getMutationType())).toEqual([]);
    const subscriptions = Object.values(schema.getSubscriptionType()?.getFields() ?? {});
    expect(subscriptions.length).toBeGreaterThan(0);
    expect(subscriptions.every((f) => /resolverData/.test(String(f.resolve)))).toBe(true);
  });
});
