/** Paths come from rules and code, a bounded set: each is split once. */
const splitPaths = new Map<string, readonly string[]>();
const MAX_SPLIT_PATHS = 4_096;

function stepsOf(path: string): readonly string[] {
  let steps = splitPaths.get(path);
  if (steps === undefined) {
    steps = path.split('.');
    if (splitPaths.size >= MAX_SPLIT_PATHS) splitPaths.clear();
    splitPaths.set(path, steps);
  }
  return steps;
}

/**
 * Reads a dotted path (`detail.customer.id`) from a JSON value. Returns undefined when any step
 * is missing; never throws, because events are untrusted input.
 */
export function readPath(value: unknown, path: string): unknown {
  let current: unknown = value;
  for (const key of stepsOf(path)) {
    if (current === null || typeof current !== 'object' || Array.isArray(current)) return undefined;
    if (!Object.hasOwn(current, key)) return undefined;
    current = Reflect.get(current, key);
  }
  return current;
}

/**
 * Renders a key template such as `{{ detail.policyId }}:{{ detail.renewalDate }}` with values
 * from the event. Every placeholder must resolve to a string, number or boolean.
 */
export function renderKeyTemplate(
  template: string,
  value: unknown,
): { ok: true; key: string } | { ok: false; detail: string } {
  const missing: string[] = [];
  const key = template.replace(/\{\{\s*([\w$.-]+)\s*\}\}/g, (_whole, path: string) => {
    const found = readPath(value, path);
    if (typeof found === 'string' || typeof found === 'number' || typeof found === 'boolean')
      return String(found);
    missing.push(path);
    return '';
  });
  if (missing.length > 0)
    return { ok: false, detail: `dedupe key: ${missing.join(', ')} missing from the event` };
  return { ok: true, key };
}
