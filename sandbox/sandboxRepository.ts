import { gone, notFound, OperationOutcomeError, validateResource, type WithId } from '@medplum/core';
import { MemoryRepository } from '@medplum/fhir-router';
import type { Resource } from '@medplum/fhirtypes';

export interface ResourceChange {
  interaction: 'create' | 'update' | 'delete';
  resource: Resource;
}

/**
 * MemoryRepository with what a real server adds: sequential version ids (1, 2, …), lastUpdated from
 * the sandbox clock, structural validation, 410 Gone for deleted resources, and a change callback
 * for every create/update/delete (including those inside transactions, patches and conditional creates).
 */
export class SandboxRepository extends MemoryRepository {
  private readonly versions = new Map<string, number>();
  private readonly deleted = new Set<string>();

  constructor(
    private readonly now: () => number,
    private readonly validate: boolean,
    public onChange: (change: ResourceChange) => void = () => undefined,
  ) {
    super();
  }

  override async createResource<T extends Resource>(resource: T): Promise<WithId<T>> {
    if (this.validate) validateResource(resource);
    const id = resource.id ?? this.generateId();
    const key = `${resource.resourceType}/${id}`;
    const previous = this.versions.get(key) ?? 0;
    const next = { ...resource, id, meta: { ...resource.meta, versionId: String(previous + 1), lastUpdated: new Date(this.now()).toISOString() } };
    const saved = await super.createResource(next);
    this.versions.set(key, previous + 1);
    const wasDeleted = this.deleted.delete(key);
    this.onChange({ interaction: previous === 0 || wasDeleted ? 'create' : 'update', resource: saved });
    return saved;
  }

  override async readResource<T extends Resource>(resourceType: string, id: string): Promise<T> {
    if (this.deleted.has(`${resourceType}/${id}`)) throw new OperationOutcomeError(gone);
    return super.readResource<T>(resourceType, id);
  }

  override async deleteResource(resourceType: string, id: string): Promise<void> {
    const key = `${resourceType}/${id}`;
    if (this.deleted.has(key)) throw new OperationOutcomeError(gone);
    const last = await super.readResource(resourceType, id).catch(() => {
      throw new OperationOutcomeError(notFound);
    });
    await super.deleteResource(resourceType, id);
    this.deleted.add(key);
    this.onChange({ interaction: 'delete', resource: last });
  }
}
