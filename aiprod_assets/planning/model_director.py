"""Asking a model for a plan: one request, then bounded repair turns that quote what was wrong.

The conversation is plain (role, text) turns; the caller's ``ask`` sends it to the
model. Every answer and its problems are kept, so a plan that never comes right fails
with what the model said.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from aiprod_assets.contracts import ModelAnswer, PlannerUsage, SanitizedInput
from aiprod_assets.planning.model_plan import (
    ModelPlan,
    PlanInvalid,
    parse_plan,
    planning_prompt,
    repair_prompt,
)


@dataclass
class Conversation:
    turns: list[tuple[str, str]] = field(default_factory=list)
    answers: list[dict] = field(default_factory=list)
    input_tokens: int = 0
    output_tokens: int = 0
    safety: list[str] = field(default_factory=list)

    def usage(self, model: str, usd_per_million_input: float, usd_per_million_output: float) -> PlannerUsage:
        usd = (self.input_tokens * usd_per_million_input + self.output_tokens * usd_per_million_output) / 1e6
        return PlannerUsage(model=model, calls=len(self.answers), input_tokens=self.input_tokens,
                            output_tokens=self.output_tokens, orchestration_usd=round(usd, 8))


class PlannerFailed(RuntimeError):
    def __init__(self, message: str, conversation: Conversation):
        super().__init__(message)
        self.conversation = conversation


def plan_with_model(sanitized: SanitizedInput, ask: Callable[[list[tuple[str, str]]], ModelAnswer],
                    max_attempts: int) -> tuple[ModelPlan, Conversation]:
    conversation = Conversation(turns=[("user", planning_prompt(sanitized))])
    for attempt in range(1, max_attempts + 1):
        answer = ask(list(conversation.turns))
        conversation.input_tokens += answer.input_tokens
        conversation.output_tokens += answer.output_tokens
        conversation.safety += [c for c in answer.safety if c not in conversation.safety]
        try:
            plan = parse_plan(answer.text)
        except PlanInvalid as err:
            conversation.answers.append({"attempt": attempt, "answer": answer.text, "problems": err.problems})
            conversation.turns += [("model", answer.text or ""), ("user", repair_prompt(err.problems))]
            continue
        conversation.answers.append({"attempt": attempt, "answer": answer.text, "problems": []})
        return plan, conversation
    last = conversation.answers[-1]["problems"]
    raise PlannerFailed(f"the model gave no usable plan in {max_attempts} attempts; last problems: "
                        f"{'; '.join(last[:5])}", conversation)
