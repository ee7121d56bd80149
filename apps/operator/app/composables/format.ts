/** Minor units of a currency as money. */
export function money(minor: number, currency: string): string {
  return `${(minor / 100).toFixed(2)} ${currency}`;
}

/** An ISO time, in UTC, the same on the server and in the browser. */
export function when(iso: string | null | undefined): string {
  return iso ? `${iso.replace('T', ' ').slice(0, 19)} UTC` : '–';
}
