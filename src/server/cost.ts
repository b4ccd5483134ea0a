/**
 * The cost of an operation, counted with list sizes (docs/platform.md, "Cost"): the graph's own cost
 * rule, which replaced graphql-armor's (armor's counted a list like one object, so fifteen aliases of
 * `coparentItems` passed and answered 45 MB).
 *
 * Every list field declares its maximum page size once, beside the field, with `@ListSize` (stored in
 * the field's GraphQL extensions, `extensions.listSize`, as `@Allow` stores access); its service never
 * answers more (it refuses a larger `limit`, or its list is bounded by a rule of the domain it
 * enforces). A schema whose list field declares no size does not start (`undeclaredListFields`,
 * checked by getSchema), so a new list cannot forget it.
 *
 * Cost, computed at validation — once per document, on HTTP (Apollo's validation), ws and the REST
 * engine (the pipeline's `prepare`) alike, with the same error as the other limits:
 *
 *   leaf field                  1            (`__typename` and introspection: 0)
 *   object field                1 + cost of its selection
 *   list field                  size × (the cost of one item as above)
 *
 * A list's size is the value of its slicing argument (`limit`, `first`… as declared) when it is a
 * literal, or the argument's default when it is absent; a variable, unknown until execution, counts as
 * the maximum (the most it may be: the service refuses more). Without a slicing argument the size is
 * the declared maximum. A page type (`users` → `UserPage`) declares the slicing argument on the field
 * that takes it and names the list fields of the page it sizes (`sizedFields: ['items']`), as in the
 * GraphQL cost-directive specification's `@listSize`. Fragments count where they are spread; a literal
 * `@skip(if: true)` / `@include(if: false)` selection costs nothing, a variable one counts.
 *
 * Why at validation, not at execution with the variables: validation is where every transport already
 * refuses a document, with the same error and status (400, GRAPHQL_VALIDATION_FAILED), before any
 * resolver runs and without a second pass per request; the cost of a document is computed once (the
 * documents are cached validated). The price is that a variable page size counts as its maximum,
 * which is the bound that matters: a cost limit that a variable could raise is no limit.
 */
import {
  ASTVisitor,
  DocumentNode,
  FieldNode,
  FragmentDefinitionNode,
  getNamedType,
  getNullableType,
  GraphQLError,
  GraphQLField,
  GraphQLNamedType,
  GraphQLObjectType,
  GraphQLSchema,
  isInterfaceType,
  isListType,
  isObjectType,
  Kind,
  OperationDefinitionNode,
  SelectionSetNode,
  TypeInfo,
  ValidationContext,
  ValidationRule,
  ValueNode,
} from 'graphql';
import { Extensions } from 'type-graphql';

/** A list's size declaration (`extensions.listSize`). */
export interface ListSizeDeclaration {
  /**
   * The most items the list answers (for a page field with `sizedFields`: the most its slicing argument
   * may ask for). Its service enforces it; the cost counts it when the size is not known.
   */
  readonly max: number;
  /** arguments whose value is the page size (`limit`, `first`…): the size when given */
  readonly slicingArguments?: readonly string[];
  /** on a field returning a page object: the list fields of the page that the slicing argument sizes */
  readonly sizedFields?: readonly string[];
}

/**
 * Declares a list field's maximum page size (and its slicing argument, when it takes one): the one
 * place the bound is written, read by the cost rule and by the schema check. Services use the same
 * constant to refuse a larger page.
 */
export function ListSize(declaration: ListSizeDeclaration): MethodDecorator & PropertyDecorator {
  if (!Number.isInteger(declaration.max) || declaration.max < 1) throw new Error(`ListSize: max must be a positive integer, not ${declaration.max}`);
  return Extensions({ listSize: declaration }) as MethodDecorator & PropertyDecorator;
}

export function listSizeOf(field: GraphQLField<unknown, unknown> | undefined): ListSizeDeclaration | undefined {
  return (field?.extensions as { listSize?: ListSizeDeclaration } | undefined)?.listSize;
}

function returnsList(field: GraphQLField<unknown, unknown>): boolean {
  return isListType(getNullableType(field.type));
}

