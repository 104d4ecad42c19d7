/**
 * Builds UpdateItem and condition expressions with placeholders for every name and value, so
 * reserved words (`status`, `to`, …) never break a request and values are never spliced in.
 */

/** The expression parts of an UpdateItem request. */
export interface BuiltUpdate {
  UpdateExpression: string;
  ConditionExpression?: string;
  ExpressionAttributeNames: Record<string, string>;
  ExpressionAttributeValues?: Record<string, unknown>;
}

/** Collects SET / REMOVE / ADD actions and a condition, sharing one set of placeholders. */
export class UpdateExpressionBuilder {
  private readonly names = new Map<string, string>();
  private readonly values: Record<string, unknown> = {};
  private valueCount = 0;
  private readonly sets: string[] = [];
  private readonly removes: string[] = [];
  private readonly adds: string[] = [];
  private readonly conditions: string[] = [];

  /** The placeholder of an attribute name (`#a0`), registered once. */
  name(attribute: string): string {
    let placeholder = this.names.get(attribute);
    if (placeholder === undefined) {
      placeholder = `#a${this.names.size}`;
      this.names.set(attribute, placeholder);
    }
    return placeholder;
  }

  /** The placeholder of a value (`:v0`). */
  value(value: unknown): string {
    const placeholder = `:v${this.valueCount++}`;
    this.values[placeholder] = value;
    return placeholder;
  }

  /** `SET attribute = value`. */
  set(attribute: string, value: unknown): this {
    this.sets.push(`${this.name(attribute)} = ${this.value(value)}`);
    return this;
  }

  /** `SET attribute = <expression>`, e.g. a copy of another attribute or a `list_append`. */
  setExpression(attribute: string, expression: string): this {
    this.sets.push(`${this.name(attribute)} = ${expression}`);
    return this;
  }

  /** `SET attribute = value` when the value is defined, else `REMOVE attribute`. */
  setOrRemove(attribute: string, value: unknown): this {
    return value === undefined ? this.remove(attribute) : this.set(attribute, value);
  }

  /** `REMOVE attribute` (a no-op on the item when it is absent). */
  remove(attribute: string): this {
    this.removes.push(this.name(attribute));
    return this;
  }

  /** `ADD attribute value`: adds to a number or a set, creating it when absent. */
  add(attribute: string, value: unknown): this {
    this.adds.push(`${this.name(attribute)} ${this.value(value)}`);
    return this;
  }

  /** Adds a clause to the condition; all clauses must hold (AND). */
  condition(clause: string): this {
    this.conditions.push(`(${clause})`);
    return this;
  }

  /** The request parts. */
  build(): BuiltUpdate {
    const clauses: string[] = [];
    if (this.sets.length > 0) clauses.push(`SET ${this.sets.join(', ')}`);
    if (this.removes.length > 0) clauses.push(`REMOVE ${this.removes.join(', ')}`);
    if (this.adds.length > 0) clauses.push(`ADD ${this.adds.join(', ')}`);
    const names: Record<string, string> = {};
    for (const [attribute, placeholder] of this.names) names[placeholder] = attribute;
    return {
      UpdateExpression: clauses.join(' '),
      ...(this.conditions.length > 0 ? { ConditionExpression: this.conditions.join(' AND ') } : {}),
      ExpressionAttributeNames: names,
      // DynamoDB rejects an empty value map, so it is left out when nothing uses a value.
      ...(this.valueCount > 0 ? { ExpressionAttributeValues: this.values } : {}),
    };
  }
}
