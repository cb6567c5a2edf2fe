/**
 * The page's side of a chart download: find the chart's <svg> and its legend in the DOM, serialise them
 * with their computed styles (svgExport.ts), and draw the SVG on an offscreen canvas for a PNG.
 */
import { chartSvg, pictureSize, type ChartPicture, type LegendItem } from "./svgExport";

export const PNG_SCALE = 2;

/** The chart's drawing: the largest <svg> in `container` outside the legend (the legend's marks are small svgs). */
function chartSurface(container: HTMLElement): SVGSVGElement | null {
  let best: SVGSVGElement | null = null;
  let bestArea = 0;
  for (const svg of Array.from(container.querySelectorAll("svg"))) {
    if (svg.closest(".MuiChartsLegend-root") || svg.parentElement?.closest("svg")) continue;
    const box = svg.getBoundingClientRect();
    if (box.width * box.height > bestArea) {
      best = svg;
      bestArea = box.width * box.height;
    }
  }
  return best;
}

/** The legend's items as shown: each mark's colour and its label. */
function legendItems(container: HTMLElement): LegendItem[] {
  return Array.from(container.querySelectorAll(".MuiChartsLegend-series")).flatMap((series) => {
    const label = series.querySelector(".MuiChartsLegend-label")?.textContent.trim() ?? "";
    const shape = series.querySelector(".MuiChartsLegend-mark rect, .MuiChartsLegend-mark circle, .MuiChartsLegend-mark path");
    if (!label || !shape) return [];
    // A square or circle mark is filled with the series' colour, a line's mark is stroked with it (and
    // inherits a fill it does not show).
    const style = getComputedStyle(shape);
    return [{ label, color: shape.hasAttribute("fill") ? style.fill : style.stroke }];
  });
}

export interface Captured {
  svg: string;
  width: number;
  height: number;
}

/** The chart in `container` as an SVG document, or null when there is no chart drawn in it. */
export function captureChart(container: HTMLElement, text: { title: string; subtitle?: string }): Captured | null {
  const surface = chartSurface(container);
  if (surface === null) return null;
  const box = surface.getBoundingClientRect();
  const picture: ChartPicture = { ...text, legend: legendItems(container), width: box.width, height: box.height };
  const svg = chartSvg(surface, (element) => getComputedStyle(element as Element), picture, getComputedStyle(container).fontFamily);
  return { svg, ...pictureSize(picture) };
}

/** The SVG drawn at `PNG_SCALE` times its size on an offscreen canvas, as a PNG. */
export async function rasterize({ svg, width, height }: Captured): Promise<Blob> {
  const image = new Image();
  // A data: URL: the console's CSP admits data: images, and the canvas stays readable (not tainted).
  image.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`;
  await image.decode();
  const canvas = document.createElement("canvas");
  canvas.width = Math.round(width * PNG_SCALE);
  canvas.height = Math.round(height * PNG_SCALE);
  const context = canvas.getContext("2d");
  if (context === null) throw new Error("no 2D canvas in this browser");
  context.scale(PNG_SCALE, PNG_SCALE);
  context.drawImage(image, 0, 0, width, height);
  return new Promise((resolve, reject) => {
    canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error("the canvas gave no PNG"))), "image/png");
  });
}
