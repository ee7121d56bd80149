import { EdgeTokens } from './edge-token';

describe('EdgeTokens', () => {
  const tokens = new EdgeTokens('a-secret-of-at-least-thirty-two-characters');
  const session = { userId: 'u1', scope: 'tessera.test', expiresAt: 1_000 };
  const ticket = { userId: 'u1', host: 'acme.tessera.test', path: '/x', nonce: 'n1', expiresAt: 1_000 };

  it('verifies what it signed until it expires', () => {
    expect(tokens.verifySession(tokens.signSession(session), 999)).toEqual(session);
    expect(tokens.verifySession(tokens.signSession(session), 1_000)).toBeNull();
    expect(tokens.verifyTicket(tokens.signTicket(ticket), 999)).toEqual(ticket);
  });

  it('refuses a changed payload, another key, and extra or missing parts', () => {
    const signed = tokens.signSession(session);
    const [, signature] = signed.split('.');
    const changed = Buffer.from(JSON.stringify({ ...session, userId: 'u2' })).toString('base64url');
    expect(tokens.verifySession(`${changed}.${signature}`, 0)).toBeNull();
    expect(new EdgeTokens('another-secret-of-thirty-two-characters!').verifySession(signed, 0)).toBeNull();
    expect(tokens.verifySession(`${signed}.x`, 0)).toBeNull();
    expect(tokens.verifySession(signed.split('.')[0]!, 0)).toBeNull();
    expect(tokens.verifySession('', 0)).toBeNull();
  });

  it('never takes a ticket for a session or a session for a ticket', () => {
    expect(tokens.verifySession(tokens.signTicket({ ...ticket, scope: 'tessera.test' } as never), 0)).toBeNull();
    expect(tokens.verifyTicket(tokens.signSession(session), 0)).toBeNull();
  });
});
