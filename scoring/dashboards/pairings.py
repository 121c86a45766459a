"""Pairing suggestions (结对共建, 星别互补).

For each village at three stars or fewer, partners are villages at a higher level that
hold at least one of the stars it lacks: those of the same town first, then of the
county; within each, the nearest level first, then the one covering more of the missing
stars, then the division code. Pure functions over plain rows, so the rule is testable.
"""

from __future__ import annotations

from dataclasses import dataclass

from scoring.engine import STAR_CODES

MAX_LEVEL_TO_PAIR = 3
SUGGESTIONS_PER_VILLAGE = 3


@dataclass(frozen=True)
class Candidate:
    village_id: int
    code: str
    name: str
    level: int
    stars: frozenset[str]


@dataclass(frozen=True)
class Suggestion:
    partner: Candidate
    stars: tuple[str, ...]  # the partner's stars the village lacks, in star order
    same_town: bool

    @property
    def star_names(self) -> list[str]:
        from scoring.stars import StarCode
        return [StarCode(s).label for s in self.stars]


def suggest(village: Candidate, town: list[Candidate], county: list[Candidate],
            limit: int = SUGGESTIONS_PER_VILLAGE) -> list[Suggestion]:
    if village.level > MAX_LEVEL_TO_PAIR:
        return []
    lacking = set(STAR_CODES) - village.stars
    found: list[Suggestion] = []
    for pool, same_town in ((town, True), (county, False)):
        ranked = []
        for other in pool:
            covered = tuple(s for s in STAR_CODES if s in lacking and s in other.stars)
            if other.village_id == village.village_id or other.level <= village.level \
                    or not covered:
                continue
            ranked.append(((other.level - village.level, -len(covered), other.code),
                           Suggestion(other, covered, same_town)))
        found += [s for _key, s in sorted(ranked, key=lambda pair: pair[0])]
        if len(found) >= limit:
            break
    return found[:limit]
