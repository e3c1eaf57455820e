// Shared by every page: the reviewer's token (this tab only), API calls, and DOM built with textContent
// only, so nothing a reviewer typed is ever parsed as HTML.
"use strict";
const TOKEN = "aiprod_token";

function token() { return sessionStorage.getItem(TOKEN); }

function requireLogin() {
  if (!token()) { location.href = "/login?next=" + encodeURIComponent(location.pathname); return false; }
  return true;
}

async function api(method, path, body) {
  const options = { method, headers: { "Authorization": "Bearer " + token() } };
  if (body !== undefined) { options.headers["Content-Type"] = "application/json"; options.body = JSON.stringify(body); }
  const response = await fetch(path, options);
  if (response.status === 401) { sessionStorage.removeItem(TOKEN); requireLogin(); throw new Error("signed out"); }
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(data.detail || response.statusText);
  return data;
}

function el(tag, text, attrs) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  for (const [name, value] of Object.entries(attrs || {})) node.setAttribute(name, value);
  return node;
}

function usd(value) { if (value === null || value === undefined) return "-"; const v = Number(value); return "$" + (v > 0 && v < 0.01 ? v.toPrecision(3) : v.toFixed(2)); }

async function showMe() {
  const me = await api("GET", "/api/me");
  document.getElementById("me").textContent = me.name + " (" + me.role + ")";
  document.body.dataset.role = me.role;
  for (const node of document.querySelectorAll(".approver-only")) node.hidden = me.role !== "approver";
  for (const node of document.querySelectorAll(".commenter-only")) node.hidden = me.role === "viewer";
  return me;
}
