// The services of a project, each with what runs in each stage (and a staged candidate) and its
// latest quality gate there, leading to its evaluations.

import { badge, empty, h } from "../dom.js";
import { project as readProject, sequences as readSequences, servicesOf } from "../data.js";
import { score, tone } from "../format.js";
import { link } from "../routes.js";
import { deployment, stageFacts } from "./environment.js";

/** What runs in one stage: the image, and the candidate staged next to it. */
function runs(body) {
  const deployed = deployment(body);
  if (!deployed) return h("p", { class: "deployed none" }, "nothing deployed");
  return h("p", { class: "deployed" }, h("span", { class: "image", title: deployed.target || null }, deployed.image),
    deployed.staged ? [" ", badge("staged", "active"), " ", h("span", { class: "image staged" }, deployed.staged.name)] : null);
}

export async function render(view, params) {
  const [body, states] = await Promise.all([readProject(params.project), readSequences(params.project)]);
  const services = servicesOf(body);
  const stages = (body.stages || []).map((stage) => stage.stageName);
  const bodies = new Map((body.stages || []).flatMap((stage) =>
    (stage.services || []).map((service) => [`${stage.stageName}/${service.serviceName}`, service])));
  view.append(h("h1", null, `${params.project}: services`));
  if (!services.length) {
    view.append(empty("This project has no service yet."));
    return;
  }
  view.append(h("div", { class: "table-scroll" }, h("table", { class: "services" },
    h("caption", { class: "visually-hidden" }, "Services: what runs in each stage and its latest evaluation"),
    h("thead", null, h("tr", null, h("th", { scope: "col" }, "Service"),
      stages.map((stage) => h("th", { scope: "col" }, stage)))),
    h("tbody", null, services.map((service) => h("tr", null,
      h("th", { scope: "row" }, h("a", { href: link("project", params.project, "service", service) }, service)),
      stages.map((stage) => {
        const { evaluation } = stageFacts(states, stage, service);
        return h("td", { dataset: { stage } }, runs(bodies.get(`${stage}/${service}`)), evaluation
          ? h("a", {
            href: link("project", params.project, "service", service, "stage", stage),
            class: `badge score ${tone(evaluation.result)}`,
            "aria-label": `${service} in ${stage}: ${evaluation.result}, score ${score(evaluation.score)}`,
          }, score(evaluation.score))
          : h("a", { href: link("project", params.project, "service", service, "stage", stage), class: "quiet" }, "no evaluation"));
      })))))));
}
