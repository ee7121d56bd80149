import { readableBrandColours } from '../utils/colour';

/** Who the app presents itself as: the platform by default, or a partner's white label. */
export interface Brand {
  name: string;
  logoUrl: string | null;
  primaryColor: string | null;
  supportUrl: string | null;
}
type StoredBrand = Partial<Pick<Brand, 'name' | 'logoUrl' | 'primaryColor'>> | null;

/**
 * The brand on screen. An app sets it (the portal: from the tenant's partner)
 * with `setBrand`; it is kept in useState (one request on the server, one tab
 * in the browser) and remembered in a small `<app>-brand` cookie, so the
 * sign-in and session pages a partner's customer sees before signing in carry
 * the partner's name, logo and colour too.
 */
export function useBrand() {
  const config = useAppConfig().tessera;
  const remembered = useCookie<StoredBrand>(`${config.app}-brand`, { sameSite: 'lax', maxAge: 90 * 24 * 3600 });
  const state = useState<Brand | null>('tessera-brand', () => (remembered.value?.name ? { name: remembered.value.name, logoUrl: remembered.value.logoUrl ?? null, primaryColor: remembered.value.primaryColor ?? null, supportUrl: null } : null));
  const brand = computed<Brand>(() => state.value ?? { name: config.name, logoUrl: null, primaryColor: null, supportUrl: null });
  const branded = computed(() => state.value !== null);

  /** A partner's branding (null: the platform's own). */
  function setBrand(next: Brand | null): void {
    state.value = next;
    const stored = next ? { name: next.name.slice(0, 80), logoUrl: next.logoUrl && next.logoUrl.length < 500 ? next.logoUrl : null, primaryColor: next.primaryColor } : null;
    if (JSON.stringify(stored) !== JSON.stringify(remembered.value ?? null)) remembered.value = stored;
  }
  return { brand, branded, setBrand };
}

/**
 * Puts the brand into the page head: the title template ("Members · Reseller
 * Cloud"), the favicon (the partner's logo when there is one) and, for a
 * partner's colour, a readable shade of it as Nuxt UI's primary colour.
 */
export function useBrandHead(): void {
  const { brand } = useBrand();
  const colours = computed(() => readableBrandColours(brand.value.primaryColor));
  useHead({
    titleTemplate: (title?: string) => (title ? `${title} · ${brand.value.name}` : brand.value.name),
    link: computed(() => [{ key: 'icon', rel: 'icon', ...(brand.value.logoUrl ? { href: brand.value.logoUrl } : { href: '/favicon.svg', type: 'image/svg+xml' }) }]),
    style: computed(() =>
      colours.value ? [{ key: 'brand-colour', innerHTML: `:root:not(.dark){--ui-primary:${colours.value.light}}:root.dark{--ui-primary:${colours.value.dark}}` }] : [],
    ),
  });
}