/**
 * Fields of the schema's object and interface types that return a list and declare no size (or whose
 * page declaration names a field the page type lacks): the schema check refuses to start with any.
 */
export function undeclaredListFields(schema: GraphQLSchema): string[] {
  const out: string[] = [];
  for (const type of Object.values(schema.getTypeMap())) {
    if (type.name.startsWith('__') || !(isObjectType(type) || isInterfaceType(type))) continue;
    for (const field of Object.values(type.getFields())) {
      const size = listSizeOf(field);
      if (returnsList(field) && !size) out.push(`${type.name}.${field.name}`);
      for (const name of size?.sizedFields ?? []) {
        const page = getNamedType(field.type);
        const sized = isObjectType(page) || isInterfaceType(page) ? page.getFields()[name] : undefined;
        if (!sized || !returnsList(sized)) out.push(`${type.name}.${field.name} (sizedFields: ${name} is not a list field of ${page.name})`);
      }
      for (const name of size?.slicingArguments ?? []) {
        if (!field.args.some((a) => a.name === name)) out.push(`${type.name}.${field.name} (slicingArguments: no argument ${name})`);
      }
    }
  }
  return out;
}

/** The size of a list field whose declaration is missing (never, once the schema check passed). */
const UNDECLARED_SIZE = 100;

/** A page's slicing, handed from the field that takes the argument to the list fields of its page. */
interface Sizing {
  size: number;
  fields: readonly string[];
}

/** What the cost walk found: the total, and the costliest root fields (for the message). */
interface RootCost {
  key: string;
  cost: number;
}

class CostWalk {
  /** fragment costs, per fragment and the sizing of the page it is spread in (documents are small) */
  private readonly fragments = new Map<string, number>();
  private readonly inProgress = new Set<string>();
  /** literal page sizes above the declared maximum */
  readonly oversized: { node: FieldNode; message: string }[] = [];

  constructor(
    private readonly context: ValidationContext,
    private readonly schema: GraphQLSchema,
  ) {}

  operation(op: OperationDefinitionNode): { total: number; roots: RootCost[] } {
    const type = op.operation === 'query' ? this.schema.getQueryType() : op.operation === 'mutation' ? this.schema.getMutationType() : this.schema.getSubscriptionType();
    if (!type) return { total: 0, roots: [] };
    const roots: RootCost[] = [];
    const total = this.selection(op.selectionSet, type, undefined, roots);
    return { total, roots };
  }

  private selection(set: SelectionSetNode, parent: GraphQLNamedType, sizing: Sizing | undefined, roots?: RootCost[]): number {
    let cost = 0;
    for (const sel of set.selections) {
      if (skipped(sel.directives)) continue;
      if (sel.kind === Kind.FIELD) {
        const c = this.field(sel, parent, sizing);
        roots?.push({ key: sel.alias ? `${sel.alias.value}: ${sel.name.value}` : sel.name.value, cost: c });
        cost += c;
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        const on = sel.typeCondition ? this.schema.getType(sel.typeCondition.name.value) : parent;
        cost += this.selection(sel.selectionSet, on ?? parent, sizing, roots);
      } else {
        const name = sel.name.value;
        const key = sizing ? `${name}|${sizing.size}|${sizing.fields.join(',')}` : name;
        const known = this.fragments.get(key);
        if (known !== undefined && !roots) {
          cost += known;
          continue;
        }
        const fragment: FragmentDefinitionNode | null | undefined = this.context.getFragment(name);
        if (!fragment || this.inProgress.has(key)) continue; // unknown or cyclic: other rules report it
        this.inProgress.add(key);
        const on = this.schema.getType(fragment.typeCondition.name.value) ?? parent;
        const c = this.selection(fragment.selectionSet, on, sizing, roots);
        this.inProgress.delete(key);
        this.fragments.set(key, c);
        cost += c;
      }
    }
    return cost;
  }

