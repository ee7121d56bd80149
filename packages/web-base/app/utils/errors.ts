import { ERROR_CODES, ERROR_REASONS, type ErrorBody, type ErrorCode, type ErrorReason } from '@tessera/contracts';

/**
 * The one place where what went wrong becomes sentences for people.
 *
 * The API answers `{ statusCode, code, message, requestId, fields? }`
 * (packages/contracts/src/errors.ts); the BFF passes that body on as `data`.
 * Domain messages (FORBIDDEN, NOT_FOUND, CONFLICT) are written for people and
 * are shown as they are; validator text ("name must be longer than or equal
 * to 1 characters") and configuration names ("MAIL_API_URL") never are: each
 * field's problem is rewritten here, and an unknown message falls back to a
 * sentence for its code. The request id is kept for support.
 */
export interface ExplainedError {
  /** A short headline: "Could not save", "Not allowed". */
  title: string;
  /** One or two sentences saying what happened and what to do. */
  message: string;
  /** Each field's problem as a sentence, keyed by the API's field path ("contact.email"). */
  fields: Record<string, string>;
  code: ErrorCode | 'NETWORK';
  status: number | null;
  /** The API's request id, for support; null when the API was not reached. */
  requestId: string | null;
  /** For a refusal by a lasting state (a terminated tenant or partner): which one. */
  reason: ErrorReason | null;
}

/** Headlines for refusals whose cause lasts: reloading will not help, the thing is read-only. */
const REASON_TITLES: Record<ErrorReason, string> = {
  TENANT_TERMINATED: 'Read-only: this tenant is terminated',
  PARTNER_TERMINATED: 'Read-only: this partner is terminated',
  ACCOUNT_DISABLED: 'Your account is disabled',
  BACKUP_FAILED: 'Not terminated: the backup failed',
};

const TITLES: Record<ErrorCode | 'NETWORK', string> = {
  VALIDATION_FAILED: 'Some details need a change',
  UNAUTHENTICATED: 'You are signed out',
  FORBIDDEN: 'Not allowed',
  NOT_FOUND: 'Not found',
  CONFLICT: 'That cannot be done now',
  PAYLOAD_TOO_LARGE: 'Too much at once',
  UNSUPPORTED_MEDIA_TYPE: 'That could not be sent',
  RATE_LIMITED: 'Too many requests',
  UNAVAILABLE: 'Temporarily unavailable',
  INTERNAL: 'Something went wrong',
  NETWORK: 'No connection',
};

/** What to say when the API's own message is not for people (or there is none). */
const FALLBACK: Record<ErrorCode | 'NETWORK', string> = {
  VALIDATION_FAILED: 'Check the highlighted fields and try again.',
  UNAUTHENTICATED: 'Your session has ended. Sign in again to carry on.',
  FORBIDDEN: 'Your account is not allowed to do this. Ask an owner or an administrator if you need it.',
  NOT_FOUND: 'It may have been removed, or the address is wrong.',
  CONFLICT: 'Something changed in the meantime. Reload the page and try again.',
  PAYLOAD_TOO_LARGE: 'What you sent is larger than the platform takes. Shorten it and try again.',
  UNSUPPORTED_MEDIA_TYPE: 'The page sent something the platform does not read. Reload the page and try again.',
  RATE_LIMITED: 'Too many changes in a short time. Wait a minute and try again.',
  UNAVAILABLE: 'A service the platform relies on is not answering right now. Try again in a few minutes.',
  INTERNAL: 'Something went wrong on our side. Try again; if it keeps happening, contact support and quote the reference below.',
  NETWORK: 'The platform could not be reached. Check your connection and try again.',
};

