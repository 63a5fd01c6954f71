/**
 * The observer's page: plain HTML, CSS and JavaScript, no build step. It reads one snapshot,
 * then follows `/events` (server-sent events) and redraws: the actor tree, a table per kind of
 * object, and two small plots (mail waiting in mailboxes, pool tasks per second).
 *
 * @module
 */

const STYLE = `
:root { font: 14px/1.4 system-ui, sans-serif; color: #1d2330; background: #f5f6f8; }
body { margin: 0; }
header { display: flex; gap: 1em; align-items: baseline; padding: .6em 1em; background: #1d2330; color: #fff; }
header h1 { font-size: 1.1em; margin: 0; }
#status { font-size: .9em; opacity: .8; }
main { display: grid; grid-template-columns: minmax(320px, 1fr) 2fr; gap: 1em; padding: 1em; }
section { background: #fff; border: 1px solid #dde1e8; border-radius: 6px; padding: .5em .8em; margin-bottom: 1em; }
h2 { font-size: 1em; margin: .2em 0 .4em; }
ul.tree, ul.tree ul { list-style: none; margin: 0; padding-left: 1.1em; }
ul.tree { padding-left: 0; }
.actor { padding: 1px 0; }
.pid { color: #667; font-variant-numeric: tabular-nums; }
.badge { display: inline-block; border-radius: 3px; padding: 0 .35em; font-size: .8em; margin-left: .3em; background: #e8ebf0; }
.running { background: #d4f2dc; } .starting { background: #fff1c2; } .stopping { background: #ffe0c2; }
.exited { background: #e8ebf0; color: #556; } .abnormal { background: #ffd6d6; color: #900; }
.mail { color: #0a58ca; }
table { border-collapse: collapse; width: 100%; font-size: .92em; }
th, td { text-align: left; padding: 2px 6px; border-bottom: 1px solid #eef0f3; vertical-align: top; }
th { color: #556; font-weight: 600; }
.empty { color: #889; font-style: italic; }
.plots { display: flex; gap: 1em; }
.plot { flex: 1; }
svg { width: 100%; height: 80px; background: #fafbfc; border: 1px solid #eef0f3; }
polyline { fill: none; stroke: #0a58ca; stroke-width: 1.5; }
`;

