import { getToken, setToken } from "./api.js";
import { compareView } from "./compare-view.js";
import { sessionView } from "./session-view.js";
import { sessionsView } from "./sessions-view.js";
import { uploads } from "./upload.js";

/**
 * The dashboard's entry: a hash router over three views (sessions, a live session, a lap
 * comparison) and the settings dialog that keeps the read token.
 */

const view = document.getElementById("view");
let dispose = () => {};

function route() {
  dispose();
  const [path, query = ""] = location.hash.replace(/^#/, "").split("?");
  const params = new URLSearchParams(query);
  const parts = (path || "/").split("/").filter(Boolean).map(decodeURIComponent);
  window.scrollTo(0, 0);
  if (parts[0] === "session" && parts[1] && parts[2] === "compare") {
    dispose = compareView(view, parts[1], params);
  } else if (parts[0] === "session" && parts[1]) {
    dispose = sessionView(view, parts[1], params);
  } else {
    document.title = "Rustegrate · live telemetry";
    dispose = sessionsView(view);
  }
}

function settings() {
  const dialog = document.getElementById("settings");
  const input = document.getElementById("token");
  document.getElementById("settings-button").addEventListener("click", () => {
    input.value = getToken();
    dialog.showModal();
  });
  dialog.addEventListener("close", () => {
    if (dialog.returnValue === "save") {
      setToken(input.value.trim());
      route();
    } else if (dialog.returnValue === "clear") {
      setToken("");
      route();
    }
  });
}

settings();
uploads({
  input: document.getElementById("upload-input"),
  button: document.getElementById("upload-button"),
  panel: document.getElementById("uploads"),
});
window.addEventListener("hashchange", route);
route();
