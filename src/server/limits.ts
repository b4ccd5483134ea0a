/**
 * The query limits of the graph, applied identically to HTTP (/graphql), ws and the REST engine:
 * graphql-armor's depth, alias and directive rules and the graph's own cost rule (src/server/cost.ts:
 * lists count their page size) as validation rules, and a token limit
 * enforced by the parser (graphql-js `maxTokens`), so that an over-long document is an ordinary
 * syntax error (400) — graphql-armor's own token plugin turns syntax errors into 500s (STACK.md).
 */
import { DocumentNode, GraphQLError, ValidationContext, GraphQLSchema, NoSchemaIntrospectionCustomRule, parse, specifiedRules, validate, ValidationRule } from 'graphql';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import type { AppConfig } from '../config';
import { costRule } from './cost';

/**
 * graphql-armor rules throw by default (a 500 in Apollo); report to the validation context instead, so a
 * refused document is an ordinary validation error (400) on every transport.
 */
const report = {
  propagateOnRejection: false,
  exposeLimits: true,
  onReject: [
    (ctx: ValidationContext | null, err: GraphQLError) => {
      ctx?.reportError(new GraphQLError(err.message.replace(/^Syntax Error: /, ''), { extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }));
    },
  ],
};

const built = new WeakMap<AppConfig, { limits: ValidationRule[]; all: ValidationRule[] }>();

/** The rules of a configuration, built once (the rule factories hold no per-document state). */
function rulesOf(config: AppConfig): { limits: ValidationRule[]; all: ValidationRule[] } {
  let rules = built.get(config);
  if (!rules) {
    const limits = buildLimitRules(config);
    built.set(config, (rules = { limits, all: [...specifiedRules, ...limits] }));
  }
  return rules;
}

export function limitRules(config: AppConfig): ValidationRule[] {
  return rulesOf(config).limits;
}

function buildLimitRules(config: AppConfig): ValidationRule[] {
  const { limits } = config;
  const rules: ValidationRule[] = [
    maxDepthRule({ n: limits.maxDepth, ...report }) as unknown as ValidationRule,
    maxAliasesRule({ n: limits.maxAliases, ...report }) as unknown as ValidationRule,
    costRule(limits.maxCost),
    maxDirectivesRule({ n: limits.maxDirectives, ...report }) as unknown as ValidationRule,
  ];
  if (config.isProduction) rules.push(NoSchemaIntrospectionCustomRule);
  return rules;
}

export function parseOptions(config: AppConfig): { maxTokens: number } {
  return { maxTokens: config.limits.maxTokens };
}

/** Parses and validates with every rule; returns the document or the errors (never throws). */
export function parseAndValidate(
  schema: GraphQLSchema,
  source: string,
  config: AppConfig,
): { document: DocumentNode; errors?: undefined } | { document?: undefined; errors: readonly GraphQLError[] } {
  let document: DocumentNode;
  try {
    document = parse(source, parseOptions(config));
  } catch (err) {
    if (err instanceof GraphQLError) return { errors: [err] };
    return { errors: [new GraphQLError('Syntax Error: the document could not be parsed')] };
  }
  const errors = validate(schema, document, rulesOf(config).all);
  return errors.length ? { errors } : { document };
}

/** Hides "Did you mean …" suggestions in production (field names are not advertised). */
export function maskSuggestions(message: string, isProduction: boolean): string {
  return isProduction ? message.replace(/ ?Did you mean .+\?/g, '').trim() : message;
}
