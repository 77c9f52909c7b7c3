// The heatmap: one column per evaluation (oldest on the left), a row for the total score and
// one per SLI; each cell coloured by its result and a button that opens the breakdown.
// A table rather than a canvas: screen readers read it, the keyboard reaches every cell.

import { h } from "../dom.js";
import { longTime, score } from "../format.js";
import { indicatorOf, label, resultOf, scoreOf, slis, valueText } from "./model.js";

const FIRST_ROWS = 10; // SLI rows shown before "show all", as Keptn's Bridge does

function cell(evaluation, kind, text, description, onSelect, selected) {
  const classes = ["cell", kind || "empty"];
  if (evaluation.invalidated) classes.push("invalidated");
  if (selected) classes.push("selected");
  return h("td", { class: classes.join(" "), dataset: { evaluation: evaluation.id, result: kind || "" } },
    text === "" ? "" : h("button", {
      type: "button",
      "aria-label": description,
      "aria-pressed": selected ? "true" : "false",
      dataset: { key: `cell-${evaluation.id}-${description}` },
      onclick: () => onSelect(evaluation),
    }, text));
}

function columnHeader(evaluation) {
  const build = (evaluation.labels || {}).buildId;
  const text = label(evaluation);
  const isUrl = typeof build === "string" && /^https?:\/\//.test(build);
  return h("th", {
    scope: "col",
    class: evaluation.invalidated ? "invalidated" : null,
    title: `${longTime(evaluation.time)}${evaluation.invalidated ? " (ignored for comparison)" : ""}`,
  }, isUrl ? h("a", { href: build, rel: "noreferrer noopener", target: "_blank" }, text) : text,
  evaluation.invalidated ? h("span", { class: "visually-hidden" }, " (ignored for comparison)") : null);
}

export function heatmap(evaluations, { selectedId, onSelect, showAll, onShowAll }) {
  const names = slis(evaluations);
  const shown = showAll ? names : names.slice(0, FIRST_ROWS);
  const table = h("table", { class: "heatmap" },
    h("caption", { class: "visually-hidden" },
      "Evaluations, oldest first: the total score and each SLI; a cell opens its breakdown"),
    h("thead", null, h("tr", null, h("th", { scope: "col" }, "SLI"), evaluations.map(columnHeader))),
    h("tbody", null,
      h("tr", { class: "score-row" }, h("th", { scope: "row" }, "Score"),
        evaluations.map((evaluation) => {
          const result = resultOf(evaluation);
          const value = scoreOf(evaluation);
          return cell(evaluation, result, value === null ? "" : score(value),
            `${label(evaluation)}: score ${score(value)}, ${result}${evaluation.invalidated ? ", ignored for comparison" : ""}`,
            onSelect, evaluation.id === selectedId);
        })),
      shown.map((sli) => h("tr", { dataset: { sli: sli.name } }, h("th", { scope: "row", title: sli.name }, sli.label),
        evaluations.map((evaluation) => {
          const indicator = indicatorOf(evaluation, sli.name);
          if (!indicator) return h("td", { class: "cell empty" }, "");
          const text = valueText(indicator);
          return cell(evaluation, indicator.status, text,
            `${label(evaluation)}: ${sli.label} ${text}, ${indicator.status}`,
            onSelect, evaluation.id === selectedId);
        })))));
  const more = names.length > shown.length
    ? h("button", { type: "button", class: "link", onclick: onShowAll }, `Show all ${names.length} SLIs`)
    : null;
  return h("div", { class: "heatmap-wrap" }, h("div", { class: "table-scroll", tabindex: "0", role: "region", "aria-label": "Heatmap" }, table), more);
}
