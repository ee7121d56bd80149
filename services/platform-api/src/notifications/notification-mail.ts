import type { NotificationKind } from '@tessera/contracts';

/** Whose colours and name an email wears: Tessera's, or the partner's for its customers and its team. */
export interface MailBrand {
  name: string;
  color: string;
  supportUrl: string | null;
}

export const TESSERA_BRAND: MailBrand = { name: 'Tessera', color: '#4f46e5', supportUrl: null };

const escapeHtml = (value: string): string => value.replace(/[&<>"']/g, (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char]!);

/** A brand colour is used in HTML only when it is exactly `#rrggbb`. */
const safeColor = (color: string): string => (/^#[0-9a-f]{6}$/i.test(color) ? color : TESSERA_BRAND.color);

/**
 * The email for one notice: plain text, and simple HTML with the brand's
 * name in its colour. Security kinds say that they cannot be turned off.
 */
export function renderMail(notice: { kind: NotificationKind; subject: string; text: string }, brand: MailBrand, locked: boolean): { subject: string; text: string; html: string } {
  const footer = locked
    ? 'You receive this because someone may be given access to your data; this notice cannot be turned off.'
    : 'You can choose which notices you receive in your account settings, under Notifications.';
  const support = brand.supportUrl ? `\nHelp: ${brand.supportUrl}` : '';
  const text = `${notice.text}\n\n— ${brand.name}\n${footer}${support}\n`;
  const color = safeColor(brand.color);
  const paragraphs = notice.text
    .split(/\n{2,}/)
    .map((paragraph) => `<p style="margin:0 0 12px">${escapeHtml(paragraph).replace(/\n/g, '<br>')}</p>`)
    .join('');
  const html = [
    '<!doctype html><html><body style="margin:0;background:#f4f4f5;font-family:system-ui,sans-serif;color:#18181b">',
    '<table role="presentation" width="100%" cellpadding="0" cellspacing="0"><tr><td align="center" style="padding:24px">',
    '<table role="presentation" width="560" cellpadding="0" cellspacing="0" style="background:#ffffff;border-radius:8px;overflow:hidden">',
    `<tr><td data-brand-color="${color}" style="background:${color};color:#ffffff;padding:16px 24px;font-size:18px;font-weight:600">${escapeHtml(brand.name)}</td></tr>`,
    `<tr><td style="padding:24px"><h1 style="font-size:20px;margin:0 0 16px">${escapeHtml(notice.subject)}</h1>${paragraphs}</td></tr>`,
    `<tr><td style="padding:16px 24px;font-size:12px;color:#71717a;border-top:1px solid #e4e4e7">${escapeHtml(footer)}${brand.supportUrl ? ` <a href="${escapeHtml(brand.supportUrl)}">Help</a>` : ''}</td></tr>`,
    '</table></td></tr></table></body></html>',
  ].join('');
  return { subject: notice.subject, text, html };
}
