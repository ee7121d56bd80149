import { caller, startAppWithDevIdp } from '../support/app';

describe('feature flags', () => {
  let t: Awaited<ReturnType<typeof startAppWithDevIdp>>;
  const bearer: Record<string, string> = {};
  const ids: Record<string, string> = {};

  const call = (...args: Parameters<ReturnType<typeof caller>>) => caller(t, bearer)(...args);

  beforeAll(async () => {
    t = await startAppWithDevIdp('flags');
    for (const who of ['alice', 'bob']) {
      await t.idp.createPerson(who);
      bearer[who] = await t.idp.accessToken(who, 'portal');
    }
    await t.idp.createPerson('opal', { groups: ['platform-admins'] });
    bearer['operator'] = await t.idp.accessToken('opal', 'operator');
    bearer['ci'] = await t.idp.machineToken();
    ids['alpha'] = (await call('post', '/tenants', 'alice', { slug: 'alpha', name: 'Alpha', plan: 'business' }).expect(201)).body.id;
    ids['beta'] = (await call('post', '/tenants', 'bob', { slug: 'beta', name: 'Beta', plan: 'free' }).expect(201)).body.id;
  });
  afterAll(() => t.close());

  it('lets an operator create flags with ordered rules, and refuses a taken key with 409', async () => {
    const created = await call('post', '/flags', 'operator', {
      key: 'new-editor',
      description: 'The new document editor',
      defaultValue: false,
      owner: 'editor-team@tessera.test',
      expiresAt: '2027-06-30T00:00:00Z',
      rules: [
        { type: 'tenants', tenantIds: [ids['alpha']], value: true },
        { type: 'plans', plans: ['free'], value: false },
        { type: 'percentage', percentage: 0, value: true },
      ],
    }).expect(201);
    expect(created.body).toMatchObject({ key: 'new-editor', enabled: true, archived: false, stale: false, expiresAt: '2027-06-30T00:00:00.000Z' });
    await call('post', '/flags', 'operator', { key: 'everyone', description: 'Rolled out', defaultValue: true, owner: 'ops' }).expect(201);
    await call('post', '/flags', 'operator', { key: 'new-editor', description: 'again', owner: 'x' }).expect(409);
  });

  it('answers 400 naming the field for a bad key, a bad rule and unknown fields', async () => {
    expect((await call('post', '/flags', 'operator', { key: 'Bad Key', description: 'x', owner: 'x' }).expect(400)).body.fields).toHaveProperty('key');
    const badRule = await call('post', '/flags', 'operator', { key: 'bad-rule', description: 'x', owner: 'x', rules: [{ type: 'percentage', percentage: 150, value: true }] }).expect(400);
    expect(Object.keys(badRule.body.fields)).toEqual(['rules.0.percentage']);
    await call('post', '/flags', 'operator', { key: 'bad-type', description: 'x', owner: 'x', rules: [{ type: 'weekday', value: true }] }).expect(400);
    await call('post', '/flags', 'operator', { key: 'extra', description: 'x', owner: 'x', colour: 'red' }).expect(400);
  });

  it('keeps flag management to operators', async () => {
    await call('get', '/flags', 'alice').expect(403);
    await call('post', '/flags', 'alice', { key: 'mine', description: 'x', owner: 'x' }).expect(403);
    await call('patch', '/flags/new-editor', 'ci', { enabled: false }).expect(403);
    await call('delete', '/flags/new-editor').expect(401);
  });

  it('lists flags and marks the fully rolled out one stale', async () => {
    const list = await call('get', '/flags', 'operator').expect(200);
    expect(list.body.map((f: { key: string; stale: boolean; staleReason: string | null }) => [f.key, f.stale, f.staleReason])).toEqual([
      ['everyone', true, 'fully rolled out'],
      ['new-editor', false, null],
    ]);
  });

  it('evaluates the truth map of the caller’s own tenant, with a reason per flag', async () => {
    const alpha = await call('post', '/flags/evaluate', 'alice', { tenantSlug: 'alpha' }).expect(200);
    expect(alpha.body).toEqual({ tenantSlug: 'alpha', flags: { everyone: { value: true, reason: 'default' }, 'new-editor': { value: true, reason: 'rule' } } });
    // Without a tenant named: the caller's only tenant.
    const beta = await call('post', '/flags/evaluate', 'bob', {}).expect(200);
    expect(beta.body).toEqual({ tenantSlug: 'beta', flags: { everyone: { value: true, reason: 'default' }, 'new-editor': { value: false, reason: 'rule' } } });
  });

  it('refuses a member evaluating another tenant, and a machine token', async () => {
    await call('post', '/flags/evaluate', 'alice', { tenantSlug: 'beta' }).expect(403);
    await call('post', '/flags/evaluate', 'alice', { tenantSlug: 'nowhere' }).expect(403);
    await call('post', '/flags/evaluate', 'ci', {}).expect(403);
    await call('post', '/flags/evaluate', undefined, {}).expect(401);
    await call('post', '/flags/evaluate', 'alice', { tenantSlug: { $ne: null } }).expect(400);
  });

  it('lets an operator evaluate any tenant, and gives an unknown tenant the defaults', async () => {
    expect((await call('post', '/flags/evaluate', 'operator', { tenantSlug: 'beta' }).expect(200)).body.flags['new-editor']).toEqual({ value: false, reason: 'rule' });
    expect((await call('post', '/flags/evaluate', 'operator', { tenantSlug: 'ghost' }).expect(200)).body.flags['new-editor']).toEqual({ value: false, reason: 'default' });
  });

  it('turns a flag off for everyone with the kill switch, auditing the change with before and after', async () => {
    await call('patch', '/flags/new-editor', 'operator', { enabled: false }).expect(200);
    expect((await call('post', '/flags/evaluate', 'alice', { tenantSlug: 'alpha' }).expect(200)).body.flags['new-editor']).toEqual({ value: false, reason: 'disabled' });
    const audit = await call('get', '/audit?action=flag.update', 'operator').expect(200);
    expect(audit.body.items[0]).toMatchObject({ target: { type: 'flag', id: 'new-editor' }, changes: { enabled: { from: true, to: false } } });
  });

  it('writes no audit event for an evaluation', async () => {
    const before = (await call('get', '/audit', 'operator').expect(200)).body.total;
    await call('post', '/flags/evaluate', 'alice', { tenantSlug: 'alpha' }).expect(200);
    expect((await call('get', '/audit', 'operator').expect(200)).body.total).toBe(before);
  });

  it('answers 304 to a caller holding the current ETag, and a new map once a flag or the tenant changes', async () => {
    const first = await call('post', '/flags/evaluate', 'alice', { tenantSlug: 'alpha' }).expect(200);
    const etag = first.headers['etag'] as string;
    expect(etag).toMatch(/^W\/".+"$/);
    const again = await call('post', '/flags/evaluate', 'alice', { tenantSlug: 'alpha' }).set('if-none-match', etag).expect(304);
    expect(again.text).toBe('');
    // Another tenant, the same flags: another tag.
    expect((await call('post', '/flags/evaluate', 'bob', { tenantSlug: 'beta' }).expect(200)).headers['etag']).not.toBe(etag);
    // A flag changes: the snapshot is refreshed at once and the old tag no longer matches.
    await call('patch', '/flags/new-editor', 'operator', { description: 'The new editor, reworded' }).expect(200);
    const changed = await call('post', '/flags/evaluate', 'alice', { tenantSlug: 'alpha' }).set('if-none-match', etag).expect(200);
    expect(changed.headers['etag']).not.toBe(etag);
    // The tenant's plan changes: its rules may answer differently, so the tag changes too.
    await call('post', '/flags/evaluate', 'alice', { tenantSlug: 'alpha' }).set('if-none-match', changed.headers['etag'] as string).expect(304);
    await call('patch', '/tenants/alpha', 'alice', { plan: 'starter' }).expect(200);
    await call('post', '/flags/evaluate', 'alice', { tenantSlug: 'alpha' }).set('if-none-match', changed.headers['etag'] as string).expect(200);
  });

  it('previews the truth map a tenant would get with a drafted flag, saving nothing', async () => {
    const before = (await call('get', '/flags', 'operator').expect(200)).body.length;
    const preview = await call('post', '/flags/preview', 'operator', {
      tenantSlug: 'beta',
      flag: { key: 'draft-flag', description: 'Not saved', owner: 'ops', rules: [{ type: 'plans', plans: ['free'], value: true }] },
    }).expect(200);
    expect(preview.body.draft).toEqual({ value: true, reason: 'rule' });
    expect(preview.body.flags['draft-flag']).toEqual({ value: true, reason: 'rule' });
    expect(preview.body.flags).toHaveProperty('new-editor');
    // A draft of an existing flag replaces it in the preview only.
    const replaced = await call('post', '/flags/preview', 'operator', { tenantSlug: 'beta', flag: { key: 'new-editor', description: 'x', owner: 'x', enabled: false } }).expect(200);
    expect(replaced.body.draft).toEqual({ value: false, reason: 'disabled' });
    expect((await call('get', '/flags', 'operator').expect(200)).body.length).toBe(before);
    await call('post', '/flags/preview', 'alice', { tenantSlug: 'alpha', flag: { key: 'x-flag', description: 'x', owner: 'x' } }).expect(403);
    await call('post', '/flags/preview', 'operator', { tenantSlug: 'beta', flag: { key: 'Bad Key', description: 'x', owner: 'x' } }).expect(400);
    // A tenant that does not exist has no truth map: an error, not the defaults.
    const unknown = await call('post', '/flags/preview', 'operator', { tenantSlug: 'no-such-tenant', flag: { key: 'draft-flag', description: 'x', owner: 'x' } }).expect(404);
    expect(unknown.body.message).toMatch(/no-such-tenant/);
    // Found by the fuzz suite: a preview without a drafted flag was a 500.
    for (const flag of [undefined, null, 'new-editor', ['new-editor']]) {
      const refused = await call('post', '/flags/preview', 'operator', { tenantSlug: 'beta', ...(flag === undefined ? {} : { flag }) }).expect(400);
      expect(refused.body.fields).toHaveProperty('flag');
    }
  });

  it('archives a flag: kept and readable, gone from evaluation, closed to changes', async () => {
    await call('delete', '/flags/everyone', 'operator').expect(200);
    expect((await call('get', '/flags/everyone', 'operator').expect(200)).body.archived).toBe(true);
    expect((await call('post', '/flags/evaluate', 'alice', { tenantSlug: 'alpha' }).expect(200)).body.flags).not.toHaveProperty('everyone');
    await call('patch', '/flags/everyone', 'operator', { enabled: true }).expect(409);
    await call('get', '/flags/nothing', 'operator').expect(404);
  });
});
