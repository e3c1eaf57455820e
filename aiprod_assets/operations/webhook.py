"""Alert notices to a Slack-compatible incoming webhook: a JSON body with ``text`` and one attachment."""

from __future__ import annotations

import json
import urllib.request

from aiprod_assets.contracts import AlertNotice

COLOURS = {"open": "#d0312d", "closed": "#2e8540"}
TITLES = {"cost_overrun": "Cost overrun", "failure_rate": "Pipeline failure rate", "quality": "Quality score",
          "run_failure": "Production run failed"}


MAX_REPLY_BYTES = 64 * 1024


class WebhookError(RuntimeError):
    pass


def slack_body(notice: AlertNotice) -> dict:
    title = TITLES.get(notice.condition, notice.condition)
    verb = "OPEN" if notice.state == "open" else "resolved"
    return {"text": f"[AIPROD] {title} {verb} ({notice.window}): {notice.message}",
            "attachments": [{"color": COLOURS[notice.state], "title": f"{title}: {verb}",
                             "fields": [{"title": "value", "value": str(notice.value), "short": True},
                                        {"title": "threshold", "value": str(notice.threshold), "short": True},
                                        {"title": "window", "value": notice.window, "short": True}],
                             "ts": notice.at}]}


def post(url: str, notice: AlertNotice, timeout_sec: float = 10.0) -> None:
    request = urllib.request.Request(url, data=json.dumps(slack_body(notice)).encode(), method="POST",
                                     headers={"content-type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout_sec) as response:
            response.read(MAX_REPLY_BYTES)  # the reply says nothing we use: never read a large one whole
    except OSError as err:
        # The URL carries the webhook's secret path: never put it in a message or a log.
        raise WebhookError(f"alert webhook refused the notice ({type(err).__name__}: "
                           f"{getattr(err, 'code', '') or getattr(err, 'reason', '')})") from None
