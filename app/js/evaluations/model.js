// Evaluations as the views read them: oldest first, their SLIs in a stable order, their SLO.

import { decodeBase64, evaluationLabel, number } from "../format.js";

export function indicators(evaluation) {
  return ((evaluation.evaluation || {}).indicatorResults) || [];
}

export function sliName(indicator) {
  return (indicator.value && indicator.value.metric) || indicator.displayName || "";
}

export function sliLabel(indicator) {
  return indicator.displayName || sliName(indicator);
}

/** The SLIs of these evaluations in first-seen order: [{name, label}]. */
export function slis(evaluations) {
  const found = new Map();
  for (const evaluation of evaluations) {
    for (const indicator of indicators(evaluation)) {
      const name = sliName(indicator);
      if (name && !found.has(name)) found.set(name, sliLabel(indicator));
    }
  }
  return [...found].map(([name, label]) => ({ name, label }));
}

export function indicatorOf(evaluation, name) {
  return indicators(evaluation).find((indicator) => sliName(indicator) === name) || null;
}

/** The evaluation's overall result: the event's `result` (Keptn's), else `evaluation.result`. */
export function resultOf(evaluation) {
  return evaluation.result || (evaluation.evaluation || {}).result || "";
}

export function scoreOf(evaluation) {
  const value = Number((evaluation.evaluation || {}).score);
  return Number.isFinite(value) ? value : null;
}

export function valueOf(indicator) {
  if (!indicator || !indicator.value) return null;
  return indicator.value.success === false ? null : indicator.value.value;
}

export function valueText(indicator) {
  if (!indicator) return "";
  const value = valueOf(indicator);
  return value === null || value === undefined ? "n/a" : number(value);
}

export function label(evaluation) {
  return evaluationLabel({ labels: evaluation.labels, time: evaluation.time });
}

export function sloText(evaluation) {
  const content = (evaluation.evaluation || {}).sloFileContent;
  return content ? decodeBase64(content) : "";
}

/** Weights, key SLIs and total-score thresholds from the evaluation's own slo.yaml. */
export async function sloFacts(evaluation) {
  const text = sloText(evaluation);
  if (!text) return { weights: {}, keys: {}, pass: null, warning: null };
  const { load } = await import("../../vendor/js-yaml/js-yaml.esm.min.mjs");
  let slo;
  try {
    slo = load(text) || {};
  } catch {
    return { weights: {}, keys: {}, pass: null, warning: null };
  }
  const weights = {};
  const keys = {};
  for (const objective of slo.objectives || []) {
    if (!objective || !objective.sli) continue;
    weights[objective.sli] = Number(objective.weight) || 1;
    keys[objective.sli] = Boolean(objective.key_sli);
  }
  const total = slo.total_score || {};
  return { weights, keys, pass: total.pass ?? null, warning: total.warning ?? null };
}

/** The data behind the heatmap and the chart, as CSV (one row per evaluation). */
export function csv(evaluations) {
  const names = slis(evaluations);
  const quote = (value) => {
    const text = value === null || value === undefined ? "" : String(value);
    return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
  };
  const header = ["evaluationId", "keptnContext", "time", "buildId", "result", "score", "invalidated",
    ...names.flatMap((sli) => [sli.name, `${sli.name}.status`])];
  const rows = evaluations.map((evaluation) => [
    evaluation.id, evaluation.keptnContext, evaluation.time, (evaluation.labels || {}).buildId || "",
    resultOf(evaluation), scoreOf(evaluation), evaluation.invalidated ? "true" : "false",
    ...names.flatMap((sli) => {
      const indicator = indicatorOf(evaluation, sli.name);
      return [indicator ? valueOf(indicator) : "", indicator ? indicator.status : ""];
    }),
  ]);
  return [header, ...rows].map((row) => row.map(quote).join(",")).join("\r\n") + "\r\n";
}
