import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseDocument, type Scalar, type ScalarTag, type CollectionTag, YAMLSeq } from 'yaml';
import { loadConfig } from '../src/config';

/**
 * The Authentik blueprints in authentik/: they parse with Authentik's YAML
 * tags, every reference points at something declared, the models Tessera
 * needs are all there, and what dev-idp imitates (slugs, client ids, the
 * groups scope, the admin group) matches them.
 */
const FOLDER = resolve(__dirname, '../../../authentik/blueprints');

class Tagged {
  constructor(
    readonly tag: string,
    readonly value: unknown,
  ) {}
}

const scalarTag = (tag: string): ScalarTag => ({ tag, resolve: (value: string) => new Tagged(tag, value) as unknown as Scalar });
const seqTag = (tag: string): CollectionTag => ({
  tag,
  collection: 'seq',
  nodeClass: YAMLSeq,
  resolve: (seq) => new Tagged(tag, (seq as YAMLSeq).toJSON()) as unknown as YAMLSeq,
});
const TAGS = [
  scalarTag('!KeyOf'),
  scalarTag('!Context'),
  scalarTag('!Env'),
  seqTag('!Env'),
  seqTag('!Find'),
  seqTag('!Format'),
  seqTag('!If'),
  seqTag('!Condition'),
];

interface Entry {
  model: string;
  id?: string;
  identifiers: Record<string, unknown>;
  attrs: Record<string, unknown>;
}

function load(file: string): { doc: { version: number; context?: Record<string, unknown>; entries: Entry[] }; errors: string[] } {
  const parsed = parseDocument(readFileSync(join(FOLDER, file), 'utf8'), { customTags: TAGS });
  return { doc: parsed.toJS() as never, errors: parsed.errors.map((e) => e.message) };
}

/** Every tagged value anywhere below `value`. */
function tagsIn(value: unknown, found: Tagged[] = []): Tagged[] {
  if (value instanceof Tagged) {
    found.push(value);
    tagsIn(value.value, found);
  } else if (Array.isArray(value)) value.forEach((item) => tagsIn(item, found));
  else if (value && typeof value === 'object') Object.values(value).forEach((item) => tagsIn(item, found));
  return found;
}

const files = readdirSync(FOLDER).filter((name) => name.endsWith('.yaml'));

describe('Authentik blueprints', () => {
  it('exist', () => {
    expect(files.length).toBeGreaterThan(0);
  });

  describe.each(files)('%s', (file) => {
    const { doc, errors } = load(file);
    const ids = new Set(doc.entries.map((entry) => entry.id).filter(Boolean));

    it('parses as a version 1 blueprint with entries', () => {
      expect(errors).toEqual([]);
      expect(doc.version).toBe(1);
      for (const entry of doc.entries) expect(entry.model).toMatch(/^authentik_[a-z0-9_]+\.[a-z0-9]+$/);
    });

    it('declares every id it refers to with !KeyOf, and every context key used with !Context', () => {
      const tags = tagsIn(doc.entries);
      const keyOf = tags.filter((t) => t.tag === '!KeyOf').map((t) => t.value);
      expect(keyOf.length).toBeGreaterThan(0);
      expect(keyOf.filter((id) => !ids.has(id as string))).toEqual([]);
      const context = tags.filter((t) => t.tag === '!Context').map((t) => t.value as string);
      expect(context.filter((key) => !(key in (doc.context ?? {})))).toEqual([]);
    });
  });

  describe('together', () => {
    const entries = files.flatMap((file) => load(file).doc.entries);
    const context = Object.assign({}, ...files.map((file) => load(file).doc.context ?? {})) as Record<string, unknown>;
    const of = (model: string) => entries.filter((entry) => entry.model === model);
    const devIdp = loadConfig({ DEV_IDP_MONGODB_URI: 'mongodb://unused' });

    it('declare OAuth2 providers for the portal, the operator console and CI, with dev-idp’s client ids', () => {
      const providers = of('authentik_providers_oauth2.oauth2provider');
      expect(providers.map((p) => p.attrs['client_id']).sort()).toEqual([devIdp.ci.clientId, devIdp.operator.clientId, devIdp.portal.clientId].sort());
      for (const provider of providers) {
        const signingKey = provider.attrs['signing_key'] as Tagged;
        expect(signingKey.tag).toBe('!Find');
        expect((signingKey.value as unknown[])[0]).toBe('authentik_crypto.certificatekeypair');
        expect(provider.attrs['invalidation_flow']).toBeInstanceOf(Tagged);
        expect(provider.attrs['issuer_mode']).toBe('per_provider');
        expect(tagsIn(provider.attrs['property_mappings']).some((t) => t.tag === '!KeyOf' && t.value === 'scope-groups')).toBe(true);
      }
      const redirects = providers.filter((p) => p.attrs['client_id'] !== devIdp.ci.clientId).map((p) => tagsIn(p.attrs['redirect_uris']));
      for (const tags of redirects) expect(tags.some((t) => t.tag === '!Context')).toBe(true);
    });

    it('declare the applications at the slugs dev-idp serves, each with its provider', () => {
      const apps = of('authentik_core.application');
      expect(apps.map((app) => app.attrs['slug']).sort()).toEqual(['ci', 'operator', 'portal']);
      for (const app of apps) expect(app.attrs['provider']).toEqual(new Tagged('!KeyOf', `provider-${app.attrs['slug'] as string}`));
    });

    it('declare the groups scope mapping that dev-idp imitates', () => {
      expect(of('authentik_providers_oauth2.scopemapping').map((m) => m.attrs['scope_name'])).toContain('groups');
    });

    it('declare the platform-admins group and bind the operator application to it', () => {
      const admins = of('authentik_core.group').find((group) => group.id === 'group-platform-admins');
      expect(admins?.attrs['name']).toEqual(new Tagged('!Context', 'admin_group'));
      expect(context['admin_group']).toEqual(new Tagged('!Env', ['TESSERA_ADMIN_GROUP', 'platform-admins']));
      const bindings = of('authentik_policies.policybinding');
      expect(bindings).toEqual([
        expect.objectContaining({ attrs: expect.objectContaining({ target: new Tagged('!KeyOf', 'app-operator'), group: new Tagged('!KeyOf', 'group-platform-admins') }) }),
      ]);
    });

    it("declare a service account with an API token for platform-api's admin calls", () => {
      const account = of('authentik_core.user').find((user) => user.id === 'user-platform-api');
      expect(account?.attrs['type']).toBe('service_account');
      const token = of('authentik_core.token').find((t) => t.attrs['intent'] === 'api');
      expect(token?.attrs['user']).toEqual(new Tagged('!KeyOf', 'user-platform-api'));
      expect(token?.attrs['key']).toBeInstanceOf(Tagged);
    });
  });
});
