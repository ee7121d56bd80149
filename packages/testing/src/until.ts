/**
 * The one way tests wait: polls `check` until it holds, running `meanwhile`
 * between tries (work that must go on while waiting), and fails after
 * `timeoutMs` naming `what`. Never a fixed delay: a wait ends as soon as what
 * it waits for is true.
 */
export async function until(
  what: string,
  check: () => Promise<boolean> | boolean,
  options: { meanwhile?: () => Promise<unknown>; timeoutMs?: number; intervalMs?: number } = {},
): Promise<void> {
  const { meanwhile, timeoutMs = 30_000, intervalMs = 100 } = options;
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; ) {
    if (await check()) return;
    await meanwhile?.();
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`);
}