/** How fields are called on screen, by the last part of the API's field path. */
const FIELD_LABELS: Record<string, string> = {
  slug: 'Address',
  name: 'Name',
  email: 'Email',
  ownerEmail: "Owner's email",
  plan: 'Plan',
  role: 'Role',
  industry: 'Industry',
  brandColor: 'Brand colour',
  displayName: 'Display name',
  logoUrl: 'Logo address',
  primaryColor: 'Primary colour',
  accentColor: 'Accent colour',
  supportUrl: 'Support address',
  phone: 'Phone',
  company: 'Company',
  address: 'Address',
  vatId: 'VAT id',
  notificationEmail: 'Alert email',
  marginPct: 'Margin',
  key: 'Key',
  description: 'Description',
  owner: 'Owner',
  reason: 'Reason',
  percentage: 'Percentage',
  tenantIds: 'Tenants',
  partnerIds: 'Partners',
  plans: 'Plans',
  tenantSlug: 'Tenant',
  partner: 'Partner',
  returnUrl: 'Return address',
};

/** The label of an API field path: "billing.email" → "Email", "rules.0.percentage" → "Percentage". */
export function fieldLabel(path: string): string {
  const last = path.split('.').filter((part) => !/^\d+$/.test(part)).pop() ?? path;
  return FIELD_LABELS[last] ?? humanizeIdentifier(last);
}

/** "notificationEmail" → "Notification email". */
function humanizeIdentifier(name: string): string {
  const words = name.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/[_-]+/g, ' ').toLowerCase().trim();
  return words ? words[0]!.toUpperCase() + words.slice(1) : 'This field';
}

const sentence = (text: string) => {
  const trimmed = text.trim();
  if (!trimmed) return trimmed;
  const first = trimmed[0]!.toUpperCase() + trimmed.slice(1);
  return /[.!?]$/.test(first) ? first : `${first}.`;
};

/**
 * One validator message about one field, as a sentence. class-validator's
 * defaults are recognised by their shape; messages the API wrote itself
 * ("slug must be 3–32 lowercase letters…") keep their rule with the field's
 * label in front.
 */
export function fieldSentence(path: string, raw: string): string {
  const label = fieldLabel(path);
  const lower = label.toLowerCase();
  const rules: [RegExp, (match: RegExpMatchArray) => string][] = [
    [/should not exist/, () => `${label} is not something this form can change.`],
    [/must be longer than or equal to (\d+) characters/, (m) => (m[1] === '1' ? `Enter the ${lower}.` : `${label} needs at least ${m[1]} characters.`)],
    [/must be shorter than or equal to (\d+) characters/, (m) => `${label} can be at most ${m[1]} characters long.`],
    [/should not be empty|must not be empty|must be a string|must be defined/, () => `Enter the ${lower}.`],
    [/must be an email/, () => 'Enter an email address, like ada@example.com.'],
    [/must be a URL address|must be an URL/, () => 'Enter a full web address that starts with https://.'],
    [/must be a valid domain name|must be a valid fqdn/i, () => 'Enter a domain name, like example.com.'],
    [/must be a hexadecimal color|must be a hex colou?r/, () => `${label} must be a hex colour: # and six digits or letters a–f, like #1a2b3c.`],
    [/must be one of the following values/, () => `Choose one of the offered ${lower === 'plan' ? 'plans' : 'options'}.`],
    [/must not be greater than ([\d.]+)/, (m) => `${label} can be at most ${m[1]}.`],
    [/must not be less than ([\d.]+)/, (m) => `${label} must be at least ${m[1]}.`],
    [/must be a number|must be an integer/, () => `${label} must be a number.`],
    [/must be a boolean/, () => `Choose yes or no for ${lower}.`],
    [/must be a mongodb id/, () => `${label} refers to something that does not exist.`],
    [/must contain no more than (\d+) elements/, (m) => `Choose at most ${m[1]}.`],
    [/must be an array/, () => `Choose one or more for ${lower}.`],
    [/must be a valid ISO 8601 date string/, () => `${label} must be a date.`],
    [/is reserved/, () => `That ${lower} is reserved. Choose another.`],
  ];
  for (const [pattern, say] of rules) {
    const match = raw.match(pattern);
    if (match) return say(match);
  }
  // A rule the API wrote for people, led by the field's name: keep the rule, with the label.
  const property = path.split('.').pop() ?? path;
  if (raw.startsWith(`${property} `)) return sentence(`${label} ${raw.slice(property.length + 1)}`);
  return `${label} is not valid.`;
}

