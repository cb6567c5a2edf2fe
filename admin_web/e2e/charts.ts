/**
 * A chart's download menu driven as a user would, and its files checked as a reader would: the PNG decodes
 * at twice the chart's size with its series' colour on it; the SVG parses and holds the series' shapes in
 * their colour (filled bars and cells, stroked lines), the title and the legend. Both files are kept with
 * the screenshots. They are read in a blank page of their own, as a viewer would: the console's CSP
 * (rightly) refuses the style attributes of a document parsed inside it.
 */
import { expect, type Locator, type Page } from "@playwright/test";
import { readFile } from "node:fs/promises";
import { join } from "node:path";

import { SHOTS } from "./helpers";

export interface ChartFiles {
  png: { name: string; width: number; height: number; seriesPixels: number; whitePixels: number; pixels: number };
  svg: { name: string; shapes: number; legend: (string | null)[]; texts: string[] };
}

async function download(page: Page, frame: Locator, format: "png" | "svg", keepAs: string) {
  await frame.getByTestId("chart-download").click();
  const [file] = await Promise.all([page.waitForEvent("download"), page.getByTestId(`chart-download-${format}`).click()]);
  await expect(page.locator(".MuiMenu-root")).toHaveCount(0);
  const kept = join(SHOTS, `${keepAs}.${format}`);
  await file.saveAs(kept);
  return { name: file.suggestedFilename(), bytes: await readFile(kept) };
}

/** Download `frame`'s chart as PNG and SVG; `color` is one series' colour as the page computes it ("rgb(r, g, b)"). */
export async function downloadChart(page: Page, frame: Locator, color: string, keepAs: string): Promise<ChartFiles> {
  const [r, g, b] = (color.match(/\d+/g) ?? []).map(Number);
  const png = await download(page, frame, "png", keepAs);
  const svg = await download(page, frame, "svg", keepAs);
  const reader = await page.context().newPage();
  const decoded = await reader.evaluate(
    async ({ base64, rgb: [wantRed, wantGreen, wantBlue] }) => {
      const bytes = Uint8Array.from(atob(base64), (char) => char.charCodeAt(0));
      const bitmap = await createImageBitmap(new Blob([bytes], { type: "image/png" }));
      const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
      const context = canvas.getContext("2d");
      if (!context) throw new Error("no canvas");
      context.drawImage(bitmap, 0, 0);
      const data = context.getImageData(0, 0, bitmap.width, bitmap.height).data;
      let seriesPixels = 0;
      let whitePixels = 0;
      for (let i = 0; i < data.length; i += 4) {
        const [red, green, blue] = [data[i] ?? 0, data[i + 1] ?? 0, data[i + 2] ?? 0];
        if (Math.abs(red - wantRed) < 6 && Math.abs(green - wantGreen) < 6 && Math.abs(blue - wantBlue) < 6) seriesPixels += 1;
        if (red > 250 && green > 250 && blue > 250) whitePixels += 1;
      }
      return { width: bitmap.width, height: bitmap.height, seriesPixels, whitePixels, pixels: data.length / 4 };
    },
    { base64: png.bytes.toString("base64"), rgb: [r ?? 0, g ?? 0, b ?? 0] as const },
  );
  const parsed = await reader.evaluate(
    ({ text, fill }) => {
      const doc = new DOMParser().parseFromString(text, "image/svg+xml");
      if (doc.querySelector("parsererror") || doc.documentElement.nodeName !== "svg") return null;
      // A bar or a cell is filled with the series' colour, a line is stroked with it.
      const painted = (shape: Element) => (shape.getAttribute("style") ?? "").split(";").some((rule) => rule === `fill:${fill}` || rule === `stroke:${fill}`);
      const shapes = Array.from(doc.querySelectorAll("path, rect")).filter(painted);
      const legend = Array.from(doc.querySelectorAll(".chart-legend-mark"), (mark) => mark.getAttribute("fill"));
      return { shapes: shapes.length, legend, texts: Array.from(doc.querySelectorAll("text"), (node) => node.textContent) };
    },
    { text: svg.bytes.toString("utf8"), fill: color },
  );
  await reader.close();
  expect(parsed, "the SVG file parses").not.toBeNull();
  return { png: { name: png.name, ...decoded }, svg: { name: svg.name, shapes: parsed?.shapes ?? 0, legend: parsed?.legend ?? [], texts: parsed?.texts ?? [] } };
}

/** The chart's drawing on screen, CSS pixels. */
export async function chartSize(frame: Locator): Promise<{ width: number; height: number }> {
  const box = await frame.locator("svg.MuiChartsSvgLayer-root").first().boundingBox();
  if (!box) throw new Error("the chart is not drawn");
  return { width: box.width, height: box.height };
}
