/**
 * Walks a parsed expression once, before it may run: refuses functions outside the
 * allowlist, loops inside loops, `metrics` used other than by a literal name, and any
 * expression whose worst-case cost (each node once, a loop body once per element of the
 * largest list it could see) is above MAX_COST. Also collects the metric names used, for
 * the type check against the profile and so an evaluation reads only those.
 */
import { COMPREHENSIONS, FUNCTIONS, MAX_COST, MAX_TAGS, METHODS, REFUSED, UNKNOWN_RANGE } from './cel-limits';

/** the parts of a cel-js AST node the guard reads (cel-js index.d.ts `ASTNode`) */
export interface CelNode {
  op: string;
  args: unknown;
}

export class CelRejected extends Error {}

export interface GuardResult {
  metrics: string[];
  cost: number;
}

const isNode = (x: unknown): x is CelNode =>
  typeof x === 'object' && x !== null && typeof (x as CelNode).op === 'string';

const isId = (n: unknown, name: string): boolean => isNode(n) && n.op === 'id' && n.args === name;

/** the most elements a loop over `n` could see */
function range(n: CelNode): number {
  if (n.op === 'list' || n.op === 'map') return (n.args as unknown[]).length;
  if (n.op === '+') return (n.args as CelNode[]).reduce((sum, a) => sum + range(a), 0);
  if (n.op === '.' && isId((n.args as unknown[])[0], 'device') && (n.args as unknown[])[1] === 'tags')
    return MAX_TAGS;
  if (n.op === 'rcall' && COMPREHENSIONS.has((n.args as unknown[])[0] as string))
    return range((n.args as unknown[])[1] as CelNode);
  return UNKNOWN_RANGE;
}

export function guard(ast: unknown): GuardResult {
  const metrics = new Set<string>();
  let cost = 0;

  const metricName = (n: CelNode): string | undefined => {
    const [target, key] = n.args as [unknown, unknown];
    if (!isId(target, 'metrics')) return undefined;
    if (n.op === '.' || n.op === '.?') return key as string;
    if (isNode(key) && key.op === 'value' && typeof key.args === 'string') return key.args;
    throw new CelRejected('metrics must be read by a literal name: metrics.flow or metrics["flow-rate"]');
  };

  const visit = (n: unknown, weight: number, inLoop: boolean): void => {
    if (!isNode(n)) return;
    cost += weight;
    if (cost > MAX_COST) throw new CelRejected(`too costly: more than ${MAX_COST} steps in the worst case`);
    const args = n.args;
    switch (n.op) {
      case 'value':
        return;
      case 'id':
        if (args === 'metrics')
          throw new CelRejected(
            'metrics must be read by a literal name: metrics.flow or metrics["flow-rate"]',
          );
        return;
      case '.':
      case '.?':
      case '[]':
      case '[?]': {
        const name = metricName(n);
        if (name !== undefined) {
          metrics.add(name);
          if (n.op === '[]' || n.op === '[?]') cost += weight;
          return;
        }
        break;
      }
      case 'in': {
        const [key, container] = args as [unknown, unknown];
        if (isId(container, 'metrics') && isNode(key) && key.op === 'value' && typeof key.args === 'string') {
          metrics.add(key.args);
          return;
        }
        break;
      }
      case 'call': {
        const [name, callArgs] = args as [string, unknown[]];
        if (!FUNCTIONS.has(name)) throw refused(name);
        for (const a of callArgs) visit(a, weight, inLoop);
        return;
      }
      case 'rcall': {
        const [name, receiver, callArgs] = args as [string, unknown, unknown[]];
        if (COMPREHENSIONS.has(name)) {
          if (inLoop)
            throw new CelRejected(
              `a loop inside a loop (${name}) is not allowed: its cost is the product of both lists`,
            );
          visit(receiver, weight, inLoop);
          const turns = Math.max(1, range(receiver as CelNode));
          for (const a of callArgs.slice(1)) visit(a, weight * turns, true);
          return;
        }
        if (!METHODS.has(name) || isId(receiver, 'cel'))
          throw refused(isId(receiver, 'cel') ? `cel.${name}` : name);
        visit(receiver, weight, inLoop);
        for (const a of callArgs) visit(a, weight, inLoop);
        return;
      }
    }
    const children = Array.isArray(args) ? args : [args];
    for (const c of children) {
      if (Array.isArray(c)) for (const cc of c) visit(cc, weight, inLoop);
      else visit(c, weight, inLoop);
    }
  };

  visit(ast, 1, false);
  return { metrics: [...metrics], cost };
}

function refused(name: string): CelRejected {
  const why = REFUSED[name.replace(/^cel\./, '')];
  return new CelRejected(`function ${name}() is not allowed in alarm expressions${why ? `: ${why}` : ''}`);
}
