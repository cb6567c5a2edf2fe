import { describe, expect, it } from "vitest";

import { chartFileName, chartSvg, headerHeight, layoutLegend, pictureSize, serializeNode, type StyleOf, type SvgNode } from "./svgExport";

/** A node as the DOM would give it, with the computed style the page resolved for it. */
interface FakeNode extends SvgNode {
  computed: Record<string, string>;
}

function element(name: string, attributes: Record<string, string>, computed: Record<string, string>, children: SvgNode[] = []): FakeNode {
  return {
    nodeType: 1,
    nodeName: name,
    textContent: null,
    attributes: Object.entries(attributes).map(([key, value]) => ({ name: key, value })),
    childNodes: children,
    computed,
  };
}

function text(value: string): SvgNode {
  return { nodeType: 3, nodeName: "#text", textContent: value, childNodes: [] };
}

const styleOf: StyleOf = (node) => ({ getPropertyValue: (name) => (node as FakeNode).computed[name] ?? "" });

// What Chromium resolves for the charts' text and bars (a subset: the rest reads as "").
const BASE = { fill: "rgb(0, 0, 0)", stroke: "none", "font-family": '"DejaVu Sans", Arial, sans-serif', "font-size": "12px", opacity: "1" };
const BAR = { ...BASE, fill: "rgb(30, 136, 229)" };

function chart(): FakeNode {
  return element("svg", { class: "MuiChartsSurface-root", viewBox: "0 0 600 280", width: "600", height: "280", style: "touch-action: pan-y" }, BASE, [
    element("g", { class: "MuiBarPlot-root", "clip-path": "url(#clip)" }, BASE, [
      element("rect", { class: "MuiBarElement-root", x: "10", y: "20", width: "30", height: "200" }, BAR),
      element("rect", { class: "MuiBarElement-root", x: "50", y: "120", width: "30", height: "100", tabindex: "0" }, { ...BAR, opacity: "0.5" }),
    ]),
    element("g", { class: "MuiChartsAxis-tickLabel", transform: "translate(25, 250)" }, { ...BASE, fill: "rgba(0, 0, 0, 0.6)", "text-anchor": "middle" }, [
      element("text", {}, { ...BASE, fill: "rgba(0, 0, 0, 0.6)", "text-anchor": "middle" }, [text("Tea & <snacks>")]),
    ]),
    element("g", { class: "MuiChartsAxisHighlight-root" }, { ...BASE, display: "none" }, [element("line", {}, BASE)]),
    element("foreignObject", {}, BASE, [text("html")]),
  ]);
}

/** Every opened tag is closed in order: the markup is well formed (the e2e test parses it in a browser). */
function balanced(markup: string): boolean {
  const stack: string[] = [];
  for (const [tag, close, name, selfClosing] of markup.replace(/<\?xml[^>]*\?>/, "").matchAll(/<(\/?)([A-Za-z][\w:-]*)[^>]*?(\/?)>/g)) {
    if (selfClosing) continue;
    if (close) {
      if (stack.pop() !== name) return false;
    } else stack.push(name ?? tag);
  }
  return stack.length === 0;
}

describe("serializeNode", () => {
  const markup = serializeNode(chart(), styleOf);

  it("writes the root's computed style whole, and on each element only what differs from its parent", () => {
    expect(markup).toMatch(/^<svg [^>]*style="fill:rgb\(0, 0, 0\);stroke:none;font-family:&#34;DejaVu Sans&#34;, Arial, sans-serif;font-size:12px"/);
    expect(markup).toContain('<rect class="MuiBarElement-root" x="10" y="20" width="30" height="200" style="fill:rgb(30, 136, 229)"/>');
    // The <g> around the bars inherits everything: no style of its own.
    expect(markup).toContain('<g class="MuiBarPlot-root" clip-path="url(#clip)">');
    // The text inherits its colour and anchor from its <g>.
    expect(markup).toContain('<g class="MuiChartsAxis-tickLabel" transform="translate(25, 250)" style="fill:rgba(0, 0, 0, 0.6);text-anchor:middle"><text>');
  });

  it("keeps a property that is not inherited only where it is not its initial value", () => {
    expect(markup).toContain('height="100" style="fill:rgb(30, 136, 229);opacity:0.5"/>');
    expect(markup.match(/opacity:1\b/g)).toBeNull();
  });

  it("drops the page's own attributes, hidden elements and HTML islands, and escapes text", () => {
    expect(markup).not.toContain("touch-action");
    expect(markup).not.toContain("tabindex");
    expect(markup).not.toContain("MuiChartsAxisHighlight");
    expect(markup).not.toContain("foreignObject");
    expect(markup).toContain("Tea &#38; &#60;snacks&#62;");
    expect(balanced(markup)).toBe(true);
  });
});

