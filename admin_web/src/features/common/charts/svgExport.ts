/**
 * A chart on screen as a standalone SVG file: the chart's <svg> with each element's computed style
 * written on it (a file has none of the page's style sheets, and the charts are styled by them), on a
 * white background, under the chart's title, range and legend (the charts draw their legend in HTML,
 * outside the <svg>). Pure: it reads nodes through the small interfaces below, so the tests feed it
 * plain objects and the page feeds it the DOM.
 */

/** The part of a DOM node the serialiser reads: an Element (nodeType 1) or a Text node (3). */
export interface SvgNode {
  readonly nodeType: number;
  readonly nodeName: string;
  readonly textContent: string | null;
  readonly attributes?: ArrayLike<{ readonly name: string; readonly value: string }>;
  readonly childNodes: ArrayLike<SvgNode>;
}

/** An element's computed style (`getComputedStyle` in the page). */
export interface StyleReader {
  getPropertyValue(name: string): string;
}

export type StyleOf = (element: SvgNode) => StyleReader;

export interface LegendItem {
  label: string;
  color: string;
}

export interface ChartPicture {
  title: string;
  /** Under the title, e.g. the report's days. */
  subtitle?: string;
  legend: readonly LegendItem[];
  /** The chart's size on screen, CSS pixels. */
  width: number;
  height: number;
}

const ELEMENT = 1;
const TEXT = 3;
const SVG_NS = "http://www.w3.org/2000/svg";

/** Inherited presentation properties: written where they differ from the parent's. */
const INHERITED = [
  "fill",
  "fill-opacity",
  "fill-rule",
  "stroke",
  "stroke-width",
  "stroke-opacity",
  "stroke-dasharray",
  "stroke-linecap",
  "stroke-linejoin",
  "font-family",
  "font-size",
  "font-weight",
  "font-style",
  "letter-spacing",
  "text-anchor",
  "dominant-baseline",
  "visibility",
  "shape-rendering",
] as const;

/** Properties that are not inherited: written where they differ from their initial value. */
const OWN: Readonly<Record<string, string>> = { opacity: "1", "alignment-baseline": "auto" };

/** Attributes that mean nothing (or something unwanted) outside the page. */
const DROPPED_ATTRIBUTE = /^(style|on.*|tabindex|aria-.*|role|focusable)$/i;

/** Elements that draw nothing in a file. */
const DROPPED_ELEMENT = new Set(["script", "foreignobject"]);

export const TITLE_SIZE = 18;
export const TEXT_SIZE = 13;
const PAD = 16;
const LEGEND_MARK = 12;
const LEGEND_GAP = 20;
const LEGEND_ROW = 22;

export function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

/** The declarations an element needs so it looks as it did: what differs from what it would inherit. */
export function ownStyle(style: StyleReader, inherited: ReadonlyMap<string, string> | null): Map<string, string> {
  const declared = new Map<string, string>();
  for (const name of INHERITED) {
    const value = style.getPropertyValue(name).trim();
    if (value !== "" && value !== inherited?.get(name)) declared.set(name, value);
  }
  for (const [name, initial] of Object.entries(OWN)) {
    const value = style.getPropertyValue(name).trim();
    if (value !== "" && value !== initial) declared.set(name, value);
  }
  return declared;
}

function styleText(declared: ReadonlyMap<string, string>): string {
  // Values may hold quotes (font families): the attribute is escaped as a whole.
  return [...declared].map(([name, value]) => `${name}:${value}`).join(";");
}

function isHidden(style: StyleReader): boolean {
  return style.getPropertyValue("display").trim() === "none";
}

/**
 * `node` and what it holds as SVG markup, each element carrying the computed style it does not inherit.
 * `inherited` is what the parent resolved to (null at the root: everything is written there).
 */
export function serializeNode(node: SvgNode, styleOf: StyleOf, inherited: ReadonlyMap<string, string> | null = null): string {
  if (node.nodeType === TEXT) return escapeXml(node.textContent ?? "");
  if (node.nodeType !== ELEMENT) return "";
  const tag = node.nodeName;
  if (DROPPED_ELEMENT.has(tag.toLowerCase())) return "";
  const style = styleOf(node);
  if (isHidden(style)) return "";
  const declared = ownStyle(style, inherited);
  const resolved = new Map(inherited ?? []);
  for (const name of INHERITED) {
    const value = declared.get(name);
    if (value !== undefined) resolved.set(name, value);
  }
  const attributes: string[] = [];
  for (const { name, value } of Array.from(node.attributes ?? [])) {
    if (!DROPPED_ATTRIBUTE.test(name)) attributes.push(`${name}="${escapeXml(value)}"`);
  }
  if (declared.size > 0) attributes.push(`style="${escapeXml(styleText(declared))}"`);
  const children = Array.from(node.childNodes, (child) => serializeNode(child, styleOf, resolved)).join("");
  const open = [tag, ...attributes].join(" ");
  return children === "" ? `<${open}/>` : `<${open}>${children}</${tag}>`;
}

