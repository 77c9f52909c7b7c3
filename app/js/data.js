// What several views read from the API, and what they derive from it.

import { allPages, api, enc } from "./api.js";

export const APPROVAL_TRIGGERED = "sh.keptn.event.approval.triggered";

export function project(name) {
  return api(`/v1/project/${enc(name)}`);
}

export async function sequences(name, query = {}) {
  const answer = await api(`/v1/sequence/${enc(name)}`, { query: { pageSize: 50, ...query } });
  return answer.states || [];
}

export async function openApprovals(name) {
  const answer = await api(`/v1/event/triggered/${APPROVAL_TRIGGERED}`, { query: { project: name } });
  return answer.events || [];
}

/** Stored events, newest first (the API's order). */
export function events(query, limit = 200) {
  return allPages("/v1/event", { pageSize: 100, ...query }, "events", limit);
}

export function evaluations(projectName, stage, service, limit = 50) {
  return api(
    `/v1/project/${enc(projectName)}/stage/${enc(stage)}/service/${enc(service)}/evaluation`,
    { query: { limit } },
  ).then((answer) => answer.evaluations || []);
}

/** Every service of a project, in the order the project lists them. */
export function servicesOf(projectBody) {
  const names = new Map();
  for (const stage of projectBody.stages || []) {
    for (const service of stage.services || []) {
      if (!names.has(service.serviceName)) names.set(service.serviceName, service);
    }
  }
  return [...names.keys()].sort();
}

/** The sequence names the shipyard declares (parsed lazily: only the sequences view needs it). */
export async function sequenceNames(projectBody) {
  const { load } = await import("../vendor/js-yaml/js-yaml.esm.min.mjs");
  const names = new Set();
  try {
    const shipyard = load(projectBody.shipyard || "") || {};
    for (const stage of (shipyard.spec && shipyard.spec.stages) || []) {
      for (const sequence of stage.sequences || []) names.add(sequence.name);
    }
  } catch {
    // an unreadable shipyard only costs the filter its choices
  }
  names.add("evaluation");
  return [...names].filter(Boolean).sort();
}

/** Task and sequence events: `sh.keptn.event.<task>.<phase>` or `...<stage>.<sequence>.<phase>`. */
export function parseType(type) {
  const parts = (type || "").replace(/^sh\.keptn\.event\./, "").split(".");
  const phase = parts[parts.length - 1];
  if (parts.length >= 3) return { kind: "sequence", stage: parts[0], name: parts.slice(1, -1).join("."), phase };
  return { kind: "task", name: parts[0], phase };
}
