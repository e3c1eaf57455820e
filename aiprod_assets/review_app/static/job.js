"use strict";
const JOB = decodeURIComponent(location.pathname.split("/").pop());
const MOVES = ["static", "pan", "tilt", "zoom_in", "zoom_out", "dolly", "orbit"];
const LIGHTS = ["natural", "high-key", "low-key", "golden-hour", "night", "studio", "overcast", "neon"];
let view = null, me = null;
const live = {};  // shot id -> what the render of it is doing now

function fail(error) { document.getElementById("error").textContent = String(error.message || error); }

function select(options, value, id) {
  const node = el("select", null, { "data-field": id });
  for (const option of options) { const o = el("option", option, { value: option }); if (option === value) o.selected = true; node.appendChild(o); }
  return node;
}

function shotCard(shot) {
  const card = el("div", null, { class: "shot" + (shot.clip ? " rendered" : ""), id: "shot-" + shot.shot_id, "data-shot": shot.shot_id });
  card.appendChild(el("h3", shot.shot_id + " · " + shot.duration_sec.toFixed(2) + "s · " + shot.camera_move + " · " + shot.lighting));
  if (shot.clip) {
    card.appendChild(el("video", null, { src: shot.clip.url, controls: "", preload: "metadata", class: "clip", poster: shot.keyframe_url }));
    card.appendChild(el("p", "rendered by " + shot.clip.backend + (shot.clip.reused ? " (reused)" : "") + ", " + usd(shot.clip.cost_usd), { class: "status clip-status" }));
  } else {
    const frame = live[shot.shot_id] && live[shot.shot_id].image;
    card.appendChild(el("img", null, { src: frame || shot.keyframe_url, alt: "keyframe of " + shot.shot_id, class: frame ? "preview" : "keyframe" }));
    card.appendChild(el("p", live[shot.shot_id] ? live[shot.shot_id].text : "not rendered yet", { class: "status" }));
  }
  const verdict = view.qa && view.qa.shots[shot.shot_id];
  if (verdict) card.appendChild(el("p", "semantic " + verdict.score.toFixed(2) + " " + verdict.verdict, { class: "small" }));
  card.appendChild(el("p", shot.prompt, { class: "prompt" }));
  if (me && me.role === "approver") card.appendChild(editForm(shot));
  return card;
}

function editForm(shot) {
  const form = el("form", null, { class: "edit" });
  const prompt = el("textarea", null, { "data-field": "prompt", rows: "3" }); prompt.value = shot.prompt;
  const duration = el("input", null, { type: "number", step: "0.05", min: "0.05", "data-field": "duration_sec" }); duration.value = shot.duration_sec;
  form.append(prompt, select(MOVES, shot.camera_move, "camera_move"), select(LIGHTS, shot.lighting, "lighting"), duration,
              el("button", "Save edit", { type: "submit", class: "save-edit" }));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const edit = {};
    for (const field of form.querySelectorAll("[data-field]")) {
      const value = field.dataset.field === "duration_sec" ? Number(field.value) : field.value;
      if (value !== shot[field.dataset.field]) edit[field.dataset.field] = value;
    }
    try { await api("POST", "/api/jobs/" + encodeURIComponent(JOB) + "/shots/" + encodeURIComponent(shot.shot_id), edit); await load(); }
    catch (error) { fail(error); }
  });
  return form;
}

function commentItem(c) {
  return el("li", "[" + c.shot_id + " @ " + Number(c.timecode_sec).toFixed(1) + "s] " + c.author + ": " + c.text, { class: "comment" });
}

function render() {
  document.getElementById("title").textContent = view.title + " (" + view.job_id + ")";
  document.getElementById("state").textContent = view.state;
  document.getElementById("cost").textContent = view.cost ? "estimate " + usd(view.cost.estimate_usd) + ", actual " + usd(view.cost.actual_usd) + " of " + usd(view.cost.budget_usd) + " budget" : "";
  document.getElementById("qa").textContent = view.qa ? "QA: technical " + (view.qa.technical ? "pass" : "fail") + ", semantic " + (view.qa.semantic_score ?? "-") : "";
  document.getElementById("moderation").textContent = (view.moderation || []).map(f => "moderation: " + f.category + " in " + f.field).join("; ");
  const cut = document.getElementById("cut");
  document.getElementById("cut-section").hidden = !view.cut;
  if (view.cut && cut.getAttribute("src") !== view.cut.url) cut.setAttribute("src", view.cut.url);
  document.getElementById("cut-sha").textContent = view.cut ? "cut " + view.cut.sha256 : "";
  const d = view.decision;
  document.getElementById("decision").textContent = d ? d.kind + " by " + d.author + (d.text ? ": " + d.text : "") + (d.reasons.length ? ": " + d.reasons.join("; ") : "") : "";
  // A card is rebuilt only when its shot changed, so a clip playing (or an edit being typed) elsewhere is left alone.
  const shots = document.getElementById("shots");
  const kept = new Map([...shots.children].map(card => [card.dataset.shot, card]));
  shots.replaceChildren(...view.shots.map(shot => {
    const key = JSON.stringify([shot, view.qa && view.qa.shots[shot.shot_id], shot.clip ? null : live[shot.shot_id] && live[shot.shot_id].text]);
    const card = kept.get(shot.shot_id);
    if (card && card.dataset.key === key) return card;
    const fresh = shotCard(shot);
    fresh.dataset.key = key;
    return fresh;
  }));
  const picker = document.getElementById("comment-shot");
  const chosen = picker.value;
  picker.replaceChildren(...view.shots.map(s => el("option", s.shot_id, { value: s.shot_id })));
  if (chosen) picker.value = chosen;
  document.getElementById("comments").replaceChildren(...view.comments.map(commentItem));
  document.getElementById("versions").replaceChildren(...view.versions.map(versionItem));
}

