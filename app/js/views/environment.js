// The environment of a project: stages as columns in shipyard order, and in each the services
// with what runs there, the latest quality gate, the run in progress, waiting approvals and
// failures. Refreshed every few seconds while a run is active.

import { badge, empty, failure, h, replaceKeeping } from "../dom.js";
import { openApprovals, project as readProject, sequences as readSequences } from "../data.js";
import { ACTIVE_STATES, ago, longTime, score, stateLabel, tone } from "../format.js";
import { link } from "../routes.js";

/** What the runs tell about one service in one stage (newest run first in `states`): the latest
 *  run there, its failure, and the latest quality gate. */
export function stageFacts(states, stage, service) {
  const facts = { latest: null, evaluation: null, failed: null };
  for (const state of states) {
    if (state.service !== service) continue;
    const here = (state.stages || []).find((s) => s.name === stage);
    if (!here) continue;
    if (!facts.latest) {
      facts.latest = { state, stage: here };
      if (here.latestFailedEvent) facts.failed = { state, event: here.latestFailedEvent };
    }
    if (!facts.evaluation && here.latestEvaluation) facts.evaluation = { state, ...here.latestEvaluation };
    if (facts.evaluation) break;
  }
  return facts;
}

/** What runs where, as the service body reports it (docs/deployment-targets.md): what runs
 *  (`deployedImage`, `deployment`), what ran before it and a staged candidate; null when
 *  nothing was deployed there. */
export function deployment(body) {
  if (!body || !body.deployedImage) return null;
  const current = body.deployment || {};
  const named = (d) => d && { name: d.image || `version ${d.version}`, context: d.keptnContext || null, since: d.since || null };
  return {
    image: body.deployedImage,
    version: current.version || "",
    strategy: current.strategy || "",
    target: current.target || "",
    since: current.since || null,
    context: current.keptnContext || null,
    previous: named(body.previousDeployment) || null,
    staged: named(body.stagedDeployment) || null,
  };
}

function runLink(projectName, stage, context, text, title) {
  return context
    ? h("a", { href: link("project", projectName, "sequence", context, "stage", stage), title }, text)
    : h("span", { title }, text);
}

function deployedLine(projectName, stage, deployed) {
  if (!deployed) return h("p", { class: "deployed none" }, "nothing deployed yet");
  const { previous, staged } = deployed;
  return h("div", { class: "deployed" },
    h("p", { class: "current" }, h("span", { class: "image", title: deployed.target || deployed.image }, deployed.image),
      deployed.version && !deployed.image.includes(deployed.version) ? ` (version ${deployed.version})` : "",
      deployed.strategy ? h("span", { class: "quiet strategy" }, ` ${deployed.strategy}`) : null),
    deployed.target ? h("p", { class: "quiet target" }, deployed.target) : null,
    deployed.since
      ? h("p", { class: "since" }, runLink(projectName, stage, deployed.context, `since ${ago(deployed.since)}`, longTime(deployed.since)))
      : null,
    previous ? h("p", { class: "quiet previous" }, "before: ", h("span", { class: "image" }, previous.name)) : null,
    staged
      ? h("p", { class: "staged" }, badge("staged", "active"), " ",
        runLink(projectName, stage, staged.context, staged.name, staged.since ? `staged ${longTime(staged.since)}` : null))
      : null);
}

function card(projectName, stage, service, body, facts, approvals) {
  const deployed = deployedLine(projectName, stage, deployment(body));
  if (facts === null) {
    // The runs are still being read: what the service body says now, the rest in a moment.
    return h("li", { class: "service-card", dataset: { service, stage } },
      h("h3", null, h("a", { href: link("project", projectName, "service", service, "stage", stage) }, service)),
      deployed, h("p", { class: "quiet" }, "reading runs…"));
  }
  const running = facts.latest && ACTIVE_STATES.has(facts.latest.state.state) && facts.latest.stage.state === "triggered"
    ? facts.latest.state : null;
  const waiting = approvals.filter((e) => e.data.stage === stage && e.data.service === service);
  const evaluation = facts.evaluation;
  return h("li", { class: "service-card", dataset: { service, stage } },
    h("h3", null, h("a", { href: link("project", projectName, "service", service, "stage", stage) }, service)),
    deployed,
    evaluation
      ? h("p", { class: "evaluation" },
        h("a", {
          href: link("project", projectName, "service", service, "stage", stage),
          class: `badge score ${tone(evaluation.result)}`,
          "aria-label": `latest evaluation: ${evaluation.result}, score ${score(evaluation.score)}`,
        }, score(evaluation.score)),
        ` ${evaluation.result}`)
      : null,
    running
      ? h("p", { class: "running" },
        h("a", { href: link("project", projectName, "sequence", running.shkeptncontext, "stage", stage) },
          badge(stateLabel(running.state), tone(running.state)), ` ${running.name}`))
      : null,
    waiting.length
      ? h("p", { class: "approval" },
        h("a", { href: link("project", projectName, "approval") },
          badge(`${waiting.length} approval${waiting.length > 1 ? "s" : ""} waiting`, "active")))
      : null,
    facts.failed
      ? h("p", { class: "failure" },
        h("a", { href: link("project", projectName, "sequence", facts.failed.state.shkeptncontext, "stage", stage) },
          badge("failed", "fail"), ` ${facts.failed.event.type.replace(/^sh\.keptn\.event\./, "")}`))
      : null,
  );
}

function grid(body, states, approvals) {
  const stages = body.stages || [];
  if (!stages.some((stage) => (stage.services || []).length)) {
    return empty("This project has no service yet.",
      h("p", null, "Add one with ", h("code", null, `qm create service NAME --project ${body.projectName}`), "."));
  }
  return h("div", {
    class: "environment",
    style: { "--stages": String(stages.length) },
    dataset: { complete: states === null ? "false" : "true" },
    "aria-busy": states === null ? "true" : "false",
  },
    stages.map((stage) => h("section", { class: "stage-column", "aria-labelledby": `stage-${stage.stageName}` },
      h("h2", { id: `stage-${stage.stageName}` }, stage.stageName),
      h("ul", { class: "service-cards" },
        [...(stage.services || [])]
          .sort((a, b) => a.serviceName.localeCompare(b.serviceName))
          .map((service) => card(body.projectName, stage.stageName, service.serviceName, service,
            states === null ? null : stageFacts(states, stage.stageName, service.serviceName),
            approvals))))));
}

export async function render(view, params, _query, { every }) {
  // The project and its approvals answer at once; the runs take longer to read (one query per
  // run): the cards are drawn first and filled in when the runs arrive. The runs are asked for
  // second, so that their many reads do not queue ahead of the project's.
  const [body, approvals] = await Promise.all([readProject(params.project), openApprovals(params.project)]);
  const runs = readSequences(params.project);
  const region = h("div", { class: "live-region" }, grid(body, null, approvals));
  view.append(h("h1", null, `${params.project}: environment`), region);
  runs.then((states) => replaceKeeping(region, grid(body, states, approvals)))
    .catch((error) => replaceKeeping(region, failure(error)));
  every(5000, async () => {
    const [fresh, states, freshApprovals] = await Promise.all([
      readProject(params.project), readSequences(params.project), openApprovals(params.project),
    ]);
    replaceKeeping(region, grid(fresh, states, freshApprovals));
  });
}
