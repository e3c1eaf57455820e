"""Gemini through google-genai: a client for an API key (and an endpoint, for tests or a proxy), and one
structured-output call that returns the answer's text and its token counts."""

from aiprod_assets.contracts import ModelAnswer


def gemini_client(api_key: str, base_url: str | None = None, timeout_sec: float = 120.0):
    from google import genai
    from google.genai import types

    return genai.Client(api_key=api_key,
                        http_options=types.HttpOptions(base_url=base_url, timeout=int(timeout_sec * 1000)))


def ask_for_json(client, model: str, turns: list[tuple[str, object]], schema: dict,
                 temperature: float = 0.4) -> ModelAnswer:
    """``turns`` are (role, text or (png bytes, ...)); the answer must match the JSON ``schema``."""
    from google.genai import types

    contents = []
    for role, content in turns:
        items = content if isinstance(content, (list, tuple)) else [content]
        parts = [types.Part.from_bytes(data=item, mime_type="image/png") if isinstance(item, bytes)
                 else types.Part.from_text(text=item) for item in items]
        contents.append(types.Content(role=role, parts=parts))
    response = client.models.generate_content(
        model=model, contents=contents,
        config=types.GenerateContentConfig(response_mime_type="application/json", response_json_schema=schema,
                                           temperature=temperature))
    usage = response.usage_metadata
    return ModelAnswer(text=response.text, input_tokens=(usage.prompt_token_count or 0) if usage else 0,
                       output_tokens=(usage.candidates_token_count or 0) if usage else 0,
                       safety=safety_verdict(response))


def _name(value) -> str:
    return str(getattr(value, "name", value) or "")


def safety_verdict(response) -> list[str]:
    """The harm categories Gemini rated MEDIUM or HIGH, or blocked, on the prompt or the answer."""
    flagged = []
    feedback = getattr(response, "prompt_feedback", None)
    ratings = list(getattr(feedback, "safety_ratings", None) or [])
    for candidate in getattr(response, "candidates", None) or []:
        ratings += list(candidate.safety_ratings or [])
    for rating in ratings:
        if rating.blocked or _name(rating.probability) in ("MEDIUM", "HIGH"):
            category = _name(rating.category).removeprefix("HARM_CATEGORY_").lower().replace("_", " ")
            if category and category not in flagged:
                flagged.append(category)
    if feedback is not None and getattr(feedback, "block_reason", None):
        flagged.append(f"blocked: {_name(feedback.block_reason).lower()}")
    return flagged


def with_backoff(call, attempts: int = 4, sleep=None):
    """``call()``, again after 429s, 5xx and connection errors, waiting as the render retry policy does
    (Retry-After honoured); other errors, and the last failure, raise the classified error."""
    import random
    import time

    from google.genai import errors

    from aiprod_assets.failures import RetryPolicy, classify_status

    policy, rng = RetryPolicy(attempts_per_backend=attempts), random.Random()
    for attempt in range(1, attempts + 1):
        try:
            return call()
        except errors.APIError as err:
            headers = getattr(getattr(err, "response", None), "headers", None) or {}
            failure = classify_status("gemini", err.code, err.message or str(err), headers.get("retry-after"))
        except Exception as err:
            if type(err).__module__.split(".")[0] not in ("httpx", "httpcore"):
                raise
            failure = classify_status("gemini", None, f"{type(err).__name__}: {err}")
        if not failure.retryable or attempt == attempts:
            raise failure
        (sleep or time.sleep)(policy.delay(attempt, rng, failure.retry_after_sec))