function versionItem(v) {
  const item = el("li", "v" + v.version + " " + v.kind.replace("_", " ") + " by " + v.author + " at " + v.at + ": ", { class: "version" });
  item.appendChild(el("span", v.diff.map(c => c.shot_id + "." + c.field + " " + JSON.stringify(c.before) + " → " + JSON.stringify(c.after)).join("; ")));
  if (me && me.role === "approver" && v.kind !== "approval" && v.kind !== "rejection") {
    const button = el("button", "Restore", { class: "restore" });
    button.addEventListener("click", async () => {
      try { await api("POST", "/api/jobs/" + encodeURIComponent(JOB) + "/versions/" + encodeURIComponent(v.event_id) + "/restore"); await load(); }
      catch (error) { fail(error); }
    });
    item.appendChild(button);
  }
  return item;
}

async function load() { view = await api("GET", "/api/jobs/" + encodeURIComponent(JOB)); render(); }

function onMessage(message) {
  if (message.channel === "live") {
    if (message.kind === "shot_started") live[message.shot_id] = { text: "rendering on " + message.backend + " (attempt " + message.attempt + ")" };
    if (message.kind === "shot_failed") live[message.shot_id] = { text: message.backend + " attempt " + message.attempt + " failed: " + message.error };
    if (message.kind === "preview") {
      live[message.shot_id] = { text: "rendering, frame " + message.frame, image: message.image };
      const card = document.getElementById("shot-" + message.shot_id);
      const img = card && card.querySelector("img");
      if (img) { img.src = message.image; img.className = "preview"; card.querySelector(".status").textContent = live[message.shot_id].text; }
      return;
    }
    if (message.kind === "shot_finished") delete live[message.shot_id];
    load().catch(fail);
  } else if (message.channel === "review") {
    if (message.kind === "comment") { view.comments.push(message.event); document.getElementById("comments").appendChild(commentItem(message.event)); }
    else load().catch(fail);
  } else if (message.channel === "status") {
    load().catch(fail);
  } else if (message.kind === "error") {
    fail(message.message);
  }
}

function connect() {
  const socket = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws/jobs/" + encodeURIComponent(JOB));
  const badge = document.getElementById("live");
  socket.onopen = () => { badge.textContent = "live"; load().catch(fail); };
  socket.onmessage = (event) => onMessage(JSON.parse(event.data));
  socket.onclose = () => { badge.textContent = "reconnecting"; setTimeout(connect, 1000); };
}

async function decide(kind) {
  const text = document.getElementById("decision-text").value;
  const body = kind === "approve" ? { cut_sha256: view.cut.sha256, comment: text }
                                  : { cut_sha256: view.cut.sha256, reasons: [text || "rejected"], shots: [] };
  try { await api("POST", "/api/jobs/" + encodeURIComponent(JOB) + "/" + kind, body); await load(); } catch (error) { fail(error); }
}

(async () => {
  if (!requireLogin()) return;
  try { me = await showMe(); await load(); } catch (error) { fail(error); }
  document.getElementById("approve").addEventListener("click", () => decide("approve"));
  document.getElementById("reject").addEventListener("click", () => decide("reject"));
  document.getElementById("comment-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = { shot_id: document.getElementById("comment-shot").value, timecode_sec: Number(document.getElementById("comment-at").value),
                   text: document.getElementById("comment-text").value };
    try { await api("POST", "/api/jobs/" + encodeURIComponent(JOB) + "/comments", body); document.getElementById("comment-text").value = ""; }
    catch (error) { fail(error); }
  });
  connect();
})();
