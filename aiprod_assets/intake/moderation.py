"""Pre-render moderation: local rules with named categories, run on the brief and on every shot prompt.

Hard categories are refused at intake. Soft ones let the job go on, but only a person's approval lets a
paid backend render it (previz still renders, so the reviewer has something to judge). The rules look for
meaning, not single words: "shoot the scene", "a killer app" and "a bloody mary" are innocent.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

Severity = Literal["hard", "soft"]

_MINOR = (r"\b(child(ren)?|kids?|minors?|under-?age|teen(age(rs?)?)?s?|pre-?teens?|schoolgirls?|schoolboys?"
          r"|little (girls?|boys?)|(1[0-7]|[1-9])[- ]year[- ]olds?|toddlers?|infants?)\b")
_SEXUAL = r"\b(nude|naked|sexual(ly)?|sex|erotic|explicit|porn\w*|undress\w*|lingerie|seductive(ly)?|intimate)\b"
_HOW_TO = (r"\b(how to|instructions?|step[- ]by[- ]step|recipe|guide|tutorial|blueprints?|diy|"
           r"(show|teach)\w* (me |us |viewers )?how)\b")
_WEAPON = (r"\b((?<!bath )(?<!photo )(?<!cherry )bombs?|explosives|explosive (devices?|charges?)|detonators?|ied|pipe bombs?|nerve agents?|"
           r"sarin|ricin|napalm|molotov|ghost guns?|silencers?|untraceable (gun|firearm)s?|"
           r"3d[- ]printed (gun|firearm)s?|full[- ]auto conversion)\b")

# Public figures whose likeness a brief might ask for; a deployment extends it with its own.
PUBLIC_FIGURES = ("taylor swift", "elon musk", "barack obama", "donald trump", "joe biden", "tom cruise",
                  "beyonce", "beyoncé", "pope francis", "king charles", "oprah winfrey", "keanu reeves",
                  "scarlett johansson", "lionel messi", "cristiano ronaldo", "kim kardashian")
TRADEMARKS = ("coca-cola", "coke can", "pepsi", "nike", "adidas", "iphone", "ipad", "macbook", "mcdonald's",
              "mcdonalds", "disney", "mickey mouse", "starbucks", "marvel", "pikachu", "pokemon", "pokémon",
              "lego", "ferrari", "lamborghini", "red bull", "playstation", "xbox", "hello kitty", "batman",
              "spider-man", "spiderman", "star wars", "harry potter")


@dataclass(frozen=True)
class Rule:
    category: str
    severity: Severity
    pattern: re.Pattern[str]
    # A rule that needs two things in one sentence: the pattern and this one.
    with_pattern: re.Pattern[str] | None = None


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


def _names(names: tuple[str, ...]) -> re.Pattern[str]:
    return _rx(r"(?<![\w-])(" + "|".join(re.escape(n) for n in names) + r")(?![\w-])")


RULES: tuple[Rule, ...] = (
    Rule("sexual content involving minors", "hard", _rx(_MINOR), _rx(_SEXUAL)),
    Rule("instructions for weapons", "hard", _rx(_HOW_TO + r"|\b(build|make|assembl\w*|synthesi[sz]\w*|mix\w*)\b"
                                              r"[^.]{0,40}" + _WEAPON), _rx(_WEAPON)),
    Rule("graphic violence", "soft", _rx(
        r"\b(gore|gory|dismember\w*|decapitat\w*|behead\w*|mutilat\w*|disembowel\w*|torture[ds]?|torturing|"
        r"massacre[ds]?|slaughter(s|ed|ing)? (of )?(people|civilians|villagers|children)|"
        r"blood (spray\w*|splatter\w*|pool\w*|gush\w*)|(shot|stabbed|stabs|stabbing) (him|her|them|someone|a man|"
        r"a woman|the victim)\b[^.]{0,20}\b(head|chest|neck|throat|repeatedly)|execution[- ]style|corpses?)\b")),
    Rule("self-harm", "soft", _rx(
        r"\b(suicid\w*|self[- ]harm\w*|overdos\w*|slit(s|ting)? (his|her|their|my) wrists?|"
        r"(cut|cuts|cutting|hurt|hurts|hurting|kill|kills|killing|hang|hangs|hanging) "
        r"(himself|herself|themselves|myself|yourself))\b")),
    Rule("hate", "soft", _rx(
        r"\b(ethnic cleansing|white power|racial slurs?|hate (speech|rally|symbols?)|nazi (salute|propaganda|rally|"
        r"flag)|swastikas?|(inferior|subhuman|vermin) (race|people|races)|master race|"
        r"(exterminate|wipe out|get rid of) (the |all )?(jews|muslims|christians|immigrants|refugees|blacks|whites|"
        r"gays|asians|mexicans))\b")),
    Rule("real-person likeness", "soft", _rx(
        r"\b(deep ?fakes?|in the likeness of|face[- ]swap\w*|looks? exactly like (the )?(real|actual|president|"
        r"senator|prime minister|actor|actress|singer))\b")),
    Rule("real-person likeness", "soft", _names(PUBLIC_FIGURES)),
    Rule("trademarks", "soft", _names(TRADEMARKS)),
    Rule("trademarks", "soft", _rx(r"\b(logo of|branded with|brand logo|trademarked|the [A-Z]\w+ logo)\b")),
)


@dataclass(frozen=True)
class Flag:
    category: str
    severity: Severity
    field: str
    evidence: str

    def line(self) -> str:
        return f"{self.field}: {self.category} ({self.severity}) — {self.evidence!r}"


def _sentences(text: str) -> list[str]:
    folded = unicodedata.normalize("NFKC", text)
    return [s for s in re.split(r"(?<=[.!?;])\s+|\n+", folded) if s.strip()]


def moderate(text: str, field: str) -> list[Flag]:
    """Every category ``text`` falls in, at most once each, with the words that matched."""
    flags: dict[str, Flag] = {}
    for sentence in _sentences(text):
        for rule in RULES:
            found = rule.pattern.search(sentence)
            if not found or rule.category in flags:
                continue
            if rule.with_pattern is not None:
                second = rule.with_pattern.search(sentence)
                if not second:
                    continue
                evidence = f"{found.group(0)} … {second.group(0)}"
            else:
                evidence = found.group(0)
            flags[rule.category] = Flag(rule.category, rule.severity, field, evidence)
    return list(flags.values())


def hard_flags(flags: list[Flag]) -> list[Flag]:
    return [f for f in flags if f.severity == "hard"]


def soft_flags(flags: list[Flag]) -> list[Flag]:
    return [f for f in flags if f.severity == "soft"]