  private field(node: FieldNode, parent: GraphQLNamedType, sizing: Sizing | undefined): number {
    const name = node.name.value;
    if (name.startsWith('__')) return 0; // __typename, and introspection (bounded by the schema)
    const def = isObjectType(parent) || isInterfaceType(parent) ? (parent as GraphQLObjectType).getFields()[name] : undefined;
    if (!def) return 1; // unknown field: FieldsOnCorrectTypeRule reports it
    const declaration = listSizeOf(def);
    const list = returnsList(def);
    let size = 1;
    if (list) size = sizing?.fields.includes(name) ? Math.min(sizing.size, declaration?.max ?? sizing.size) : this.sizeOf(node, def, declaration);
    const named = getNamedType(def.type);
    if (!node.selectionSet) return size;
    const pageSizing = !list && declaration?.sizedFields?.length ? { size: this.sizeOf(node, def, declaration), fields: declaration.sizedFields } : undefined;
    const item = 1 + this.selection(node.selectionSet, named, pageSizing);
    return size * item;
  }

  /** The page size a field asks for: its slicing argument's literal or default, else its maximum. */
  private sizeOf(node: FieldNode, def: GraphQLField<unknown, unknown>, declaration: ListSizeDeclaration | undefined): number {
    const max = declaration?.max ?? UNDECLARED_SIZE;
    for (const argName of declaration?.slicingArguments ?? []) {
      const given = node.arguments?.find((a) => a.name.value === argName);
      if (given) {
        const n = intLiteral(given.value);
        if (n === undefined) return max; // a variable: known at execution, at most the maximum
        if (n > max) {
          this.oversized.push({ node, message: `${node.name.value}: ${argName} ${n} is above the maximum page size of ${max}` });
          return max;
        }
        return Math.max(n, 0);
      }
      const fallback = def.args.find((a) => a.name === argName)?.defaultValue;
      if (typeof fallback === 'number') return Math.min(Math.max(fallback, 0), max);
    }
    return max;
  }
}

function intLiteral(value: ValueNode): number | undefined {
  return value.kind === Kind.INT ? Number.parseInt(value.value, 10) : undefined;
}

/** A selection left out whatever the variables: `@skip(if: true)` or `@include(if: false)`. */
function skipped(directives: FieldNode['directives']): boolean {
  for (const d of directives ?? []) {
    const arg = d.arguments?.find((a) => a.name.value === 'if');
    if (arg?.value.kind !== Kind.BOOLEAN) continue;
    if (d.name.value === 'skip' && arg.value.value) return true;
    if (d.name.value === 'include' && !arg.value.value) return true;
  }
  return false;
}

/** The cost of each operation of a document, by operation name (tests, diagnostics; the rule below is what refuses). */
export function documentCosts(schema: GraphQLSchema, document: DocumentNode): Record<string, number> {
  const context = new ValidationContext(schema, document, new TypeInfo(schema), () => undefined);
  const out: Record<string, number> = {};
  for (const def of document.definitions) {
    if (def.kind === Kind.OPERATION_DEFINITION) out[def.name?.value ?? ''] = new CostWalk(context, schema).operation(def).total;
  }
  return out;
}

/**
 * The validation rule: refuses an operation whose cost is above `maxCost`, and a literal page size
 * above a list's maximum, by reporting to the validation context (a 400 on every transport).
 */
export function costRule(maxCost: number): ValidationRule {
  return (context: ValidationContext): ASTVisitor => ({
    OperationDefinition(op) {
      const walk = new CostWalk(context, context.getSchema());
      const { total, roots } = walk.operation(op);
      for (const o of walk.oversized) context.reportError(new GraphQLError(o.message, { nodes: [o.node], extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }));
      if (total > maxCost) {
        const costliest = [...roots]
          .sort((a, b) => b.cost - a.cost)
          .slice(0, 3)
          .map((r) => `${r.key} ${r.cost}`)
          .join(', ');
        context.reportError(
          new GraphQLError(
            `Query cost ${total} is above the maximum cost of ${maxCost} (a list counts its page size: its limit argument, else its maximum page size; costliest: ${costliest}).`,
            { nodes: [op], extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } },
          ),
        );
      }
      return false;
    },
  });
}
