"""The kinds of rule as the county reports name them (terminal and HTML), and the sentence on
the rules that are points for the dialogue rather than handlingsplaner."""

from __future__ import annotations

from engine.evaluate.batch import RulebookOverview
from engine.evaluate.findings import SHORTFALLS

KIND_ORDER = ("krav", "forslag", "riktlinje", "malniva", "lag", "dialog")
KIND_HEADINGS = {"krav": "Krav", "forslag": "Förslag till krav [förslag]",
                 "riktlinje": "Riktlinjer", "malniva": "Målnivåer", "lag": "Lagkrav",
                 "dialog": "Dialogfrågor"}
KIND_VERB = {"krav": "uppfyller", "forslag": "uppfyller", "riktlinje": "följer", "malniva": "når",
             "lag": "uppfyller", "dialog": "besvarar"}


def dialogue_sentence(overviews: list[RulebookOverview]) -> str:
    """How many riktlinjer, målnivåer and lagkrav some unit falls short of: RULES, with the
    units' outcomes as the second figure (28 units short of one målnivå is one rule)."""
    rules = [s for ov in overviews for s in ov.dialogue_rules]
    if not rules:
        return "Alla enheter följer riktlinjerna, målnivåerna och lagkraven som gäller dem."
    outcomes = sum(s.counts[o] for s in rules for o in SHORTFALLS)
    units = len({r.path for ov in overviews for r in ov.rows if r.observations})
    return (f"{len(rules)} {'regel' if len(rules) == 1 else 'regler'} (riktlinjer, målnivåer, "
            f"lagkrav och förslag) följs inte av alla enheter: {outcomes} utfall hos {units} "
            "enheter att ta upp i dialoguppföljningen (ingen handlingsplan eller vite).")
