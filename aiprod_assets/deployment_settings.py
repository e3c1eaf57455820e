"""What a deployment switches on, read from its environment and checked, in plain Python: the resources are
made from it (resources/deployment.py), and a command foresees its run's plan with it before it loads Dagster
(cli/shot_ahead.py). A setting that is not allowed, or a backend switched on without its key, fails here,
naming the variable. Keys are only looked for: their values are never read here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from aiprod_assets.backends import KNOWN_BACKENDS
from aiprod_assets.contracts import APPROVAL_MODES

# What a deployment accepts from a brief unless its policy says otherwise (resources/policy.py).
DEFAULT_BUDGET_CAP_USD = 500.0
DEFAULT_BRIEF_MAX_BYTES = 256 * 1024

KEY_VARIABLES = {"runway": "RUNWAYML_API_SECRET", "replicate": "REPLICATE_API_TOKEN", "gemini": "GEMINI_API_KEY"}


class DeploymentError(ValueError):
    pass


@dataclass(frozen=True)
class DeploymentSettings:
    backends: list[str]
    planner: str = "local"
    vision_judge: str = "none"
    approval: str = "auto_when_passed"
    daily_limit_usd: float = 1000.0
    # Veo: by API key (GOOGLE_API_KEY) where one is set, else on a Vertex AI project.
    veo_project: str | None = None
    veo_location: str = "us-central1"
    wan: dict | None = None
    # Another endpoint (a proxy) or model per provider, and for Gemini.
    endpoints: dict[str, dict] = field(default_factory=dict)


def key_variable(name: str, env: Mapping[str, str], what: str) -> str:
    """The variable holding ``name``'s key, which must be set."""
    variable = KEY_VARIABLES[name]
    if not env.get(variable):
        raise DeploymentError(f"{what} is switched on but {variable} is not set; export it (the key is read "
                              "from the environment only)")
    return variable


def enabled_backends(env: Mapping[str, str]) -> list[str]:
    names = [n.strip() for n in env.get("AIPROD_BACKENDS", "previz").split(",") if n.strip()]
    unknown = [n for n in names if n not in KNOWN_BACKENDS]
    if unknown or not names:
        raise DeploymentError(f"AIPROD_BACKENDS: {', '.join(unknown) or '(empty)'} not allowed; "
                              f"a comma list of {', '.join(KNOWN_BACKENDS)}")
    return names


def _endpoint(name: str, env: Mapping[str, str]) -> dict:
    settings = {}
    if env.get(f"AIPROD_{name.upper()}_BASE_URL"):
        settings["base_url"] = env[f"AIPROD_{name.upper()}_BASE_URL"]
    if env.get(f"AIPROD_{name.upper()}_MODEL"):
        settings["model"] = env[f"AIPROD_{name.upper()}_MODEL"]
    return settings


def _one_of(env: Mapping[str, str], variable: str, default: str, allowed: tuple[str, ...]) -> str:
    value = env.get(variable, default)
    if value not in allowed:
        raise DeploymentError(f"{variable}: {value!r} not allowed; {', '.join(allowed)}")
    return value


def _wan(env: Mapping[str, str]) -> dict:
    if not env.get("AIPROD_WAN_MODEL"):
        raise DeploymentError("wan is switched on but AIPROD_WAN_MODEL is not set: a folder saved with "
                              "save_pretrained, or a Hugging Face repo id already in the local cache")
    steps = env.get("AIPROD_WAN_STEPS", "30")
    if not steps.isdigit() or int(steps) < 1:
        raise DeploymentError(f"AIPROD_WAN_STEPS: {steps!r} not allowed; a whole number of steps, 1 or more")
    return {"model": env["AIPROD_WAN_MODEL"], "offload": _one_of(env, "AIPROD_WAN_OFFLOAD", "auto",
                                                                 ("auto", "on", "off")), "steps": int(steps)}


def read_deployment(env: Mapping[str, str]) -> DeploymentSettings:
    backends = enabled_backends(env)
    veo_project = None
    if "veo" in backends and not env.get("GOOGLE_API_KEY"):
        veo_project = env.get("GOOGLE_CLOUD_PROJECT")
        if not veo_project:
            raise DeploymentError("veo is switched on but neither GOOGLE_API_KEY nor GOOGLE_CLOUD_PROJECT is set")
    for name in ("runway", "replicate"):
        if name in backends:
            key_variable(name, env, name)
    planner = _one_of(env, "AIPROD_PLANNER", "local", ("local", "gemini"))
    judge = _one_of(env, "AIPROD_VISION_JUDGE", "none", ("none", "gemini"))
    if planner == "gemini":
        key_variable("gemini", env, "the Gemini planner")
    if judge == "gemini":
        key_variable("gemini", env, "the Gemini vision judge")
    approval = _one_of(env, "AIPROD_APPROVAL", "auto_when_passed", APPROVAL_MODES)
    try:
        daily_limit = float(env.get("AIPROD_DAILY_LIMIT_USD", "1000"))
    except ValueError:
        daily_limit = -1.0
    if not daily_limit > 0:
        raise DeploymentError(f"AIPROD_DAILY_LIMIT_USD: {env['AIPROD_DAILY_LIMIT_USD']!r} not allowed; "
                              "a number of dollars above 0")
    return DeploymentSettings(
        backends=backends, planner=planner, vision_judge=judge, approval=approval, daily_limit_usd=daily_limit,
        veo_project=veo_project, veo_location=env.get("GOOGLE_CLOUD_LOCATION", "us-central1"),
        wan=_wan(env) if "wan" in backends else None,
        endpoints={name: _endpoint(name, env) for name in ("veo", "runway", "replicate", "gemini")})
