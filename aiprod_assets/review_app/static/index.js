"use strict";
(async () => {
  if (!requireLogin()) return;
  await showMe();
  const body = document.querySelector("#jobs tbody");
  for (const job of await api("GET", "/api/jobs")) {
    const row = el("tr");
    const cell = el("td");
    cell.appendChild(el("a", job.job_id, { href: "/jobs/" + encodeURIComponent(job.job_id) }));
    row.append(cell, el("td", job.title), el("td", job.state));
    body.appendChild(row);
  }
})();
