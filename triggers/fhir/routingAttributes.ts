import { compile } from 'fhirpath';
import r4Model from 'fhirpath/fhir-context/r4';
import type { FhirResource } from '../../schemas/fhirPort';

export type AttributeValue = string | number | boolean | null | (string | number | boolean)[];

type Evaluator = (resource: unknown) => unknown[];

/**
 * Extracts only the routing attributes the loaded rules need (design decision 5), each named by
 * its FHIRPath expression (e.g. `status`, `category.coding.code`). One value becomes a scalar,
 * several an array (EventBridge matches an array when any element matches), none is left out.
 * Complex values are dropped: a rule routes on primitives.
 */
export class RoutingAttributeExtractor {
  private readonly byType = new Map<string, { name: string; evaluate: Evaluator }[]>();

  constructor(routingAttributes: Record<string, readonly string[]>) {
    for (const [resourceType, expressions] of Object.entries(routingAttributes)) {
      const compiled = [...new Set(expressions)].map((name) => {
        try {
          return { name, evaluate: compile(name, r4Model) as unknown as Evaluator };
        } catch (err) {
          throw new Error(`routing attribute ${resourceType}.${name} is not valid FHIRPath: ${err instanceof Error ? err.message : String(err)}`);
        }
      });
      this.byType.set(resourceType, compiled);
    }
  }

  /** The attribute names rules route on for this type (empty when none). */
  namesFor(resourceType: string): string[] {
    return (this.byType.get(resourceType) ?? []).map((a) => a.name);
  }

  extract(resource: FhirResource | undefined, resourceType: string): Record<string, AttributeValue> {
    const out: Record<string, AttributeValue> = {};
    const attrs = this.byType.get(resourceType);
    if (!resource || !attrs) return out;
    for (const { name, evaluate } of attrs) {
      let values: unknown[];
      try {
        values = evaluate(resource);
      } catch {
        continue; // a sender's odd resource must not fail the notification; the rule just won't see it
      }
      const primitives = values.filter((v): v is string | number | boolean => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean');
      if (primitives.length === 1) out[name] = primitives[0] as string | number | boolean;
      else if (primitives.length > 1) out[name] = primitives;
    }
    return out;
  }
}
