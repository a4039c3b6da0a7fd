const SVG = 'http://www.w3.org/2000/svg';
const WIDTH = 400;
const HEIGHT = 200;
const PAD = { left: 44, right: 10, top: 10, bottom: 24 };

export interface Point {
  readonly x: number;
  readonly y: number;
}

function node(tag: string, attributes: Record<string, string | number>, text?: string): SVGElement {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
  if (text !== undefined) element.textContent = text;
  return element;
}

const label = (value: number) => (Math.abs(value) >= 100 ? value.toFixed(0) : Math.abs(value) >= 1 ? value.toFixed(2) : value.toFixed(3));

/**
 * Draws points as a line with axis labels into an `<svg>` (redrawn whole on every update: a few
 * hundred points cost nothing). `yRange` fixes the axis (e.g. [0, 1] for accuracy).
 */
export function drawLineChart(svg: SVGSVGElement, points: readonly Point[], options: { yRange?: readonly [number, number]; xMax?: number } = {}): void {
  svg.setAttribute('viewBox', `0 0 ${WIDTH} ${HEIGHT}`);
  const children: SVGElement[] = [
    node('line', { class: 'axis', x1: PAD.left, y1: HEIGHT - PAD.bottom, x2: WIDTH - PAD.right, y2: HEIGHT - PAD.bottom }),
    node('line', { class: 'axis', x1: PAD.left, y1: PAD.top, x2: PAD.left, y2: HEIGHT - PAD.bottom }),
  ];
  if (points.length > 0) {
    const ys = points.map((p) => p.y);
    let [low, high] = options.yRange ?? [Math.min(...ys), Math.max(...ys)];
    if (high - low < 1e-9) [low, high] = [low - 0.5, high + 0.5];
    const xMax = Math.max(options.xMax ?? 0, ...points.map((p) => p.x), 1);
    const sx = (x: number) => PAD.left + (x / xMax) * (WIDTH - PAD.left - PAD.right);
    const sy = (y: number) => HEIGHT - PAD.bottom - ((y - low) / (high - low)) * (HEIGHT - PAD.top - PAD.bottom);
    children.push(
      node('polyline', { class: 'line', points: points.map((p) => `${sx(p.x).toFixed(1)},${sy(p.y).toFixed(1)}`).join(' ') }),
      ...points.slice(-1).map((p) => node('circle', { class: 'dot', cx: sx(p.x).toFixed(1), cy: sy(p.y).toFixed(1), r: 3 })),
      node('text', { x: 2, y: PAD.top + 8 }, label(high)),
      node('text', { x: 2, y: HEIGHT - PAD.bottom }, label(low)),
      node('text', { x: WIDTH - PAD.right, y: HEIGHT - 6, 'text-anchor': 'end' }, `step ${xMax}`),
    );
    svg.setAttribute('aria-label', `${svg.dataset.title ?? 'chart'}: ${points.length} points, latest ${label(points.at(-1)!.y)} at step ${points.at(-1)!.x}`);
  }
  svg.replaceChildren(...children);
}
