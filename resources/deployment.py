"""What a deployment switches on, read from its environment: render backends, planner, vision judge.

Only variable *names* go into the resources (``dg.EnvVar``); Dagster reads the secrets at
run time. A backend switched on without its key fails here, naming the variable to set.

  AIPROD_BACKENDS       comma list, first is the default: previz (default), veo, runway, replicate
  AIPROD_APPROVAL       auto_when_passed (default), required or none: who signs off a cut before delivery
  AIPROD_PLANNER        local (default) or gemini            AIPROD_VISION_JUDGE   none (default) or gemini
  GOOGLE_API_KEY        Veo on Vertex AI (express mode), or GOOGLE_CLOUD_PROJECT with application-default credentials
  RUNWAYML_API_SECRET   Runway                               REPLICATE_API_TOKEN   Replicate
  GEMINI_API_KEY        the Gemini planner and vision judge
  AIPROD_<NAME>_BASE_URL / AIPROD_<NAME>_MODEL   another endpoint (a proxy) or model for VEO, RUNWAY, REPLICATE, GEMINI
  AIPROD_WAN_MODEL           the self-hosted model for `wan` in AIPROD_BACKENDS: a local folder or a Hugging Face
                             repo id already in the cache (AIPROD_WAN_OFFLOAD auto|on|off, AIPROD_WAN_STEPS)
  AIPROD_DAILY_LIMIT_USD     the daily spend the cost alert measures against (default 1000)
  AIPROD_ALERT_WEBHOOK, AIPROD_MONITORING_PROJECT   where alerts go (resources/alerting.py)
"""

import os
from collections.abc import Mapping

import dagster as dg

from aiprod_assets.backends import KNOWN_BACKENDS
from aiprod_assets.contracts import APPROVAL_MODES
from resources.alerting import alerting_from_env
from resources.creative_director import GeminiCreativeDirector, LocalCreativeDirector
from resources.gpu import TorchDevice
from resources.policy import ProductionPolicy
from resources.render_backends import (
    DiffusionSettings,
    ProviderSettings,
    RenderBackends,
    VeoSettings,
)
from resources.vision_judge import GeminiVisionJudge, NoVisionJudge

KEY_VARIABLES = {"runway": "RUNWAYML_API_SECRET", "replicate": "REPLICATE_API_TOKEN", "gemini": "GEMINI_API_KEY"}


class DeploymentError(ValueError):
    pass


def _endpoint(name: str, env: Mapping[str, str]) -> dict:
    settings = {}
    if env.get(f"AIPROD_{name.upper()}_BASE_URL"):
        settings["base_url"] = env[f"AIPROD_{name.upper()}_BASE_URL"]
    if env.get(f"AIPROD_{name.upper()}_MODEL"):
        settings["model"] = env[f"AIPROD_{name.upper()}_MODEL"]
    return settings


def _key(name: str, env: Mapping[str, str], what: str) -> dg.EnvVar:
    variable = KEY_VARIABLES[name]
    if not env.get(variable):
        raise DeploymentError(f"{what} is switched on but {variable} is not set; export it (the key is read "
                              "from the environment only)")
    return dg.EnvVar(variable)


def enabled_backends(env: Mapping[str, str]) -> list[str]:
    names = [n.strip() for n in env.get("AIPROD_BACKENDS", "previz").split(",") if n.strip()]
    unknown = [n for n in names if n not in KNOWN_BACKENDS]
    if unknown or not names:
        raise DeploymentError(f"AIPROD_BACKENDS: {', '.join(unknown) or '(empty)'} not allowed; "
                              f"a comma list of {', '.join(KNOWN_BACKENDS)}")
    return names


def deployment_resources(gpu: TorchDevice, env: Mapping[str, str] | None = None) -> dict:
    env = os.environ if env is None else env
    backends = enabled_backends(env)
    providers = {}
    if "veo" in backends:
        if env.get("GOOGLE_API_KEY"):
            providers["veo"] = VeoSettings(api_key=dg.EnvVar("GOOGLE_API_KEY"), **_endpoint("veo", env))
        elif env.get("GOOGLE_CLOUD_PROJECT"):
            providers["veo"] = VeoSettings(project=env["GOOGLE_CLOUD_PROJECT"],
                                           location=env.get("GOOGLE_CLOUD_LOCATION", "us-central1"),
                                           **_endpoint("veo", env))
        else:
            raise DeploymentError("veo is switched on but neither GOOGLE_API_KEY nor GOOGLE_CLOUD_PROJECT is set")
    wan = None
    if "wan" in backends:
        if not env.get("AIPROD_WAN_MODEL"):
            raise DeploymentError("wan is switched on but AIPROD_WAN_MODEL is not set: a folder saved with "
                                  "save_pretrained, or a Hugging Face repo id already in the local cache")
        wan = DiffusionSettings(model=env["AIPROD_WAN_MODEL"], offload=env.get("AIPROD_WAN_OFFLOAD", "auto"),
                                steps=int(env.get("AIPROD_WAN_STEPS", "30")))
    for name in ("runway", "replicate"):
        if name in backends:
            providers[name] = ProviderSettings(api_key=_key(name, env, name), **_endpoint(name, env))
    planner = env.get("AIPROD_PLANNER", "local")
    judge = env.get("AIPROD_VISION_JUDGE", "none")
    if planner not in ("local", "gemini"):
        raise DeploymentError(f"AIPROD_PLANNER: {planner!r} not allowed; local or gemini")
    if judge not in ("none", "gemini"):
        raise DeploymentError(f"AIPROD_VISION_JUDGE: {judge!r} not allowed; none or gemini")
    approval = env.get("AIPROD_APPROVAL", "auto_when_passed")
    if approval not in APPROVAL_MODES:
        raise DeploymentError(f"AIPROD_APPROVAL: {approval!r} not allowed; {', '.join(APPROVAL_MODES)}")
    gemini = _endpoint("gemini", env)
    try:
        daily_limit = float(env.get("AIPROD_DAILY_LIMIT_USD", "1000"))
    except ValueError:
        daily_limit = -1.0
    if not daily_limit > 0:
        raise DeploymentError(f"AIPROD_DAILY_LIMIT_USD: {env['AIPROD_DAILY_LIMIT_USD']!r} not allowed; "
                              "a number of dollars above 0")
    return {
        "policy": ProductionPolicy(enabled_backends=backends, approval=approval, daily_limit_usd=daily_limit),
        "alerting": alerting_from_env(env),
        "render_backends": RenderBackends(gpu=gpu, wan=wan, **providers),
        "creative_director": (GeminiCreativeDirector(api_key=_key("gemini", env, "the Gemini planner"),
                                                     **gemini)
                              if planner == "gemini" else LocalCreativeDirector()),
        "vision_judge": (GeminiVisionJudge(api_key=_key("gemini", env, "the Gemini vision judge"), **gemini)
                         if judge == "gemini" else NoVisionJudge()),
    }
