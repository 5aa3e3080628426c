/**
 * Colour contrast as WCAG 2.2 defines it (relative luminance, ratio 1:1 to 21:1): the console's
 * themes are checked with it (text at least 4.5:1, focus indicators at least 3:1, SC 1.4.3,
 * 1.4.11, 2.4.13). Pure: unit-tested in test/unit/console-lib.test.ts and used by the browser test.
 */

/** An sRGB colour, channels 0–255, alpha 0–1. */
export interface Rgba {
  r: number;
  g: number;
  b: number;
  a: number;
}

/**
 * Parses `#rgb`, `#rrggbb`, `rgb(r, g, b)`, `rgba(r, g, b, a)` and `rgb(r g b / a)` (what
 * getComputedStyle answers).
 * @returns null for anything else.
 */
export function parseColor(text: string): Rgba | null {
  const value = text.trim().toLowerCase();
  const hex = value.match(/^#([0-9a-f]{3}|[0-9a-f]{6})$/);
  if (hex?.[1]) {
    const h = hex[1].length === 3 ? [...hex[1]].map((c) => c + c).join('') : hex[1];
    return {
      r: Number.parseInt(h.slice(0, 2), 16),
      g: Number.parseInt(h.slice(2, 4), 16),
      b: Number.parseInt(h.slice(4, 6), 16),
      a: 1,
    };
  }
  const fn = value.match(/^rgba?\(([^)]+)\)$/);
  if (!fn?.[1]) return null;
  const parts = fn[1].split(/[\s,/]+/).filter(Boolean);
  if (parts.length < 3) return null;
  const [r, g, b] = parts.slice(0, 3).map(Number);
  const alpha =
    parts[3] === undefined ? 1 : parts[3].endsWith('%') ? Number.parseFloat(parts[3]) / 100 : Number(parts[3]);
  if ([r, g, b, alpha].some((n) => n === undefined || Number.isNaN(n))) return null;
  return { r: r as number, g: g as number, b: b as number, a: alpha };
}

/** WCAG relative luminance of an opaque colour (0 black … 1 white). */
export function luminance({ r, g, b }: Rgba): number {
  const channel = (c: number) => {
    const s = c / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
}

/** `top` drawn over the opaque `bottom` (alpha compositing). */
export function over(top: Rgba, bottom: Rgba): Rgba {
  const mix = (t: number, u: number) => Math.round(t * top.a + u * (1 - top.a));
  return { r: mix(top.r, bottom.r), g: mix(top.g, bottom.g), b: mix(top.b, bottom.b), a: 1 };
}

/**
 * The contrast ratio of two colours (1 to 21); a translucent `a` is first drawn over `b`.
 * @throws Error when either is not a colour {@link parseColor} reads.
 */
export function contrastRatio(a: string | Rgba, b: string | Rgba): number {
  const read = (c: string | Rgba) => {
    const parsed = typeof c === 'string' ? parseColor(c) : c;
    if (!parsed) throw new Error(`not a colour: ${String(c)}`);
    return parsed;
  };
  const bottom = read(b);
  const top = over(read(a), { ...bottom, a: 1 });
  const [light, dark] = [luminance(top), luminance(bottom)].sort((x, y) => y - x) as [number, number];
  return (light + 0.05) / (dark + 0.05);
}
