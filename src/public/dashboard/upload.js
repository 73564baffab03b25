import { getToken } from "./api.js";
import { h } from "./dom.js";
import { lapTime } from "./format.js";

/**
 * `.ibt` recordings dropped on the page (or picked with the Upload button) go to
 * `POST /api/v1/ibt`, one at a time, each with a progress bar on the bytes sent; the session of
 * the last one to import then opens on its fastest valid lap. Uploads need the ingest token:
 * the one in Settings is sent.
 */

/** One upload through XMLHttpRequest (fetch reports no upload progress). */
function send(file, onProgress) {
  return new Promise((resolve) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", "/api/v1/ibt");
    xhr.setRequestHeader("Content-Type", "application/octet-stream");
    const token = getToken();
    if (token) xhr.setRequestHeader("Authorization", `Bearer ${token}`);
    xhr.upload.onprogress = (e) => onProgress(e.loaded, e.lengthComputable ? e.total : file.size);
    xhr.onload = () => {
      let body = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        // not JSON: said below
      }
      resolve({ status: xhr.status, body });
    };
    xhr.onerror = () => resolve({ status: 0, body: null });
    xhr.send(file);
  });
}

/** Why an upload failed, in words a person can act on. */
function failure(status, body) {
  if (status === 0) return "the server could not be reached";
  if (status === 401 || status === 403) {
    return "uploading needs the ingest token: put it in Settings (the gear at the top right)";
  }
  return body?.error ?? `the server answered ${status}`;
}

/** The fastest valid lap of an import's answer, or null. */
function fastest(body) {
  let best = null;
  for (const l of body.laps ?? []) {
    if (l.valid && l.lap_time > 0 && (!best || l.lap_time < best.lap_time)) best = l;
  }
  return best;
}

/**
 * Wires the file input, the Upload button and dropping files anywhere on the page to the
 * upload list `panel`.
 */
export function uploads({ input, button, panel }) {
  button.addEventListener("click", () => input.click());
  input.addEventListener("change", () => {
    void run([...input.files]);
    input.value = "";
  });
  document.addEventListener("dragover", (e) => {
    if (!e.dataTransfer?.types.includes("Files")) return;
    e.preventDefault();
    document.body.dataset.dropping = "true";
  });
  document.addEventListener("dragleave", (e) => {
    if (e.relatedTarget === null) delete document.body.dataset.dropping;
  });
  document.addEventListener("drop", (e) => {
    if (!e.dataTransfer?.files.length) return;
    e.preventDefault();
    delete document.body.dataset.dropping;
    void run([...e.dataTransfer.files]);
  });

  async function run(files) {
    if (files.length === 0) return;
    panel.hidden = false;
    let opened = null;
    for (const file of files) {
      const bar = h("progress", { max: String(file.size || 1), value: "0" });
      const status = h("span.upload-status", null, "uploading…");
      const row = h(
        "li.upload",
        { dataset: { state: "uploading" } },
        h("b", null, file.name),
        bar,
        status,
      );
      panel.querySelector("ul").append(row);
      const { status: code, body } = await send(file, (sent) => {
        bar.value = sent;
      });
      if ((code === 200 || code === 201) && body?.session_id) {
        const best = fastest(body);
        row.dataset.state = "done";
        bar.value = file.size;
        const driven = body.laps.filter((l) => l.lap >= 1).length;
        status.textContent = `${driven} ${driven === 1 ? "lap" : "laps"}${best ? `, best ${lapTime(best.lap_time)} (lap ${best.lap})` : ""} · ${code === 200 ? "already imported" : "imported"}`;
        opened = { body, best };
      } else {
        row.dataset.state = "failed";
        status.textContent = failure(code, body);
      }
    }
    if (opened) {
      const { body, best } = opened;
      const q = new URLSearchParams({ driver: body.driver_id });
      if (best) q.set("lap", String(best.lap));
      location.hash = `#/session/${encodeURIComponent(body.session_id)}?${q}`;
    }
  }
}
