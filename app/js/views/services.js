// The services of a project, each with its latest quality gate per stage, leading to its
// evaluations.

import { empty, h } from "../dom.js";
import { project as readProject, sequences as readSequences, servicesOf } from "../data.js";
import { score, tone } from "../format.js";
import { link } from "../routes.js";
import { stageFacts } from "./environment.js";

export async function render(view, params) {
  const [body, states] = await Promise.all([readProject(params.project), readSequences(params.project)]);
  const services = servicesOf(body);
  const stages = (body.stages || []).map((stage) => stage.stageName);
  view.append(h("h1", null, `${params.project}: services`));
  if (!services.length) {
    view.append(empty("This project has no service yet."));
    return;
  }
  view.append(h("div", { class: "table-scroll" }, h("table", { class: "services" },
    h("caption", { class: "visually-hidden" }, "Services and their latest evaluation per stage"),
    h("thead", null, h("tr", null, h("th", { scope: "col" }, "Service"),
      stages.map((stage) => h("th", { scope: "col" }, stage)))),
    h("tbody", null, services.map((service) => h("tr", null,
      h("th", { scope: "row" }, h("a", { href: link("project", params.project, "service", service) }, service)),
      stages.map((stage) => {
        const { evaluation } = stageFacts(states, stage, service);
        return h("td", null, evaluation
          ? h("a", {
            href: link("project", params.project, "service", service, "stage", stage),
            class: `badge score ${tone(evaluation.result)}`,
            "aria-label": `${service} in ${stage}: ${evaluation.result}, score ${score(evaluation.score)}`,
          }, score(evaluation.score))
          : h("a", { href: link("project", params.project, "service", service, "stage", stage), class: "quiet" }, "no evaluation"));
      })))))));
}
