// All projects, each with its stages in shipyard order and its services.

import { api } from "../api.js";
import { empty, h } from "../dom.js";
import { servicesOf } from "../data.js";
import { link } from "../routes.js";

export async function render(view) {
  const answer = await api("/v1/project");
  const projects = answer.projects || [];
  view.append(h("h1", null, "Projects"));
  if (!projects.length) {
    view.append(empty("No project yet.",
      h("p", null, "Create one with ", h("code", null, "qm create project NAME --shipyard shipyard.yaml"), ".")));
    return;
  }
  view.append(h("ul", { class: "cards projects" }, projects.map((project) => {
    const services = servicesOf(project);
    return h("li", { class: "card" },
      h("h2", null, h("a", { href: link("project", project.projectName) }, project.projectName)),
      h("p", { class: "stages", "aria-label": "stages" },
        (project.stages || []).map((stage, index) => [
          index ? h("span", { class: "arrow", "aria-hidden": "true" }, "→") : null,
          h("span", { class: "chip" }, stage.stageName),
        ])),
      h("p", { class: "meta" }, `${services.length} service${services.length === 1 ? "" : "s"}`,
        project.gitCommitID ? ` · configuration ${project.gitCommitID}` : ""),
      h("p", { class: "links" },
        h("a", { href: link("project", project.projectName, "sequence") }, "Sequences"), " · ",
        h("a", { href: link("project", project.projectName, "approval") }, "Approvals")),
    );
  })));
}
