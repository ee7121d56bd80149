import type { IncomingMessage, ServerResponse } from 'node:http';
import type Provider from 'oidc-provider';
import { readBody } from './admin-api.js';
import type { Directory } from './directory.js';
import { escapeHtml, page } from './issuers.js';

/**
 * The sign-in step of an authorization request: a username and password
 * form, checked against the directory. Consent is implied (first-party
 * applications), so a consent prompt is answered at once.
 */
export async function handleInteraction(provider: Provider, directory: Directory, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const details = await provider.interactionDetails(req, res);
  if (details.prompt.name === 'consent') {
    const grant = details.grantId ? await provider.Grant.find(details.grantId) : new provider.Grant({ accountId: details.session!.accountId, clientId: details.params['client_id'] as string });
    if (!grant) throw new Error('grant not found');
    const missing = details.prompt.details as { missingOIDCScope?: string[]; missingResourceScopes?: Record<string, string[]> };
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    for (const [resource, scopes] of Object.entries(missing.missingResourceScopes ?? {})) grant.addResourceScope(resource, scopes.join(' '));
    await provider.interactionFinished(req, res, { consent: { grantId: await grant.save() } }, { mergeWithLastSubmission: true });
    return;
  }

  if (req.method === 'POST') {
    const form = new URLSearchParams(await readBody(req));
    const username = form.get('username') ?? '';
    const user = await directory.authenticate(username, form.get('password') ?? '');
    if (user) {
      await provider.interactionFinished(req, res, { login: { accountId: user.uid } }, { mergeWithLastSubmission: false });
      return;
    }
    return loginPage(res, details.uid, username, 'Invalid username or password.', 401);
  }
  return loginPage(res, details.uid, '', null, 200);
}

function loginPage(res: ServerResponse, uid: string, username: string, error: string | null, status: number): void {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(
    page(
      'Sign in',
      `<h1>Sign in to Tessera</h1>
${error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : ''}
<form method="post" autocomplete="off" data-uid="${escapeHtml(uid)}">
  <label for="username">Username</label>
  <input id="username" name="username" autofocus required value="${escapeHtml(username)}">
  <label for="password">Password</label>
  <input id="password" name="password" type="password" required>
  <button type="submit">Sign in</button>
</form>
<p class="hint">Local development identity provider. The demo logins are printed by scripts/dev.sh.</p>`,
    ),
  );
}