const SCRIPT = `
const token = new URLSearchParams(location.search).get("token");
const query = token ? "?token=" + encodeURIComponent(token) : "";
const history = { mail: [], tasks: [] };

const el = (tag, attrs = {}, ...children) => {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
  for (const child of children) node.append(child);
  return node;
};
const text = (value) => {
  if (value === null || value === undefined) return "";
  if (Array.isArray(value)) {
    return value.map((item) => typeof item === "object" && item !== null ? "(" + text(item) + ")" : text(item)).join(", ");
  }
  if (typeof value === "object") return Object.entries(value).map(([key, item]) => key + " " + text(item)).join(", ");
  return String(value);
};

function actorLine(actor) {
  const abnormal = actor.status === "exited" && actor.exitcode !== 0;
  const line = el("div", { class: "actor", "data-pid": actor.pid, "data-name": actor.name });
  line.append(el("span", { class: "pid" }, actor.pid + " "), el("strong", {}, actor.name));
  line.append(el("span", { class: "badge " + (abnormal ? "abnormal" : actor.status) },
    actor.status + (actor.exitcode === null ? "" : " " + actor.exitcode) +
      (actor.exitKind && actor.exitKind !== "normal" ? " (" + actor.exitKind + ")" : "")));
  if (actor.daemon) line.append(el("span", { class: "badge" }, "daemon"));
  for (const name of actor.names) line.append(el("span", { class: "badge" }, "@" + name));
  if (actor.mailboxDepth > 0 || actor.mailboxCapacity > 0) {
    line.append(el("span", { class: "badge mail", "data-mail": actor.mailboxDepth },
      "mail " + actor.mailboxDepth + (actor.mailboxCapacity > 0 ? "/" + actor.mailboxCapacity : "")));
  }
  if (actor.links.length) line.append(el("span", { class: "badge" }, "links " + actor.links.join(",")));
  if (actor.monitoredBy.length) {
    line.append(el("span", { class: "badge" }, "monitored by " + actor.monitoredBy.join(",")));
  }
  if (actor.exitError) line.title = actor.exitError;
  return line;
}

function renderTree(actors) {
  const byParent = new Map();
  for (const actor of actors) {
    const list = byParent.get(actor.parentPid) ?? [];
    list.push(actor);
    byParent.set(actor.parentPid, list);
  }
  const pids = new Set(actors.map((actor) => actor.pid));
  const build = (parent) => {
    const list = el("ul", { class: "tree" });
    for (const actor of byParent.get(parent) ?? []) {
      const item = el("li", {}, actorLine(actor));
      if (byParent.has(actor.pid)) item.append(build(actor.pid));
      list.append(item);
    }
    return list;
  };
  const tree = build(0);
  // Actors whose parent already ended hang from the root of the tree.
  for (const actor of actors) {
    if (actor.parentPid !== 0 && !pids.has(actor.parentPid)) tree.append(el("li", {}, actorLine(actor)));
  }
  document.getElementById("actors").replaceChildren(tree);
}

function renderGroup(id, objects, columns) {
  const target = document.getElementById(id);
  if (objects.length === 0) return target.replaceChildren(el("div", { class: "empty" }, "none"));
  const table = el("table", {}, el("tr", {}, el("th", {}, "object"), ...columns.map((c) => el("th", {}, c))));
  for (const object of objects) {
    table.append(el("tr", { "data-id": object.id, "data-kind": object.kind },
      el("td", {}, object.label), ...columns.map((c) => el("td", { "data-field": c }, text(object.state[c])))));
  }
  target.replaceChildren(table);
}

function plot(id, values) {
  const svg = document.getElementById(id);
  const max = Math.max(1, ...values);
  const points = values.map((value, index) => (index * 100 / 59).toFixed(1) + "," + (78 - value * 74 / max).toFixed(1));
  svg.innerHTML = '<polyline points="' + points.join(" ") + '"/>';
  document.getElementById(id + "-max").textContent = "max " + max.toFixed(0);
}

function render(snapshot) {
  renderTree(snapshot.actors);
  const pools = snapshot.pools;
  renderGroup("pools", pools, ["state", "workers", "queued", "running", "done", "tasksPerSecond", "deaths", "replacements"]);
  renderGroup("locks", snapshot.locks, ["holders", "waiters", "ownerDiedEvents", "depth"]);
  renderGroup("semaphores", snapshot.semaphores, ["holders", "free", "waiters", "ownerDiedEvents"]);
  renderGroup("queues", snapshot.queues, ["items", "maxsize", "bytes", "unfinished", "waitingGetters", "waitingPutters", "shutDown"]);
  renderGroup("pipes", snapshot.pipes, ["duplex", "sides"]);
  renderGroup("managers", snapshot.managers, ["status", "address", "objects", "names", "clients"]);
  renderGroup("supervisors", snapshot.supervisors, ["state", "strategy", "children", "restarts", "recentRestarts", "maxRestarts"]);
  renderGroup("others", snapshot.others, ["set", "waiters"]);
  history.mail.push(snapshot.actors.reduce((sum, actor) => sum + actor.mailboxDepth, 0));
  history.tasks.push(pools.reduce((sum, pool) => sum + pool.state.tasksPerSecond, 0));
  for (const series of Object.values(history)) while (series.length > 60) series.shift();
  plot("plot-mail", history.mail);
  plot("plot-tasks", history.tasks);
  document.getElementById("updated").textContent = new Date(snapshot.time).toLocaleTimeString();
  document.body.dataset.ready = "true";
}

const status = (value) => document.getElementById("status").textContent = value;
fetch("snapshot.json" + query).then((response) => response.json()).then(render)
  .catch((error) => status("snapshot failed: " + error));
const events = new EventSource("events" + query);
events.onopen = () => status("live");
events.onmessage = (event) => render(JSON.parse(event.data));
events.onerror = () => status("disconnected: the program may have ended");
`;

const SECTIONS = [
  ["pools", "Pools"],
  ["locks", "Locks"],
  ["semaphores", "Semaphores"],
  ["queues", "Queues"],
  ["pipes", "Pipes"],
  ["managers", "Managers"],
  ["supervisors", "Supervisors"],
  ["others", "Events and other primitives"],
].map(([id, title]) => `<section><h2>${title}</h2><div id="${id}"></div></section>`).join("\n");

/** The page `GET /` serves. */
export const OBSERVER_PAGE: string = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>multiprocessing observer</title>
<style>${STYLE}</style>
</head>
<body>
<header><h1>multiprocessing observer</h1><span id="status">connecting</span>
<span>updated <span id="updated">never</span></span></header>
<main>
<div>
<section><h2>Actors</h2><div id="actors"></div></section>
<section class="plots">
<div class="plot"><h2>Mail waiting <small id="plot-mail-max"></small></h2><svg id="plot-mail" viewBox="0 0 100 80" preserveAspectRatio="none"></svg></div>
<div class="plot"><h2>Pool tasks/s <small id="plot-tasks-max"></small></h2><svg id="plot-tasks" viewBox="0 0 100 80" preserveAspectRatio="none"></svg></div>
</section>
</div>
<div>
${SECTIONS}
</div>
</main>
<script>${SCRIPT}</script>
</body>
</html>
`;
