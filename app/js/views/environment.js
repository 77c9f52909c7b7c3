// The environment of a project: stages as columns in shipyard order, and in each the services
// with what runs there, the latest quality gate, the run in progress, waiting approvals and
// failures. Refreshed every few seconds while a run is active.

import { badge, empty, failure, h, replaceKeeping } from "../dom.js";
import { openApprovals, project as readProject, sequences as readSequences } from "../data.js";
import { ACTIVE_STATES, ago, longTime, score, stateLabel, tone } from "../format.js";
import { link } from "../routes.js";

/** What the runs tell about one service in one stage (newest run first in `states`). */
export function stageFacts(states, stage, service) {
  const facts = { latest: null, evaluation: null, deployed: null, failed: null };
  for (const state of states) {
    if (state.service !== service) continue;
    const here = (state.stages || []).find((s) => s.name === stage);
    if (!here) continue;
    if (!facts.latest) {
      facts.latest = { state, stage: here };
      if (here.latestFailedEvent) facts.failed = { state, event: here.latestFailedEvent };
    }
    if (!facts.evaluation && here.latestEvaluation) facts.evaluation = { state, ...here.latestEvaluation };
    // Deployed: the newest run that brought an image here and ended in this stage without failing.
    if (!facts.deployed && here.image && here.state !== "triggered" && !here.latestFailedEvent) {
      facts.deployed = {
        image: here.image, since: (here.latestEvent || {}).time || state.time, context: state.shkeptncontext,
      };
    }
  }
  return facts;
}

/** What runs where as the service body reports it (`deployedImage`, `deployment`,
 *  `previousDeployment`, `stagedDeployment`), else what the runs tell. */
export function deployment(body, facts) {
  if (body && body.deployedImage) {
    const current = body.deployment || {};
    const name = (d) => d && (d.image || (d.version ? `version ${d.version}` : ""));
    return {
      image: body.deployedImage,
      version: current.version || "",
      strategy: current.strategy || "",
      target: current.target || "",
      since: current.since || null,
      context: current.keptnContext || null,
      previous: name(body.previousDeployment) || null,
      staged: name(body.stagedDeployment) || null,
    };
  }
  return facts.deployed;
}

function deployedLine(projectName, stage, deployed) {
  return h("div", { class: "deployed" },
    h("p", null, h("span", { class: "image", title: deployed.target || deployed.image }, deployed.image),
      deployed.version && !deployed.image.includes(deployed.version) ? ` (version ${deployed.version})` : "",
      deployed.strategy ? h("span", { class: "quiet" }, ` ${deployed.strategy}`) : null),
    deployed.since
      ? h("p", { class: "since" },
        deployed.context
          ? h("a", { href: link("project", projectName, "sequence", deployed.context, "stage", stage), title: longTime(deployed.since) }, `since ${ago(deployed.since)}`)
          : h("span", { title: longTime(deployed.since) }, `since ${ago(deployed.since)}`))
      : null,
    deployed.previous ? h("p", { class: "quiet previous" }, `before: ${deployed.previous}`) : null,
    deployed.staged ? h("p", { class: "staged" }, badge("staged", "active"), ` ${deployed.staged}`) : null);
}

function card(projectName, stage, service, body, facts, approvals) {
  if (facts === null) {
    // The runs are still being read: what the service body says now, the rest in a moment.
    const reported = deployment(body, {});
    return h("li", { class: "service-card", dataset: { service, stage } },
      h("h3", null, h("a", { href: link("project", projectName, "service", service, "stage", stage) }, service)),
      reported ? deployedLine(projectName, stage, reported) : null,
      h("p", { class: "quiet" }, "reading runs…"));
  }
  const deployed = deployment(body, facts);
  const running = facts.latest && ACTIVE_STATES.has(facts.latest.state.state) && facts.latest.stage.state === "triggered"
    ? facts.latest.state : null;
  const waiting = approvals.filter((e) => e.data.stage === stage && e.data.service === service);
  const evaluation = facts.evaluation;
  return h("li", { class: "service-card", dataset: { service, stage } },
    h("h3", null, h("a", { href: link("project", projectName, "service", service, "stage", stage) }, service)),
    deployed ? deployedLine(projectName, stage, deployed) : h("p", { class: "deployed none" }, "nothing deployed yet"),
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