/** A rough text width for laying out the legend: the file is drawn later, by whatever reads it. */
export function textWidth(text: string, size = TEXT_SIZE): number {
  return Math.ceil(text.length * size * 0.6);
}

interface Placed extends LegendItem {
  x: number;
  row: number;
}

/** The legend's items left to right, wrapped to `width`. */
export function layoutLegend(items: readonly LegendItem[], width: number): { placed: Placed[]; rows: number } {
  const placed: Placed[] = [];
  let x = PAD;
  let row = 0;
  for (const item of items) {
    const span = LEGEND_MARK + 6 + textWidth(item.label);
    if (x > PAD && x + span > width - PAD) {
      row += 1;
      x = PAD;
    }
    placed.push({ ...item, x, row });
    x += span + LEGEND_GAP;
  }
  return { placed, rows: items.length === 0 ? 0 : row + 1 };
}

/** How far down the chart starts: the title, the subtitle and the legend's rows above it. */
export function headerHeight(picture: ChartPicture): number {
  const { rows } = layoutLegend(picture.legend, picture.width);
  return PAD + TITLE_SIZE + (picture.subtitle ? TEXT_SIZE + 8 : 0) + (rows > 0 ? 10 + rows * LEGEND_ROW : 0) + 8;
}

/** The whole file's size: the chart's, plus the header. */
export function pictureSize(picture: ChartPicture): { width: number; height: number } {
  return { width: Math.ceil(picture.width), height: Math.ceil(picture.height + headerHeight(picture)) };
}

/**
 * The chart as a standalone SVG document: a white page, the title, subtitle and legend, then the chart
 * itself (its own <svg>, serialised with its computed styles) below them.
 */
export function chartSvg(chart: SvgNode, styleOf: StyleOf, picture: ChartPicture, fontFamily: string): string {
  const { width, height } = pictureSize(picture);
  const top = headerHeight(picture);
  const parts: string[] = [
    `<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${PAD}" y="${PAD + TITLE_SIZE - 4}" font-size="${TITLE_SIZE}" font-weight="600" fill="rgba(0,0,0,0.87)">${escapeXml(picture.title)}</text>`,
  ];
  let y = PAD + TITLE_SIZE;
  if (picture.subtitle) {
    y += TEXT_SIZE + 8;
    parts.push(`<text x="${PAD}" y="${y - 4}" font-size="${TEXT_SIZE}" fill="rgba(0,0,0,0.6)">${escapeXml(picture.subtitle)}</text>`);
  }
  const legend = layoutLegend(picture.legend, picture.width);
  for (const item of legend.placed) {
    const rowTop = y + 10 + item.row * LEGEND_ROW;
    parts.push(
      `<rect class="chart-legend-mark" x="${item.x}" y="${rowTop + 2}" width="${LEGEND_MARK}" height="${LEGEND_MARK}" rx="2" fill="${escapeXml(item.color)}"/>`,
      `<text x="${item.x + LEGEND_MARK + 6}" y="${rowTop + LEGEND_MARK}" font-size="${TEXT_SIZE}" fill="rgba(0,0,0,0.87)">${escapeXml(item.label)}</text>`,
    );
  }
  const body = serializeNode(chart, styleOf)
    // The chart's own <svg> becomes a nested one, placed under the header at its screen size.
    .replace(/^<svg\b[^>]*?(\/?)>/, (open, selfClosing: string) => {
      const kept = open
        .slice(4, open.length - (selfClosing ? 2 : 1))
        .replace(/\s(x|y|width|height|xmlns)="[^"]*"/g, "");
      return `<svg x="0" y="${top}" width="${Math.ceil(picture.width)}" height="${Math.ceil(picture.height)}"${kept}${selfClosing}>`;
    });
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<svg xmlns="${SVG_NS}" xmlns:xlink="http://www.w3.org/1999/xlink" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="${escapeXml(fontFamily)}">`,
    ...parts,
    body,
    `</svg>`,
  ].join("\n");
}

/**
 * A file name from the chart's title and range: "takings-by-period_2026-11-01_2026-11-30.png". Letters
 * of any script stay (a Russian title gives a Russian name); what a file system refuses becomes "-".
 */
export function chartFileName(title: string, range: { from?: string; to?: string } | undefined, extension: "png" | "svg"): string {
  const slug =
    title
      .toLocaleLowerCase()
      .normalize("NFC")
      .replace(/[^\p{L}\p{N}]+/gu, "-")
      .replace(/^-+|-+$/g, "")
      .slice(0, 80) || "chart";
  const days = range?.from && range.to ? (range.from === range.to ? [range.from] : [range.from, range.to]) : [];
  return `${[slug, ...days].join("_")}.${extension}`;
}
