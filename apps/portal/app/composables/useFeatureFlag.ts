import type { FlagEvaluation } from '@tessera/contracts';

type FlagState = { tenant: string | null; flags: FlagEvaluation['flags'] } | null;

/**
 * Feature flags for one tenant. The truth map comes from one bulk evaluation
 * (`/api/flags`, the API decides which tenant the caller may see) and is kept
 * in useState, which Nuxt scopes to the request on the server and to the tab
 * in the browser: nothing is shared between users. A flag that could not be
 * evaluated is off: it fails closed.
 */
export function useFeatureFlags() {
  const state = useState<FlagState>('tessera-flags', () => null);
  const fetcher = useRequestFetch();

  async function refresh(tenantSlug?: string): Promise<void> {
    const slug = tenantSlug ?? state.value?.tenant ?? undefined;
    try {
      const evaluation = await fetcher<FlagEvaluation>('/api/flags', { method: 'POST', body: slug ? { tenantSlug: slug } : {} });
      state.value = { tenant: evaluation.tenantSlug, flags: evaluation.flags };
    } catch {
      state.value = { tenant: slug ?? null, flags: {} };
    }
  }

  /** Evaluates once for this tenant (during server rendering, or on first use in the browser). */
  async function load(tenantSlug?: string): Promise<void> {
    if (state.value && state.value.tenant === (tenantSlug ?? state.value.tenant)) return;
    await refresh(tenantSlug);
  }

  return { state, refresh, load };
}

/** One flag as a ComputedRef<boolean>; `refresh()` evaluates the map again. Call `useFeatureFlags().load(slug)` first. */
export function useFeatureFlag(key: string): ComputedRef<boolean> & { refresh: () => Promise<void> } {
  const flags = useFeatureFlags();
  const enabled = computed(() => flags.state.value?.flags[key]?.value === true);
  return Object.assign(enabled, { refresh: () => flags.refresh() });
}
