// Two evaluations side by side: two builds of one stage, or the same service in two stages.

import { badge, h } from "../dom.js";
import { number, score, tone } from "../format.js";
import { indicatorOf, label, resultOf, scoreOf, slis, valueOf, valueText } from "./model.js";

function change(a, b) {
  if (a === null || b === null || a === undefined || b === undefined) return "";
  const delta = Number(b) - Number(a);
  if (!Number.isFinite(delta)) return "";
  const sign = delta > 0 ? "+" : "";
  const relative = Number(a) !== 0 ? ` (${sign}${((delta / Math.abs(Number(a))) * 100).toFixed(1)}%)` : "";
  return `${sign}${number(delta)}${relative}`;
}

/** `choices`: [{key, stage, evaluation}], from every stage loaded. */
export function comparison(choices, { left, right, onChange }) {
  const option = (choice, chosen) => h("option", { value: choice.key, selected: choice.key === chosen },
    `${choice.stage} · ${label(choice.evaluation)}${choice.evaluation.invalidated ? " (ignored)" : ""}`);
  const picker = (id, text, chosen, side) => h("label", { for: id }, text,
    h("select", { id, onchange: (event) => onChange(side, event.target.value) },
      h("option", { value: "" }, "choose an evaluation"), choices.map((choice) => option(choice, chosen))));
  const a = choices.find((choice) => choice.key === left);
  const b = choices.find((choice) => choice.key === right);
  const pickers = h("div", { class: "pickers" },
    picker("compare-left", "Compare ", left, "left"), picker("compare-right", " with ", right, "right"));
  if (!a || !b) {
    return h("section", { class: "compare", "aria-labelledby": "compare-title" },
      h("h2", { id: "compare-title" }, "Compare"), pickers,
      h("p", { class: "quiet" }, "Choose two evaluations: two builds, or this service in two stages."));
  }
  const names = slis([a.evaluation, b.evaluation]);
  const heading = (choice) => `${choice.stage} · ${label(choice.evaluation)}`;
  const side = (indicator) => indicator
    ? h("td", { class: `cell ${indicator.status}` }, valueText(indicator), h("span", { class: "visually-hidden" }, ` ${indicator.status}`))
    : h("td", { class: "cell empty" }, "");
  return h("section", { class: "compare", "aria-labelledby": "compare-title" },
    h("h2", { id: "compare-title" }, "Compare"), pickers,
    h("div", { class: "table-scroll" }, h("table", { class: "comparison" },
      h("caption", { class: "visually-hidden" }, `${heading(a)} compared with ${heading(b)}`),
      h("thead", null, h("tr", null, h("th", { scope: "col" }, "SLI"),
        h("th", { scope: "col" }, heading(a)), h("th", { scope: "col" }, heading(b)), h("th", { scope: "col" }, "Change"))),
      h("tbody", null,
        h("tr", null, h("th", { scope: "row" }, "Score"),
          h("td", { class: `cell ${resultOf(a.evaluation)}` }, score(scoreOf(a.evaluation)), " ", badge(resultOf(a.evaluation), tone(resultOf(a.evaluation)))),
          h("td", { class: `cell ${resultOf(b.evaluation)}` }, score(scoreOf(b.evaluation)), " ", badge(resultOf(b.evaluation), tone(resultOf(b.evaluation)))),
          h("td", { class: "num" }, change(scoreOf(a.evaluation), scoreOf(b.evaluation)))),
        names.map((sli) => {
          const x = indicatorOf(a.evaluation, sli.name);
          const y = indicatorOf(b.evaluation, sli.name);
          return h("tr", { dataset: { sli: sli.name } }, h("th", { scope: "row" }, sli.label), side(x), side(y),
            h("td", { class: "num" }, change(valueOf(x), valueOf(y))));
        })))));
}
