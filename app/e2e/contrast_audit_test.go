//go:build !js

package e2e

// contrastAuditJS checks the page's visible text (returned as checked: how
// many elements it read) and lists as fails those whose contrast against
// what is drawn behind it is below WCAG 2's AA level: 4.5:1, or 3:1 for large
// text (24 px, or 18.66 px bold). The colour of the text is blended with
// what is behind it by its alpha and the opacity of the element and its
// ancestors; behind it are the background colours and gradients of the
// element and its ancestors, composited up to the first opaque one; a
// gradient counts by its worst stop. Disabled controls are exempt, as WCAG
// exempts inactive components; so are texts clipped away for screen readers.
const contrastAuditJS = `(() => {
  // Any CSS colour (rgb, color(srgb), oklch, color-mix…) as sRGB bytes and
  // alpha, through a canvas: what the browser would draw.
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = 1;
  const paint = canvas.getContext('2d', {willReadFrequently: true});
  const parse = (c) => {
    paint.clearRect(0, 0, 1, 1);
    paint.fillStyle = 'rgb(0 0 0 / 0)';
    paint.fillStyle = c;
    paint.fillRect(0, 0, 1, 1);
    const d = paint.getImageData(0, 0, 1, 1).data;
    return [d[0], d[1], d[2], d[3] / 255];
  };
  const over = (top, under) => {
    const a = top[3];
    return [0, 1, 2].map((i) => top[i] * a + under[i] * (1 - a)).concat([1]);
  };
  const lum = (c) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]);
  };
  const ratio = (a, b) => { const x = lum(a), y = lum(b); return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05); };
  // The candidate backdrops of el: every combination of its and its
  // ancestors' layers, each gradient taken at each of its stops.
  const backdrops = (el) => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const s = getComputedStyle(e);
      const stops = (s.backgroundImage.match(/(rgba?|color|oklch|oklab|lab|lch|hsla?)\([^)]*\)/g) || []).map(parse);
      const bg = parse(s.backgroundColor);
      if (stops.length) layers.push(stops);
      if (bg[3] > 0) layers.push([bg]);
      if (bg[3] >= 1 || stops.some((c) => c[3] >= 1)) break;
    }
    let out = [[255, 255, 255, 1]];
    if (matchMedia('(prefers-color-scheme: dark)').matches) out = [[0, 0, 0, 1]];
    for (let i = layers.length - 1; i >= 0; i--) {
      const next = [];
      for (const under of out) for (const top of layers[i]) next.push(over(top, under));
      out = next;
    }
    return out;
  };
  const fails = [];
  let checked = 0;
  const seen = new Set();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (!el || seen.has(el) || !n.textContent.trim()) continue;
    seen.add(el);
    if (!el.getClientRects().length || el.closest('[hidden], [aria-hidden="true"], .visually-hidden, :disabled, title, script, style')) continue;
    const s = getComputedStyle(el);
    if (s.visibility !== 'visible') continue;
    let clipped = false;
    for (let e = el; e && !clipped; e = e.parentElement) clipped = getComputedStyle(e).clip !== 'auto';
    if (clipped) continue;
    const r = el.getBoundingClientRect();
    if (r.bottom < 0 || r.right < 0 || r.top > innerHeight || r.left > innerWidth) continue;
    let opacity = 1;
    for (let e = el; e; e = e.parentElement) opacity *= Number(getComputedStyle(e).opacity);
    if (opacity === 0) continue;
    const fg = parse(s.color);
    checked++;
    const size = parseFloat(s.fontSize), bold = Number(s.fontWeight) >= 700;
    const need = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
    let worst = Infinity;
    for (const bg of backdrops(el)) {
      const text = over([fg[0], fg[1], fg[2], fg[3] * opacity], bg);
      worst = Math.min(worst, ratio(text, bg));
    }
    if (worst < need) {
      const id = el.id ? '#' + el.id : '';
      const cls = el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\s+/).join('.') : '';
      fails.push(el.tagName.toLowerCase() + id + cls + ' "' + n.textContent.trim().slice(0, 30) + '" ' + worst.toFixed(2) + ' < ' + need);
    }
  }
  return {checked, fails};
})()`
