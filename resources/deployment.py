"""What a deployment switches on, read from its environment: render backends, planner, vision judge.

Only variable *names* go into the resources (``dg.EnvVar``); Dagster reads the secrets at
run time. A backend switched on without its key fails here, naming the variable to set
(the settings are read and checked in aiprod_assets/deployment_settings.py).

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

from aiprod_assets.deployment_settings import (
    KEY_VARIABLES,
    DeploymentError,
    read_deployment,
)
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

__all__ = ["DeploymentError", "deployment_resources"]


def deployment_resources(gpu: TorchDevice, env: Mapping[str, str] | None = None) -> dict:
    env = os.environ if env is None else env
    settings = read_deployment(env)
    endpoints = settings.endpoints
    providers = {}
    if "veo" in settings.backends:
        providers["veo"] = (VeoSettings(project=settings.veo_project, location=settings.veo_location,
                                        **endpoints["veo"]) if settings.veo_project
                            else VeoSettings(api_key=dg.EnvVar("GOOGLE_API_KEY"), **endpoints["veo"]))
    for name in ("runway", "replicate"):
        if name in settings.backends:
            providers[name] = ProviderSettings(api_key=dg.EnvVar(KEY_VARIABLES[name]), **endpoints[name])
    gemini_key = dg.EnvVar(KEY_VARIABLES["gemini"])
    return {
        "policy": ProductionPolicy(enabled_backends=settings.backends, approval=settings.approval,
                                   daily_limit_usd=settings.daily_limit_usd),
        "alerting": alerting_from_env(env),
        "render_backends": RenderBackends(gpu=gpu, wan=DiffusionSettings(**settings.wan) if settings.wan else None,
                                          **providers),
        "creative_director": (GeminiCreativeDirector(api_key=gemini_key, **endpoints["gemini"])
                              if settings.planner == "gemini" else LocalCreativeDirector()),
        "vision_judge": (GeminiVisionJudge(api_key=gemini_key, **endpoints["gemini"])
                         if settings.vision_judge == "gemini" else NoVisionJudge()),
    }
