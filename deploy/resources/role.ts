import {
  CreateRoleCommand,
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  ListRolesCommand,
  ListRoleTagsCommand,
  PutRolePolicyCommand,
  UpdateAssumeRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { isNotFound } from '../aws/clients';
import { stageTags } from '../names';
import { assumeRolePolicy, samePolicy } from '../policy';
import type { ResourceOps } from './types';
import { ownedBy, tagList, tagsFromList } from './types';

export const POLICY_NAME = 'clinflow';
/** Roles live under one IAM path per stage, so listing them never touches anyone else's. */
export const rolePath = (stage: string): string => `/clinflow/${stage}/`;

export const roleOps: ResourceOps<'role'> = {
  async read(d, { aws }) {
    let role;
    try {
      role = (await aws.iam.send(new GetRoleCommand({ RoleName: d.name }))).Role;
    } catch (err) {
      if (isNotFound(err)) return { exists: false };
      throw err;
    }
    const changes: string[] = [];
    if (!samePolicy(role?.AssumeRolePolicyDocument, assumeRolePolicy(d.service))) changes.push('AssumeRolePolicyDocument');
    let inline: string | undefined;
    try {
      inline = (await aws.iam.send(new GetRolePolicyCommand({ RoleName: d.name, PolicyName: POLICY_NAME }))).PolicyDocument;
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    if (!samePolicy(inline, JSON.stringify(d.policy))) changes.push('PolicyDocument');
    return { exists: true, changes };
  },
  async create(d, { aws, target }) {
    await aws.iam.send(
      new CreateRoleCommand({
        RoleName: d.name,
        Path: rolePath(target.stage),
        AssumeRolePolicyDocument: assumeRolePolicy(d.service),
        Description: d.description,
        Tags: tagList(stageTags(target)),
      }),
    );
    await aws.iam.send(new PutRolePolicyCommand({ RoleName: d.name, PolicyName: POLICY_NAME, PolicyDocument: JSON.stringify(d.policy) }));
  },
  async update(d, { aws }, changes) {
    if (changes.includes('AssumeRolePolicyDocument')) {
      await aws.iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: d.name, PolicyDocument: assumeRolePolicy(d.service) }));
    }
    if (changes.includes('PolicyDocument')) {
      await aws.iam.send(new PutRolePolicyCommand({ RoleName: d.name, PolicyName: POLICY_NAME, PolicyDocument: JSON.stringify(d.policy) }));
    }
  },
  async listOwned({ aws, target }) {
    const names: string[] = [];
    let Marker: string | undefined;
    do {
      const page = await aws.iam.send(new ListRolesCommand({ PathPrefix: rolePath(target.stage), ...(Marker ? { Marker } : {}) }));
      for (const r of page.Roles ?? []) {
        if (!r.RoleName) continue;
        const tags = tagsFromList((await aws.iam.send(new ListRoleTagsCommand({ RoleName: r.RoleName }))).Tags);
        if (ownedBy(tags, target)) names.push(r.RoleName);
      }
      Marker = page.IsTruncated ? page.Marker : undefined;
    } while (Marker);
    return names.sort();
  },
  async remove(name, { aws }) {
    try {
      await aws.iam.send(new DeleteRolePolicyCommand({ RoleName: name, PolicyName: POLICY_NAME }));
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    await aws.iam.send(new DeleteRoleCommand({ RoleName: name }));
  },
};
