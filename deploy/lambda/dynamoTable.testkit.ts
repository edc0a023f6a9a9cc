/**
 * Test kit: one DynamoDB table behind aws-sdk-client-mock, with the condition-expression grammar
 * the callback store uses (attribute_exists / attribute_not_exists, numeric comparisons, AND, OR,
 * parentheses) evaluated for real, atomically per call. Items are never deleted by TTL here, which is
 * exactly DynamoDB's lazy deletion: readers must check the expiry themselves.
 */
import { GetItemCommand, PutItemCommand, UpdateItemCommand, type AttributeValue, type DynamoDBClientResolvedConfig, type ServiceInputTypes, type ServiceOutputTypes } from '@aws-sdk/client-dynamodb';
import type { AwsStub } from 'aws-sdk-client-mock';

type Item = Record<string, AttributeValue>;
type Values = Record<string, AttributeValue> | undefined;

export function conditionFailed(): Error {
  return Object.assign(new Error('The conditional request failed'), { name: 'ConditionalCheckFailedException' });
}

/** Evaluates a condition expression against an item (undefined: no item). Throws on grammar it does not know. */
export function evaluateCondition(expr: string, item: Item | undefined, values: Values): boolean {
  const tokens = expr.match(/\(|\)|<=|>=|<>|[<>=]|[A-Za-z_:][A-Za-z0-9_]*/g) ?? [];
  let pos = 0;
  const peek = (): string | undefined => tokens[pos];
  const next = (): string => {
    const t = tokens[pos++];
    if (t === undefined) throw new Error(`unexpected end of condition ${expr}`);
    return t;
  };
  const num = (operand: string): number | undefined => {
    const v = operand.startsWith(':') ? values?.[operand] : item?.[operand];
    return v?.N === undefined ? undefined : Number(v.N);
  };
  const primary = (): boolean => {
    const t = next();
    if (t === '(') {
      const v = or();
      if (next() !== ')') throw new Error(`unbalanced condition ${expr}`);
      return v;
    }
    if (t === 'attribute_exists' || t === 'attribute_not_exists') {
      next();
      const name = next();
      next();
      const has = item?.[name] !== undefined;
      return t === 'attribute_exists' ? has : !has;
    }
    const op = next();
    const a = num(t);
    const b = num(next());
    if (a === undefined || b === undefined) return false; // a comparison with a missing attribute is false
    if (op === '<=') return a <= b;
    if (op === '<') return a < b;
    if (op === '>') return a > b;
    if (op === '>=') return a >= b;
    if (op === '=') return a === b;
    throw new Error(`unknown operator ${op} in ${expr}`);
  };
  const and = (): boolean => {
    let v = primary();
    while (peek() === 'AND') {
      next();
      v = primary() && v;
    }
    return v;
  };
  const or = (): boolean => {
    let v = and();
    while (peek() === 'OR') {
      next();
      v = and() || v;
    }
    return v;
  };
  const result = or();
  if (pos !== tokens.length) throw new Error(`trailing tokens in condition ${expr}`);
  return result;
}

/** The table, keyed by `task`. UpdateItem understands `SET a = :v` and `REMOVE a`. */
export function emulateCallbackTable(dynamo: AwsStub<ServiceInputTypes, ServiceOutputTypes, DynamoDBClientResolvedConfig>): Map<string, Item> {
  const items = new Map<string, Item>();
  const check = (i: { ConditionExpression?: string; ExpressionAttributeValues?: Values }, item: Item | undefined) => {
    if (i.ConditionExpression && !evaluateCondition(i.ConditionExpression, item, i.ExpressionAttributeValues)) throw conditionFailed();
  };
  dynamo.on(PutItemCommand).callsFake((i: { Item: Item; ConditionExpression?: string; ExpressionAttributeValues?: Values }) => {
    const key = i.Item.task!.S!;
    check(i, items.get(key));
    items.set(key, { ...i.Item });
    return {};
  });
  dynamo.on(UpdateItemCommand).callsFake((i: { Key: { task: { S: string } }; UpdateExpression: string; ConditionExpression?: string; ExpressionAttributeValues?: Values; ReturnValues?: string }) => {
    const key = i.Key.task.S;
    const prev = items.get(key);
    check(i, prev);
    const item: Item = { ...(prev ?? { task: { S: key } }) };
    const set = /^SET (\w+) = (:\w+)$/.exec(i.UpdateExpression);
    const remove = /^REMOVE (\w+)$/.exec(i.UpdateExpression);
    if (set) item[set[1]!] = i.ExpressionAttributeValues![set[2]!]!;
    else if (remove) delete item[remove[1]!];
    else throw new Error(`unexpected update ${i.UpdateExpression}`);
    items.set(key, item);
    return i.ReturnValues === 'ALL_NEW' ? { Attributes: { ...item } } : {};
  });
  dynamo.on(GetItemCommand).callsFake((i: { Key: { task: { S: string } }; ProjectionExpression?: string }) => {
    const item = items.get(i.Key.task.S);
    if (!item) return {};
    const wanted = i.ProjectionExpression?.split(',').map((s) => s.trim());
    return { Item: wanted ? Object.fromEntries(Object.entries(item).filter(([k]) => wanted.includes(k))) : { ...item } };
  });
  return items;
}
