import "./console.css";
import { h } from "./dom.js";
import { leaveList, showList } from "./list-view.js";
import { showPlayground } from "./playground-view.js";
import { showProviders } from "./providers-view.js";
import { showTrace } from "./trace-view.js";

let generation = 0;

/** Hash routes: #/ (requests), #/trace/<id>, #/providers, #/playground. */
function route(): void {
  const root = document.getElementById("app");
  if (!root) return;
  const mine = ++generation;
  const stillWanted = () => mine === generation;
  const hash = location.hash.replace(/^#/, "") || "/";
  leaveList();
  const failed = (error: unknown) => {
    if (stillWanted()) root.replaceChildren(h("p", { class: "error" }, String(error)));
  };
  if (hash.startsWith("/trace/")) {
    root.replaceChildren(h("p", {}, "Loading trace…"));
    showTrace(root, decodeURIComponent(hash.slice("/trace/".length)), stillWanted).catch(failed);
  } else if (hash === "/providers") {
    showProviders(root).catch(failed);
  } else if (hash === "/playground") {
    showPlayground(root, stillWanted).catch(failed);
  } else {
    showList(root);
  }
}

addEventListener("hashchange", route);
route();
