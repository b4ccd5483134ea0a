/**
 * Fan-out once per group (issue 14): an event delivered to many subscribers of the same subscription is
 * executed once per group — the same document, operation and variables, where nothing the document
 * selects depends on who is asking — and the one result goes to every subscriber of the group, on
 * graphql-ws and on SSE alike (both subscribe through the pipeline). Before, each subscriber ran the
 * subscription's resolvers for itself: one SQL statement per subscriber and event (3,000 subscribers of
 * a coparent month: 7 s for one write).
 *
 * What stays per subscriber: the event stream and its filter (the subscription's `subscribe` function
 * decides who hears an event: household, role, month…) and the access declared on the root field,
 * re-read and re-checked for every event (ARCHITECTURE.md "Access is declared once"). What is shared:
 * executing the event (the root resolver on the payload and every field below it).
 *
 * When a document may share: its root field declares `@LiveShared()` (its resolver's answer depends on
 * the event and the arguments only, never on the viewer), and every field it selects below is either a
 * plain field of its type (a property: the same for every viewer) or a field resolver that declares
 * `@LiveShared()` too. A field resolver that reads the viewer (`isMine`, a field only admins see) keeps
 * the document per subscriber, where it was before. The check is static, made once per document.
 */
import { DocumentNode, ExecutionResult, GraphQLField, GraphQLSchema, OperationDefinitionNode, TypeInfo, visit, visitWithTypeInfo, BREAK } from 'graphql';
import { Extensions, getMetadataStorage } from 'type-graphql';

/** Declares a subscription root field or a field resolver viewer-independent (see above). */
export function LiveShared(): MethodDecorator {
  return Extensions({ liveShared: true }) as MethodDecorator;
}

function declaredShared(field: GraphQLField<unknown, unknown>): boolean {
  return (field.extensions as { liveShared?: boolean } | undefined)?.liveShared === true;
}

/** `Type.field` of every field resolver of the graph (type-graphql's metadata): fields that compute something. */
function computedFields(): Set<string> {
  const storage = getMetadataStorage();
  const names = new Map<unknown, string>();
  for (const o of storage.objectTypes) names.set(o.target, o.name);
  const out = new Set<string>();
  for (const r of storage.fieldResolvers) {
    const cls = r.getObjectType?.() ?? r.resolverClassMetadata?.getObjectType?.();
    const type = cls ? names.get(cls) : undefined;
    if (type) out.add(`${type}.${r.schemaName}`);
  }
  return out;
}

/** Decides, once per document and operation, whether a subscription's events may be executed once per group. */
export class SharePlanner {
  private readonly computed = computedFields();
  private readonly verdicts = new WeakMap<DocumentNode, Map<string, boolean>>();

  constructor(private readonly schema: GraphQLSchema) {}

  shareable(document: DocumentNode, operation: OperationDefinitionNode): boolean {
    let byOp = this.verdicts.get(document);
    if (!byOp) this.verdicts.set(document, (byOp = new Map()));
    const key = operation.name?.value ?? '';
    let verdict = byOp.get(key);
    if (verdict === undefined) byOp.set(key, (verdict = this.decide(operation)));
    return verdict;
  }

  private decide(operation: OperationDefinitionNode): boolean {
    if (operation.operation !== 'subscription') return false;
    const roots = operation.selectionSet.selections;
    if (roots.length !== 1 || roots[0].kind !== 'Field') return false;
    const rootField = this.schema.getSubscriptionType()?.getFields()[roots[0].name.value];
    if (!rootField || !declaredShared(rootField)) return false;
    let shared = true;
    const info = new TypeInfo(this.schema);
    visit(
      operation,
      visitWithTypeInfo(info, {
        Field: (node) => {
          const parent = info.getParentType();
          const def = info.getFieldDef();
          if (!parent || !def) {
            shared = false;
            return BREAK;
          }
          if (parent === this.schema.getSubscriptionType() || node.name.value === '__typename') return undefined;
          if (this.computed.has(`${parent.name}.${def.name}`) && !declaredShared(def)) {
            shared = false;
            return BREAK;
          }
          return undefined;
        },
      }),
    );
    return shared;
  }
}

/**
 * One event's result for a group: the execution (shared by every subscriber of the group), its result
 * once settled, and that result formatted and encoded once (`encoded`: the JSON of the `payload` of a
 * graphql-ws `next` frame; the pipeline fills it for the first subscriber delivered directly).
 */
export interface GroupResult {
  promise: Promise<ExecutionResult>;
  settled?: ExecutionResult;
  formatted?: ExecutionResult;
  encoded?: string;
}

/**
 * The groups of subscribers: per group key, the result of each event (by the payload object the pubsub
 * delivered to every subscriber: one object per event and instance), computed by the first subscriber to
 * reach it. A group lives while it has subscribers; an event's result while its payload does.
 */
export class FanOut {
  private readonly groups = new Map<string, { members: number; results: WeakMap<object, GroupResult> }>();
  /** executions avoided since start (tests, metrics) */
  shared = 0;
  executed = 0;
  /** shared results handed to a transport directly (pipeline.ts `deliverDirectly`; tests, metrics) */
  direct = 0;

  join(key: string): {
    result(payload: unknown, run: (payload: unknown) => Promise<ExecutionResult>): Promise<ExecutionResult>;
    entry(payload: unknown, run: (payload: unknown) => Promise<ExecutionResult>): GroupResult;
    leave(): void;
  } {
    let group = this.groups.get(key);
    if (!group) this.groups.set(key, (group = { members: 0, results: new WeakMap() }));
    group.members += 1;
    const g = group;
    let left = false;
    const entry = (payload: unknown, run: (payload: unknown) => Promise<ExecutionResult>): GroupResult => {
      const shareable = typeof payload === 'object' && payload !== null;
      let e = shareable ? g.results.get(payload) : undefined;
      if (e) this.shared += 1;
      else {
        this.executed += 1;
        const made: GroupResult = { promise: run(payload) };
        made.promise.then(
          (r) => (made.settled = r),
          () => undefined,
        );
        if (shareable) g.results.set(payload, made);
        e = made;
      }
      return e;
    };
    return {
      result: (payload, run) => entry(payload, run).promise,
      entry,
      leave: () => {
        if (left) return;
        left = true;
        g.members -= 1;
        if (g.members === 0 && this.groups.get(key) === g) this.groups.delete(key);
      },
    };
  }

  /** Open groups and their subscribers (metrics, tests). */
  stats(): { groups: number; subscribers: number; executed: number; shared: number; direct: number } {
    let subscribers = 0;
    for (const g of this.groups.values()) subscribers += g.members;
    return { groups: this.groups.size, subscribers, executed: this.executed, shared: this.shared, direct: this.direct };
  }
}

/** Variables in a canonical order (object keys sorted), so the same values make the same group key. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}