/** Words no person should read: configuration variable names in brackets, stack-ish prefixes. */
export function plainText(text: string): string {
  return text
    .replace(/\s*\((?:[A-Z][A-Z0-9]*_)+[A-Z0-9]+\)/g, '')
    .replace(/\b(?:[A-Z][A-Z0-9]*_)+[A-Z0-9]+\b/g, 'a setting')
    .replace(/^(?:Error|MongoServerError|TypeError):\s*/, '')
    .trim();
}

/** The API's body inside whatever the BFF call threw (FetchError, NuxtError, h3 error JSON). */
function bodyOf(error: unknown): Partial<ErrorBody> & { statusCode?: number } {
  const outer = (error as { data?: unknown })?.data;
  const inner = (outer as { data?: unknown } | undefined)?.data;
  for (const candidate of [inner, outer]) {
    if (candidate && typeof candidate === 'object' && typeof (candidate as { code?: unknown }).code === 'string') return candidate as ErrorBody;
  }
  const statusCode = (error as { statusCode?: unknown })?.statusCode ?? (outer as { statusCode?: unknown } | undefined)?.statusCode;
  const statusMessage = (error as { statusMessage?: unknown })?.statusMessage ?? (outer as { statusMessage?: unknown } | undefined)?.statusMessage;
  return {
    statusCode: typeof statusCode === 'number' ? statusCode : undefined,
    code: typeof statusMessage === 'string' && (ERROR_CODES as readonly string[]).includes(statusMessage) ? (statusMessage as ErrorCode) : undefined,
  };
}

function codeFor(status: number | undefined): ErrorCode | 'NETWORK' {
  if (!status) return 'NETWORK';
  if (status === 400 || status === 422) return 'VALIDATION_FAILED';
  if (status === 401) return 'UNAUTHENTICATED';
  if (status === 403) return 'FORBIDDEN';
  if (status === 404) return 'NOT_FOUND';
  if (status === 409) return 'CONFLICT';
  if (status === 429) return 'RATE_LIMITED';
  if (status === 502 || status === 503 || status === 504) return 'UNAVAILABLE';
  return 'INTERNAL';
}

/** Messages from the API that are sentences for people: its own domain errors. */
const PEOPLE_CODES = new Set<ErrorCode | 'NETWORK'>(['FORBIDDEN', 'NOT_FOUND', 'CONFLICT']);

/** Anything a BFF call threw, as a title, sentences, field problems and the request id. */
export function explainError(error: unknown): ExplainedError {
  if (error instanceof Error && error.cause !== undefined && !(error as { data?: unknown }).data) return explainError(error.cause);
  const body = bodyOf(error);
  const status = body.statusCode ?? (error as { status?: number })?.status ?? null;
  const code = body.code ?? codeFor(status ?? undefined);
  const fields: Record<string, string> = {};
  for (const [path, messages] of Object.entries(body.fields ?? {})) {
    const first = messages[0];
    if (first) fields[path] = fieldSentence(path, first);
  }
  let message = FALLBACK[code];
  if (code === 'VALIDATION_FAILED' && Object.keys(fields).length) {
    message = Object.values(fields).join(' ');
  } else if (PEOPLE_CODES.has(code) && body.message) {
    message = sentence(plainText(body.message));
  }
  const reason = body.reason && (ERROR_REASONS as readonly string[]).includes(body.reason) ? body.reason : null;
  return { title: reason ? REASON_TITLES[reason] : TITLES[code], message, fields, code, status, requestId: body.requestId || null, reason };
}
