import { createHmac } from 'node:crypto';
import { backoffMs } from './notification-dispatcher.service';
import { renderMail, TESSERA_BRAND } from './notification-mail';
import { isPrivateAddress, signatureOf } from './webhook-client';

describe('notification delivery rules', () => {
  it('waits the base, then twice as long after each further failed attempt, never more than an hour', () => {
    expect([1, 2, 3, 4].map((attempts) => backoffMs(30_000, attempts))).toEqual([30_000, 60_000, 120_000, 240_000]);
    expect(backoffMs(30_000, 20)).toBe(3_600_000);
  });

  it('signs "<timestamp>.<body>" with HMAC-SHA256 and names the timestamp in the header', () => {
    const body = '{"type":"workspace.down"}';
    const header = signatureOf('whsec_test', 1_700_000_000, body);
    expect(header).toBe(`t=1700000000,v1=${createHmac('sha256', 'whsec_test').update(`1700000000.${body}`).digest('hex')}`);
    expect(signatureOf('whsec_test', 1_700_000_001, body)).not.toBe(header);
  });

  it('adds one more v1 signature per replaced secret still valid, after the new one', () => {
    const body = '{"type":"workspace.down"}';
    const v1 = (secret: string) => createHmac('sha256', secret).update(`1700000000.${body}`).digest('hex');
    expect(signatureOf('whsec_new', 1_700_000_000, body, ['whsec_old'])).toBe(`t=1700000000,v1=${v1('whsec_new')},v1=${v1('whsec_old')}`);
  });

  it('escapes what a notice says in the HTML, and uses only a #rrggbb brand colour', () => {
    const mail = renderMail({ kind: 'workspace.down', subject: '<b>Acme</b> is down', text: 'a <script>x</script>' }, { name: 'Evil" Co', color: 'red;background:url(x)', supportUrl: null }, false);
    expect(mail.html).not.toContain('<script>');
    expect(mail.html).toContain('&lt;b&gt;Acme&lt;/b&gt;');
    expect(mail.html).toContain(TESSERA_BRAND.color);
    expect(mail.html).not.toContain('url(x)');
    expect(renderMail({ kind: 'support.requested', subject: 's', text: 't' }, TESSERA_BRAND, true).text).toContain('cannot be turned off');
  });

  it('tells private and loopback addresses from public ones', () => {
    for (const address of ['127.0.0.1', '10.1.2.3', '172.20.0.1', '192.168.1.1', '169.254.169.254', '::1', 'fd00::1', '::ffff:127.0.0.1', '0.0.0.0']) expect(isPrivateAddress(address)).toBe(true);
    for (const address of ['8.8.8.8', '172.32.0.1', '2a00:1450::1']) expect(isPrivateAddress(address)).toBe(false);
  });
});