describe("chartSvg", () => {
  const picture = {
    title: 'Takings "this" week',
    subtitle: "2026-11-24 – 2026-11-30",
    legend: [
      { label: "Paid", color: "rgb(30, 136, 229)" },
      { label: "Refunded", color: "rgb(198, 40, 40)" },
    ],
    width: 600,
    height: 280,
  };
  const file = chartSvg(chart(), styleOf, picture, "DejaVu Sans");

  it("is a standalone document on a white page, the chart placed under the header at its screen size", () => {
    const size = pictureSize(picture);
    expect(size).toEqual({ width: 600, height: 280 + headerHeight(picture) });
    expect(file).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(file).toContain(`width="600" height="${size.height}" viewBox="0 0 600 ${size.height}" font-family="DejaVu Sans">`);
    expect(file).toContain(`<rect x="0" y="0" width="600" height="${size.height}" fill="#ffffff"/>`);
    // The chart's own <svg>: placed, sized, its viewBox and class kept, its screen width and height replaced.
    expect(file).toContain(`<svg x="0" y="${headerHeight(picture)}" width="600" height="280" class="MuiChartsSurface-root" viewBox="0 0 600 280" style=`);
    expect(file.match(/<rect class="MuiBarElement-root"/g)).toHaveLength(2);
    expect(balanced(file)).toBe(true);
  });

  it("carries the title, the range and the legend the page draws outside the <svg>", () => {
    expect(file).toContain(">Takings &#34;this&#34; week</text>");
    expect(file).toContain(">2026-11-24 – 2026-11-30</text>");
    expect(file).toMatch(/<rect class="chart-legend-mark" x="16" y="\d+" width="12" height="12" rx="2" fill="rgb\(30, 136, 229\)"\/>\n<text [^>]*>Paid<\/text>/);
    expect(file).toContain('fill="rgb(198, 40, 40)"/>');
  });
});

describe("layoutLegend", () => {
  it("wraps onto another row when the items do not fit the width, and the header grows with it", () => {
    const items = Array.from({ length: 6 }, (_, index) => ({ label: `Series number ${index}`, color: "#000" }));
    const wide = layoutLegend(items, 2000);
    const narrow = layoutLegend(items, 400);
    expect(wide.rows).toBe(1);
    expect(narrow.rows).toBeGreaterThan(1);
    expect(narrow.placed.every((item) => item.x >= 16)).toBe(true);
    expect(headerHeight({ title: "t", legend: items, width: 400, height: 1 })).toBeGreaterThan(headerHeight({ title: "t", legend: items, width: 2000, height: 1 }));
    expect(layoutLegend([], 400).rows).toBe(0);
  });
});

describe("chartFileName", () => {
  it("is the title made safe for a file system, then the range's days", () => {
    expect(chartFileName("Takings by period", { from: "2026-11-01", to: "2026-11-30" }, "png")).toBe("takings-by-period_2026-11-01_2026-11-30.png");
    expect(chartFileName("Takings this week", { from: "2026-11-30", to: "2026-11-30" }, "svg")).toBe("takings-this-week_2026-11-30.svg");
    expect(chartFileName("Выручка по периодам", { from: "2026-11-01", to: "2026-11-30" }, "svg")).toBe("выручка-по-периодам_2026-11-01_2026-11-30.svg");
    expect(chartFileName("CPU / memory: PC-07", undefined, "png")).toBe("cpu-memory-pc-07.png");
    expect(chartFileName("?!", { from: "2026-11-01" }, "png")).toBe("chart.png");
  });
});
