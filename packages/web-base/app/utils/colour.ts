/**
 * A partner's brand colour, made readable: the same hue, darkened until white
 * text on it (and it as text on white) reaches a 4.5:1 contrast for light
 * mode, and lightened until it reads on the dark background for dark mode.
 * Answers null for anything that is not `#rrggbb`, so nothing else reaches CSS.
 */
const HEX = /^#[0-9a-fA-F]{6}$/;

function channels(hex: string): [number, number, number] {
  return [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)) as [number, number, number];
}
function toHex(rgb: number[]): string {
  return `#${rgb.map((c) => Math.max(0, Math.min(255, Math.round(c))).toString(16).padStart(2, '0')).join('')}`;
}
function luminance(rgb: number[]): number {
  const [r, g, b] = rgb.map((c) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}
export function contrast(a: string, b: string): number {
  const [x, y] = [luminance(channels(a)), luminance(channels(b))].sort((p, q) => q - p) as [number, number];
  return (x + 0.05) / (y + 0.05);
}

function shift(hex: string, towards: number, against: string): string {
  let rgb = channels(hex);
  for (let step = 0; step < 40 && contrast(toHex(rgb), against) < 4.6; step += 1) {
    rgb = rgb.map((c) => c + (towards - c) * 0.08) as [number, number, number];
  }
  return toHex(rgb);
}

export function readableBrandColours(hex: string | null | undefined): { light: string; dark: string } | null {
  if (!hex || !HEX.test(hex)) return null;
  const colour = hex.toLowerCase();
  return { light: shift(colour, 0, '#ffffff'), dark: shift(colour, 255, '#0f172a') };
}
