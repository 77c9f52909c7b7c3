// One evaluation in detail: each SLI's value, compared value, criteria with their targets,
// weight, key SLI, status and score; the score thresholds; the SLO and the payload on demand;
// "ignore for comparison".

import { badge, h } from "../dom.js";
import { longTime, number, score, tone } from "../format.js";
import { indicators, label, resultOf, sliLabel, sliName, sloFacts, sloText, valueText } from "./model.js";

function targets(list) {
  if (!list || !list.length) return "";
  return h("ul", { class: "targets" }, list.map((target) => h("li", { class: target.violated ? "violated" : "met" },
    h("code", null, target.criteria),
    target.targetValue !== undefined && target.targetValue !== null ? ` (target ${number(target.targetValue)})` : "",
    target.violated ? h("span", { class: "visually-hidden" }, " violated") : null)));
}

function percent(value) {
  if (value === null || value === undefined) return "";
  return String(value).endsWith("%") ? String(value) : `${value}%`;
}

export async function breakdown(evaluation, { onInvalidate, onClose }) {
  const facts = await sloFacts(evaluation);
  const result = resultOf(evaluation);
  const details = evaluation.evaluation || {};
  const thresholds = facts.pass !== null
    ? `${facts.warning !== null ? `warning ${percent(facts.warning)} ≤ ` : ""}score; pass ≥ ${percent(facts.pass)}`
    : "";
  const slo = sloText(evaluation);
  const rows = indicators(evaluation).map((indicator) => {
    const name = sliName(indicator);
    const weight = facts.weights[name];
    return h("tr", { class: tone(indicator.status), dataset: { sli: name } },
      h("th", { scope: "row" }, sliLabel(indicator), name !== sliLabel(indicator) ? h("div", { class: "quiet" }, name) : null),
      h("td", { class: "num" }, valueText(indicator),
        indicator.value && indicator.value.message ? h("div", { class: "quiet" }, indicator.value.message) : null),
      h("td", { class: "num" }, indicator.value && indicator.value.comparedValue !== undefined ? number(indicator.value.comparedValue) : ""),
      h("td", null, targets(indicator.passTargets)),
      h("td", null, targets(indicator.warningTargets)),
      h("td", { class: "num" }, weight === undefined ? "" : String(weight)),
      h("td", null, indicator.keySli || facts.keys[name] ? "yes" : "no"),
      h("td", null, badge(indicator.status || "", tone(indicator.status))),
      h("td", { class: "num" }, number(indicator.score)));
  });
  return h("section", { class: "breakdown", "aria-labelledby": "breakdown-title", id: "breakdown" },
    h("div", { class: "section-head" },
      h("h2", { id: "breakdown-title", tabindex: "-1", "data-focus": "" }, `Evaluation ${label(evaluation)}`),
      h("button", { type: "button", class: "link", onclick: onClose }, "Close")),
    h("p", { class: "summary" },
      badge(result, tone(result)), " score ", h("strong", null, score(details.score)),
      thresholds ? h("span", { class: "quiet" }, ` (${thresholds})`) : null,
      " · ", longTime(evaluation.time),
      evaluation.invalidated ? [" · ", badge("ignored for comparison", "neutral")] : null),
    details.message || evaluation.message ? h("p", { class: "message" }, evaluation.message || details.message) : null,
    rows.length
      ? h("div", { class: "table-scroll" }, h("table", { class: "slis" },
        h("caption", { class: "visually-hidden" }, "SLI breakdown"),
        h("thead", null, h("tr", null, ["SLI", "Value", "Compared value", "Pass criteria", "Warning criteria",
          "Weight", "Key SLI", "Status", "Score"].map((title) => h("th", { scope: "col" }, title)))),
        h("tbody", null, rows)))
      : h("p", { class: "state empty" }, "This evaluation has no SLI results."),
    h("div", { class: "actions" },
      evaluation.invalidated ? null : h("button", { type: "button", onclick: () => onInvalidate(evaluation) }, "Ignore for comparison")),
    slo ? h("details", { dataset: { key: `slo-${evaluation.id}` } }, h("summary", null, "Show SLO"), h("pre", { class: "code", tabindex: "0" }, slo)) : null,
    h("details", { dataset: { key: `payload-${evaluation.id}` } }, h("summary", null, "Show payload"),
      h("pre", { class: "code", tabindex: "0" }, JSON.stringify(evaluation, null, 2))));
}
