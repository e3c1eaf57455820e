"use strict";
document.getElementById("login").addEventListener("submit", async (event) => {
  event.preventDefault();
  const value = document.getElementById("token").value.trim();
  const response = await fetch("/api/session", { method: "POST", headers: { "Authorization": "Bearer " + value } });
  if (!response.ok) { document.getElementById("error").textContent = "That token is not known here."; return; }
  sessionStorage.setItem(TOKEN, value);
  const next = new URLSearchParams(location.search).get("next") || "/";
  location.href = next.startsWith("/") && !next.startsWith("//") ? next : "/";
});
