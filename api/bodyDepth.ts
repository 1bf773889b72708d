import type { RequestHandler } from 'express';
import { badRequest } from './errors';

/** Deeper than any real payload (a sequence definition with nested conditions is about 8 levels). */
export const MAX_BODY_DEPTH = 64;

/** Whether objects and arrays in the value nest deeper than the limit; iterative, so any depth is safe to measure. */
export function nestsDeeperThan(value: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (node === null || typeof node !== 'object') continue;
    if (depth > limit) return true;
    for (const child of Object.values(node))
      if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
  }
  return false;
}

/**
 * Refuses JSON bodies that nest deeper than MAX_BODY_DEPTH. JSON.parse takes half a million levels in its stride,
 * but JSON.stringify (when the value is stored as jsonb) and recursive validation overflow the stack at a few
 * thousand, which would turn a 2 MB request into a 500.
 */
export function limitBodyDepth(limit = MAX_BODY_DEPTH): RequestHandler {
  return (req, _res, next) => {
    next(nestsDeeperThan(req.body, limit) ? badRequest(`the body nests deeper than ${limit} levels`) : undefined);
  };
}
