// Deep links: the view, its parameters and its filters, all in the URL's fragment (so the same
// links work behind any static host, and none of them reaches a server log).

/** "#/project/p/sequence/ctx?state=started" -> the view, its parameters and its query. */
export function parseRoute(hash) {
  const [path, search] = hash.replace(/^#\/?/, "").split("?");
  const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  const query = new URLSearchParams(search || "");
  if (parts[0] !== "project" || !parts[1]) return { view: "projects", params: {}, query };
  const project = parts[1];
  const [section, id, sub, subId, leaf, leafId] = parts.slice(2);
  const params = { project };
  if (!section) return { view: "environment", params, query };
  if (section === "service" && !id) return { view: "services", params, query };
  if (section === "service") {
    Object.assign(params, { service: id });
    if (sub === "stage" && subId) params.stage = subId;
    if (leaf === "evaluation" && leafId) params.evaluation = leafId;
    return { view: "service", params, query };
  }
  if (section === "sequence" && !id) return { view: "sequences", params, query };
  if (section === "sequence") {
    Object.assign(params, { context: id });
    if (sub === "stage" && subId) params.stage = subId;
    return { view: "sequence", params, query };
  }
  if (section === "approval") return { view: "approvals", params, query };
  if (section === "integration") return { view: "integrations", params, query };
  return { view: "missing", params, query };
}

/** A deep link into the Bridge: link("project", p, "sequence", ctx). */
export function link(...parts) {
  return "#/" + parts.map((part) => encodeURIComponent(part)).join("/");
}

/** `href` with a query in the fragment, leaving out empty values. */
export function withQuery(href, query) {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value) search.set(name, value);
  const text = search.toString();
  return text ? `${href}?${text}` : href;
}
