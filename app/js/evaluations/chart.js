// The score and each SLI over the builds, drawn by Apache ECharts (loaded on this view only),
// and the downloads: the chart as PNG or SVG, the data as CSV.

import { download, h } from "../dom.js";
import { csv, indicatorOf, label, scoreOf, slis, valueOf } from "./model.js";

let loading = null;

/** ECharts is a classic script (window.echarts): added once, the first time a chart is drawn. */
export function loadECharts() {
  if (window.echarts) return Promise.resolve(window.echarts);
  if (!loading) {
    loading = new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = new URL("../../vendor/echarts/echarts.common.min.js", import.meta.url).href;
      script.onload = () => resolve(window.echarts);
      script.onerror = () => reject(new Error("the chart library could not be loaded"));
      document.head.append(script);
    });
  }
  return loading;
}

function option(evaluations, title) {
  const names = slis(evaluations);
  const categories = evaluations.map(label);
  return {
    animation: false,
    aria: { enabled: true },
    title: { text: title, left: 0, textStyle: { fontSize: 14 } },
    tooltip: { trigger: "axis" },
    legend: { type: "scroll", top: 24 },
    grid: { left: 48, right: 56, top: 64, bottom: 40 },
    xAxis: { type: "category", data: categories },
    yAxis: [
      { type: "value", name: "score", min: 0, max: 100 },
      { type: "value", name: "SLI value", splitLine: { show: false } },
    ],
    series: [
      {
        name: "Score",
        type: "bar",
        yAxisIndex: 0,
        data: evaluations.map((evaluation) => ({
          value: scoreOf(evaluation),
          itemStyle: { color: evaluation.invalidated ? "#b9b9b9" : "#6f9fd8" },
        })),
      },
      ...names.map((sli) => ({
        name: sli.label,
        type: "line",
        yAxisIndex: 1,
        connectNulls: false,
        data: evaluations.map((evaluation) => valueOf(indicatorOf(evaluation, sli.name))),
      })),
    ],
  };
}

export async function chart(evaluations, { title, filename }) {
  const echarts = await loadECharts();
  const canvas = h("div", { class: "chart", role: "img", "aria-label": `${title}: score and SLI values per evaluation` });
  const settings = option(evaluations, title);
  // Drawn once the element is on the page and has a size (the view is assembled off-screen).
  let instance = null;
  const drawn = new Promise((resolve) => {
    new ResizeObserver(() => {
      if (!canvas.isConnected || !canvas.clientWidth) return;
      if (instance) {
        instance.resize();
        return;
      }
      instance = echarts.init(canvas, null, { renderer: "canvas" });
      instance.setOption(settings);
      canvas.dataset.drawn = "true";
      resolve(instance);
    }).observe(canvas);
  });

  const svg = () => {
    const width = canvas.clientWidth || 960;
    const height = canvas.clientHeight || 360;
    const offscreen = echarts.init(null, null, { renderer: "svg", ssr: true, width, height });
    offscreen.setOption(settings);
    const text = offscreen.renderToSVGString();
    offscreen.dispose();
    return text;
  };
  const buttons = h("div", { class: "actions downloads" },
    h("button", {
      type: "button",
      onclick: async () => download(`${filename}.png`,
        (await drawn).getDataURL({ type: "png", pixelRatio: 2, backgroundColor: "#ffffff" })),
    }, "Download PNG"),
    h("button", { type: "button", onclick: () => download(`${filename}.svg`, svg(), "image/svg+xml") }, "Download SVG"),
    h("button", { type: "button", onclick: () => download(`${filename}.csv`, csv(evaluations), "text/csv") }, "Download CSV"));
  return h("section", { class: "chart-section", "aria-label": "Chart" }, canvas, buttons);
}
