// Times, durations, numbers and result colours, the same everywhere in the Bridge.

const pad = (n) => String(n).padStart(2, "0");

/** "2026-05-01 12:03" in the browser's time zone (the full UTC time is in the title). */
export function shortTime(iso) {
  if (!iso) return "";
  const t = new Date(iso);
  if (Number.isNaN(t.getTime())) return iso;
  return `${t.getFullYear()}-${pad(t.getMonth() + 1)}-${pad(t.getDate())} ${pad(t.getHours())}:${pad(t.getMinutes())}`;
}

export function longTime(iso) {
  if (!iso) return "";
  const t = new Date(iso);
  return Number.isNaN(t.getTime()) ? iso : `${shortTime(iso)}:${pad(t.getSeconds())}`;
}

export function ago(iso, now = Date.now()) {
  const seconds = Math.round((now - new Date(iso).getTime()) / 1000);
  if (!Number.isFinite(seconds)) return "";
  if (seconds < 60) return "just now";
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `${hours} h ago`;
  return `${Math.round(hours / 24)} days ago`;
}

export function duration(ms) {
  if (!Number.isFinite(ms) || ms < 0) return "";
  if (ms < 10000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

export function number(value) {
  if (value === null || value === undefined || value === "") return "";
  const n = Number(value);
  if (!Number.isFinite(n)) return String(value);
  if (Number.isInteger(n)) return String(n);
  return String(Number(n.toPrecision(6)));
}

export function score(value) {
  const n = Number(value);
  return Number.isFinite(n) ? n.toFixed(2) : "";
}

/** The colour class of a result or status: pass, warning, fail, info, or neutral. */
export function tone(result) {
  switch (result) {
    case "pass": case "succeeded": case "finished": return "pass";
    case "warning": return "warning";
    case "fail": case "failed": case "errored": case "timedOut": case "aborted": return "fail";
    case "info": return "info";
    case "started": case "triggered": case "running": case "waitingForApproval": case "waiting":
    case "paused": return "active";
    default: return "neutral";
  }
}

/** The colour class of a run's state: a finished run is coloured by how it ended (red when a
 * stage failed), not green for having finished. */
export function runTone(state) {
  if (state.state === "finished" && (state.stages || []).some((stage) => stage.latestFailedEvent)) {
    return "fail";
  }
  return tone(state.state);
}

export const ACTIVE_STATES = new Set(["triggered", "waiting", "started", "waitingForApproval", "paused"]);

export function stateLabel(state) {
  return {
    triggered: "triggered", waiting: "queued", started: "running",
    waitingForApproval: "waiting for approval", paused: "paused", finished: "finished",
    timedOut: "timed out", aborted: "aborted", succeeded: "succeeded", errored: "errored",
  }[state] || state || "unknown";
}

/** `buildId` when the evaluation carries one, else its time. */
export function evaluationLabel(evaluation) {
  const build = evaluation.labels && evaluation.labels.buildId;
  return build ? String(build) : shortTime(evaluation.time);
}

export function decodeBase64(text) {
  try {
    const bytes = Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
    return new TextDecoder().decode(bytes);
  } catch {
    return "";
  }
}
