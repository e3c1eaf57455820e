"""The budget decision: approve, downgrade to a cheaper chain, or reject with the numbers."""

from __future__ import annotations

import math

from aiprod_assets.contracts import BudgetDecision

DOWNGRADE_ABOVE_SHARE = 0.8


def at_least_usd(amount: float) -> str:
    """``amount`` rounded up, to the cent, or to two significant digits below a cent: a minimum that is
    really enough, never "$0.00"."""
    if amount <= 0:
        return "0.00"
    decimals = 2 if amount >= 0.01 else 1 - math.floor(math.log10(amount))
    scale = 10 ** decimals
    return f"{math.ceil(round(amount * scale, 6)) / scale:.{decimals}f}"


def usd(amount: float) -> str:
    """A dollar amount with the digits that matter: cents from a dollar up, three significant digits below
    (previz costs fractions of a cent), never in exponent notation."""
    if amount >= 1 or amount <= 0:
        return f"${amount:,.2f}"
    decimals = max(2, 2 - math.floor(math.log10(amount)))
    return f"${amount:.{decimals}f}"


def decide_budget(requested_chain: list[str], estimates: dict[str, float],
                  budget_usd: float) -> tuple[list[str], BudgetDecision]:
    """The backend chain to render with and why.

    ``estimates`` holds every backend the deployment may use, so a downgrade may
    reach a backend the brief did not ask for.
    """
    threshold = DOWNGRADE_ABOVE_SHARE * budget_usd
    primary = requested_chain[0]
    by_cost = sorted(estimates, key=lambda name: (estimates[name], name))
    cheapest = by_cost[0]

    def decision(kind: str, reason: str) -> BudgetDecision:
        return BudgetDecision(decision=kind, reason=reason, budget_usd=budget_usd, threshold_usd=round(threshold, 6))

    if estimates[primary] <= threshold:
        chain = [b for b in requested_chain if b == primary or estimates[b] <= budget_usd]
        return chain, decision("approved", f"{primary} estimate {usd(estimates[primary])} is within "
                                           f"{DOWNGRADE_ABOVE_SHARE:.0%} of the ${budget_usd:g} budget ({usd(threshold)})")
    if estimates[cheapest] > budget_usd:
        listing = ", ".join(f"{b} {usd(estimates[b])}" for b in by_cost)
        return [], decision("rejected", f"even the cheapest chain ({cheapest}, {usd(estimates[cheapest])}) exceeds the "
                                        f"${budget_usd:g} budget; estimates: {listing}. Raise budget_usd to at least "
                                        f"${at_least_usd(estimates[cheapest])} or shorten duration_sec")
    chain = [b for b in by_cost if estimates[b] <= budget_usd]
    return chain, decision("downgraded", f"{primary} estimate {usd(estimates[primary])} exceeds "
                                         f"{DOWNGRADE_ABOVE_SHARE:.0%} of the ${budget_usd:g} budget ({usd(threshold)}); "
                                         f"using {chain[0]} at {usd(estimates[chain[0]])}")
