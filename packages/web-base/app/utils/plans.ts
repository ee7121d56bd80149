import type { PlanLimits, PlanOffer, PlanPrice } from '@tessera/contracts';

/** The plan's price in `currency` when it has one, else its list price (the first): as the API opens and changes subscriptions. */
export function planPrice(plan: Pick<PlanOffer, 'prices'>, currency?: string | null): PlanPrice | null {
  return plan.prices.find((price) => price.currency === currency) ?? plan.prices[0] ?? null;
}

/** "€19.00 / month", "€0.00 / month". */
export function formatPlanPrice(price: PlanPrice | null): string {
  return price ? `${formatMoney(price.monthlyPrice, price.currency)} / month` : '–';
}

/** "0.5 CPU", "2 CPUs". */
export function formatCpus(cpus: number): string {
  return `${cpus} CPU${cpus === 1 || cpus < 1 ? '' : 's'}`;
}

/** "128 MB", "1 GB". */
export function formatMemoryMb(mb: number): string {
  return mb >= 1024 && mb % 1024 === 0 ? `${mb / 1024} GB` : `${mb} MB`;
}

/** The limits in words, one line each: what a customer compares plans by. */
export function describeLimits(limits: PlanLimits): string[] {
  return [`${formatCpus(limits.cpus)}`, `${formatMemoryMb(limits.memoryMb)} memory`, `Up to ${limits.pids} processes`];
}

/** "Sleeps after 20 minutes without a visit", "Always on". */
export function describeSleep(plan: Pick<PlanOffer, 'sleeps' | 'idleSeconds'>): string {
  return plan.sleeps ? `Sleeps after ${formatDuration(plan.idleSeconds)} without a visit` : 'Always on, never sleeps';
}
