/**
 * What the platform reports about a workspace, said for its customers: the
 * engine's own error text ("container create: … catatonit …") is for
 * operators; a customer reads what it means for them and what happens next.
 */
export function customerReason(reason: string): string {
  const failed = reason.match(/^The (\w+) step failed/);
  if (failed) return `${labelOf(STEP_LABELS, failed[1]!)} could not be set up yet. The platform tries again by itself; if this lasts, contact support.`;
  const pending = reason.match(/^Provisioning: (.+) pending$/);
  if (pending) return `Still being set up: ${pending[1]!.split(', ').map((step) => labelOf(STEP_LABELS, step).toLowerCase()).join(', ')}.`;
  if (reason === 'Suspended by an operator') return 'This workspace is suspended. Contact support to have it resumed.';
  if (reason === 'Payment is past due') return 'A payment is past due.';
  return plainText(reason);
}

/** A setup step's detail for customers: what it means, not the engine's words. */
export function customerStepDetail(state: string, error: string | undefined): string {
  if (state === 'error') return 'Could not be set up yet; the platform tries again by itself.';
  if (state === 'skipped') return 'Not offered on this platform.';
  return error ? plainText(error) : '';
}
