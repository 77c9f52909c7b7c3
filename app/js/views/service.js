// A service's quality gates, per stage: the heatmap, the chart, one evaluation's breakdown,
// and two evaluations compared (two builds, or two stages).

import { api, enc } from "../api.js";
import { confirmDialog } from "../dialogs.js";
import { announce, empty, failure, h } from "../dom.js";
import { evaluations as readEvaluations, project as readProject } from "../data.js";
import { breakdown } from "../evaluations/breakdown.js";
import { chart } from "../evaluations/chart.js";
import { comparison } from "../evaluations/compare.js";
import { heatmap } from "../evaluations/heatmap.js";
import { link, withQuery } from "../routes.js";

const SOURCE = "quartermaster-bridge";

function stageTabs(projectName, service, stages, chosen) {
  return h("nav", { class: "tabs", "aria-label": "Stages" }, h("ul", null, stages.map((stage) =>
    h("li", null, h("a", {
      href: link("project", projectName, "service", service, "stage", stage),
      "aria-current": stage === chosen ? "page" : null,
    }, stage)))));
}

async function invalidate(params, stage, evaluation) {
  const answer = await confirmDialog({
    title: "Ignore for comparison",
    text: `Later evaluations of ${params.service} in ${stage} will no longer compare with ${evaluation.id}.`,
    okLabel: "Ignore it",
    field: { label: "Why (optional)", placeholder: "e.g. the load test ran against the wrong host" },
  });
  if (!answer.ok) return false;
  await api("/v1/event", {
    method: "POST",
    body: {
      specversion: "1.0",
      source: SOURCE,
      type: "sh.keptn.event.evaluation.invalidated",
      shkeptncontext: evaluation.keptnContext,
      triggeredid: evaluation.id,
      data: {
        project: params.project, stage, service: params.service,
        ...(answer.value ? { message: answer.value } : {}),
      },
    },
  });
  // The event is recorded asynchronously (the bus): wait until the evaluation shows it.
  for (let attempt = 0; attempt < 40; attempt += 1) {
    const fresh = await readEvaluations(params.project, stage, params.service, 100);
    if ((fresh.find((e) => e.id === evaluation.id) || {}).invalidated) break;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  announce("The evaluation is ignored for comparison.");
  return true;
}

export async function render(view, params, query) {
  const body = await readProject(params.project);
  const stages = (body.stages || []).map((stage) => stage.stageName);
  const known = (body.stages || []).some((stage) => (stage.services || []).some((s) => s.serviceName === params.service));
  if (!known) throw new Error(`service '${params.service}' is not in project '${params.project}'`);
  const loaded = await Promise.all(stages.map((stage) =>
    readEvaluations(params.project, stage, params.service, 50).then((list) => [stage, list.slice().reverse()])));
  const byStage = Object.fromEntries(loaded);
  const stage = params.stage && byStage[params.stage] ? params.stage
    : (stages.find((name) => byStage[name].length) || stages[0]);
  const evaluations = byStage[stage] || [];
  const base = link("project", params.project, "service", params.service, "stage", stage);

  view.append(h("h1", null, `${params.service}: evaluations`),
    stageTabs(params.project, params.service, stages, stage));
  if (!evaluations.length) {
    view.append(empty(`No evaluation of ${params.service} in ${stage} yet.`,
      h("p", null, "Trigger one with ", h("code", null,
        `qm trigger evaluation -p ${params.project} -s ${stage} --service ${params.service} --timeframe 5m`), ".")));
    return;
  }
  const selected = evaluations.find((evaluation) => evaluation.id === params.evaluation) || null;
  const select = (evaluation) => {
    location.hash = evaluation.id === params.evaluation ? base : `${base}/evaluation/${enc(evaluation.id)}`;
  };
  view.append(heatmap(evaluations, {
    selectedId: selected && selected.id,
    onSelect: select,
    showAll: query.get("slis") === "all",
    onShowAll: () => { location.hash = withQuery(location.hash.split("?")[0], { slis: "all" }); },
  }));
  if (params.evaluation && !selected) {
    view.append(failure(new Error(`evaluation ${params.evaluation} is not among the newest 50 of ${stage}`)));
  }
  if (selected) {
    view.append(await breakdown(selected, {
      onClose: () => { location.hash = base; },
      onInvalidate: async (evaluation) => {
        if (await invalidate(params, stage, evaluation)) window.dispatchEvent(new Event("bridge:refresh"));
      },
    }));
  }
  view.append(await chart(evaluations, {
    title: `${params.service} in ${stage}`,
    filename: `${params.project}-${params.service}-${stage}-evaluations`,
  }));
  const choices = stages.flatMap((name) => byStage[name].map((evaluation) => ({
    key: `${name}:${evaluation.id}`, stage: name, evaluation,
  })));
  const [left, right] = (query.get("compare") || "").split(",");
  view.append(comparison(choices, {
    left, right,
    onChange: (side, key) => {
      const pair = side === "left" ? [key, right] : [left, key];
      location.hash = withQuery(location.hash.split("?")[0], { compare: pair.map((k) => k || "").join(","), slis: query.get("slis") });
    },
  }));
}
