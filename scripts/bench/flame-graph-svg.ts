/**
 * A flame graph as one self-contained SVG, drawn from folded stacks (`a;b;c <µs>` per line, see foldedStacks):
 * the bench's `--cpu-prof` leaves a picture to open in any browser, with no flamegraph.pl or viewer to install.
 * As flamegraph.pl draws them: the root at the bottom, each frame as wide as the time sampled in it and under it,
 * children merged by name and sorted alphabetically (x says nothing about time order), frames narrower than a tenth
 * of a pixel left out. Hovering a frame shows its name, its microseconds and its share of the whole.
 */

interface FlameNode {
  name: string;
  us: number;
  children: Map<string, FlameNode>;
}

export interface FlameGraphOptions {
  title: string;
  /** Width of the picture in pixels (default 1200). */
  width?: number;
}

const FRAME_HEIGHT = 16;
const FONT_SIZE = 11;
/** Approximate width of one character of the 11 px monospace font. */
const CHAR_WIDTH = 6.6;
const MARGIN = 10;
const TITLE_HEIGHT = 30;
const MIN_WIDTH = 0.1;
const V8_ENTRIES: ReadonlySet<string> = new Set([
  "(garbage collector)",
  "(program)",
  "(root)",
  "(idle)",
  "all",
]);

/** Merges folded-stack lines into one tree; lines that are not `stack <number>` are skipped. */
export function flameTree(folded: string): FlameNode {
  const root: FlameNode = { name: "all", us: 0, children: new Map() };
  for (const line of folded.split("\n")) {
    const space = line.lastIndexOf(" ");
    const us = Number(line.slice(space + 1));
    if (space <= 0 || !Number.isFinite(us) || us <= 0) continue;
    root.us += us;
    let node = root;
    for (const name of line.slice(0, space).split(";")) {
      let child = node.children.get(name);
      if (!child) node.children.set(name, (child = { name, us: 0, children: new Map() }));
      child.us += us;
      node = child;
    }
  }
  return root;
}

/** The SVG text of a flame graph of `folded`. */
export function flameGraphSvg(folded: string, options: FlameGraphOptions): string {
  const root = flameTree(folded);
  const width = options.width ?? 1200;
  const scale = root.us > 0 ? (width - 2 * MARGIN) / root.us : 0;
  const rects: { x: number; depth: number; w: number; node: FlameNode }[] = [];
  const place = (node: FlameNode, x: number, depth: number): void => {
    const w = node.us * scale;
    if (w < MIN_WIDTH) return;
    rects.push({ x, depth, w, node });
    let childX = x;
    for (const child of [...node.children.values()].sort((a, b) => (a.name < b.name ? -1 : 1))) {
      place(child, childX, depth + 1);
      childX += child.us * scale;
    }
  };
  place(root, MARGIN, 0);
  const depth = Math.max(0, ...rects.map((r) => r.depth)) + 1;
  const height = TITLE_HEIGHT + depth * FRAME_HEIGHT + 2 * MARGIN;
  const frames = rects.map(({ x, depth: d, w, node }) => {
    const y = height - MARGIN - (d + 1) * FRAME_HEIGHT;
    const share = root.us > 0 ? ((node.us / root.us) * 100).toFixed(2) : "0";
    const tip = `${node.name} (${Math.round(node.us).toLocaleString("en-US")} µs, ${share} %)`;
    const fits = Math.floor((w - 6) / CHAR_WIDTH);
    const label = fits < 3 ? "" : node.name.length <= fits ? node.name : `${node.name.slice(0, fits - 2)}..`;
    return (
      `<g><title>${escapeXml(tip)}</title>` +
      `<rect x="${x.toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="${FRAME_HEIGHT - 1}" ` +
      `fill="${colourOf(node.name)}" rx="2"/>` +
      (label
        ? `<text x="${(x + 3).toFixed(1)}" y="${y + FRAME_HEIGHT - 4}">${escapeXml(label)}</text>`
        : "") +
      `</g>`
    );
  });
  return [
    `<?xml version="1.0" standalone="no"?>`,
    `<svg version="1.1" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" ` +
      `viewBox="0 0 ${width} ${height}" font-family="monospace" font-size="${FONT_SIZE}">`,
    `<rect width="100%" height="100%" fill="#f8f8f8"/>`,
    `<text x="${width / 2}" y="${MARGIN + 14}" text-anchor="middle" font-size="15">${escapeXml(options.title)}</text>`,
    ...frames,
    `</svg>`,
    "",
  ].join("\n");
}

/**
 * flamegraph.pl's warm palette, the same colour for the same name in every picture; V8's own entries (the garbage
 * collector, "(program)" — time in no JavaScript function) grey, so the JavaScript stands out.
 */
function colourOf(name: string): string {
  if (V8_ENTRIES.has(name)) return "rgb(190,190,190)";
  let hash = 0;
  for (let i = 0; i < name.length; i++) hash = (hash * 31 + name.charCodeAt(i)) >>> 0;
  const a = (hash & 0xff) / 255;
  const b = ((hash >>> 8) & 0xff) / 255;
  return `rgb(${205 + Math.round(50 * a)},${Math.round(230 * b)},${Math.round(55 * a)})`;
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
