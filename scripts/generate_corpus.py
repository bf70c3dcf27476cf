#!/usr/bin/env python3
"""Write synthetic årsbokslut for a county: the 28 Jämtland units of 2021–2023, or a larger corpus.

    python scripts/generate_corpus.py --force                # 28 units -> submissions/jamtland/2021…2023/
    python scripts/generate_corpus.py --year 2022 --out /tmp/c   # one year
    python scripts/generate_corpus.py --units 1200 --out /tmp/corpus-1200   # for benchmarks

The years 2021 and 2022 are the same units a year and two years earlier, from their own random
streams (2023 stays byte for byte what it was); seed 004's comparisons of 2023 with 2022 hold
exactly (see YEAR_2022 and check_year below).

With 28 units (the default) every county figure in section 3 of the domain note
(shared/domain/arsbokslut-2023.md, "Fixture invariants" 3c) holds exactly: Σ listade 133 599 with
min 701 and max 12 803, extern regi ≈ 17,5 % of listade, CNI 0,68–1,24, SÄBO in 26 units,
Σ vårdkontakter 600 261, Σ hembesök 16 727, bemanning 15/7/6, 2 units below the
distriktssköterske-krav (each with a handlingsplan), 0:an unit means 62–100 around 86, and so on.
Region-level percentages are read as the unweighted mean of the unit values at the precision
printed (the source does not say how it aggregates, DQ20). The script checks every invariant
after generating and refuses to write a corpus that misses one.

With another --units N the same distributions are used and the county totals are scaled by N/28
(counts of units by N/28); nothing is asserted beyond the submission format. Every unit is in
Region Jämtland Härjedalen, because that is the region the rulebooks cover.

Names are fictional ("Hälsocentralen Tjärnvik"); all numbers are synthetic. The output is the
same bytes for the same --seed and --units, and is written in the style of
submissions/examples/2023/exempelbyn.yaml (comments with the question numbers, same key order).
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import random
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

REGION = "Region Jämtland Härjedalen"
YEAR = 2023
N_COUNTY = 28

# The published county figures for 2023 (domain note, section 3a/3c).
LISTADE_SUM, LISTADE_MIN, LISTADE_MAX = 133_599, 701, 12_803
EXTERN_SHARE = 17.5
CNI_MIN, CNI_MAX = 0.68, 1.24
VARDKONTAKTER_SUM, HEMBESOK_SUM = 600_261, 16_727
UPPDRAG = {"sabo": 26, "familjecentral": 25, "fortbildningssamordnare": 6, "ambulans": 1,
           "at_lakare": 16, "st_lakare": 24, "bt_lakare": 2, "stp_ptp_psykolog": 4}
BEMANNING = {"ja": 15, "delvis": 7, "nej": 6}
DSK_BELOW = 2  # units below the distriktssköterske-krav
EVENING, PHONE_LIMITED = 5, 7
EXTERN_UNITS = 7
EXTERN_ECONOMY = {"balans": 3, "underskott": 2, "ej_klart": 2}
# Where seed 004 gives words, not numbers, the counts below are the rulebook author's reading of
# them (out of 28; scaled for other --units):
# - "Nästan alla hälsocentraler använder Medrave" (l.1094): all but two use it.
MEDRAVE_NO = 2
# - "Många hälsocentraler som har tidsbokad callback" (l.43): a majority has tidsbokad callback;
#   the 21 reachable all day use "callback eller öppen telefon" (l.347).
PHONE_METHODS = {"tidsbokad_callback": 16, "callback": 5, "oppen_telefon": 7}
# - fast läkarkontakt and fast vårdkontakt: "Några anser sig uppfylla det helt och andra delvis"
#   (l.850–851, l.871–872): a few (2–5) helt, the rest delvis.
FAST_LAKARE_HELT, FAST_VARD_HELT = 3, 4
# - årlig läkemedelsgenomgång (2.4.5): "Några uttrycker förbättringspotential" (l.666): delvis
#   for a few, helt for the rest; all follow up the verksamhetsansvar by rounds (2.4.7, l.704–710).
LMG_DELVIS = 3
# - Ko05L/Ko05S "har sjunkit med motsvarande 3 [5] procentenheter jmf med 2022" (l.494, l.535),
#   read as index hundredths: each unit's 2022 value is its 2023 value plus these steps, which
#   alternate so that the county mean falls by exactly 0,03 and 0,05.
KO05_DROP = {"ko05l": (0.01, 0.05), "ko05s": (0.03, 0.07)}
# (mean, low, high, decimals): unit values within [low, high], both bounds taken by a unit when
# `bounds` says so; the unweighted unit mean rounds to `mean` at `decimals`.
INDICATORS = {
    "tillganglighet_0an_procent": (86, 62, 100, 0, True),
    "tillganglighet_3an_procent": (70.3, 57.2, 92.8, 1, True),
    "di03l1_procent": (63.3, 52.4, 76.4, 1, True),
    "hba1c_over_70_procent": (7.4, 3.1, 12.6, 1, False),
    "dep04_procent": (35.1, 18.0, 54.0, 1, False),
    "an04_procent": (34.1, 16.5, 52.0, 1, False),
    "kol02a_procent": (63.9, 41.0, 84.0, 1, False),
    "ald02_procent": (77.5, 60.0, 93.0, 1, False),
    "tackningsgrad_procent": (65, 55, 76, 0, False),
    "ko05l": (0.32, 0.18, 0.49, 2, False),
    "ko05s": (0.33, 0.17, 0.52, 2, False),
    "halsosamtal_erbjudna_procent": (66, 22, 98, 0, False),
    "halsosamtal_genomforda_procent": (27, 6, 55, 0, False),
}

PREFIXES = ["Tjärn", "Myr", "Gran", "Björk", "Rös", "Ljung", "Sten", "Älv", "Fur", "Lav", "Hägg",
            "Sälg", "Tall", "Ren", "Lom", "Ori", "Skarv", "Mo", "Vit", "Rot", "Åker", "Sjö",
            "Berg", "Kvarn", "Lid", "Nor", "Sunn", "Väst", "Öst", "Hed", "Ekor", "Blå", "Gull",
            "Hök", "Järv", "Lodjur", "Mås", "Näck", "Tjäder", "Uggle"]
SUFFIXES = ["vik", "backa", "liden", "strand", "åker", "näset", "holmen", "åsen", "dalen", "byn",
            "sjön", "forsen", "berget", "myren", "tjärn", "viken", "ängen", "lunden", "hed", "ås",
            "mo", "sund", "bodarna", "vallen", "gården", "torp", "fjäll", "höjden", "udden", "ön"]
COUNTY_NAMES = ["Tjärnvik", "Myrbacka", "Granliden", "Björkstrand", "Rösåker", "Ljungnäset",
                "Stenholmen", "Älvåsen", "Furudalen", "Lavbyn", "Häggsjön", "Sälgforsen",
                "Tallberget", "Renmyren", "Lomtjärn", "Orrviken", "Skarvängen", "Molunden",
                "Vitheden", "Rotåsen", "Åkermo", "Sjösund", "Bergbodarna", "Kvarnvallen",
                "Lidgården", "Nortorp", "Sunnfjäll", "Västhöjden"]

WEEKDAYS = ["mandag", "tisdag", "onsdag", "torsdag", "fredag"]


# --- numbers that add up -----------------------------------------------------------------------


def _nudge_to_sum(vals: list[int], free: list[int], target: int, lo: int, hi: int) -> None:
    """Step the free values by one, in turn, until they sum to target, each kept strictly
    between lo and hi (integers in the figure's smallest unit, so the mean is exact)."""
    diff = target - sum(vals)
    k = 0
    while diff != 0:
        i = free[k % len(free)]
        step = 1 if diff > 0 else -1
        if lo < vals[i] + step < hi:
            vals[i] += step
            diff -= step
        k += 1
        if k > 10_000_000:
            raise RuntimeError("kunde inte nå medelvärdet")

def split_total(total: int, weights: list[float], minimum: int = 1) -> list[int]:
    """Integers in proportion to weights that add up to total exactly (largest remainder)."""
    s = sum(weights)
    raw = [total * w / s for w in weights]
    out = [max(minimum, math.floor(r)) for r in raw]
    rest = total - sum(out)
    order = sorted(range(len(raw)), key=lambda i: (-(raw[i] - math.floor(raw[i])), i))
    i = 0
    while rest != 0:
        j = order[i % len(order)]
        step = 1 if rest > 0 else -1
        if out[j] + step >= minimum:
            out[j] += step
            rest -= step
        i += 1
    return out


def with_mean(rng: random.Random, n: int, mean: float, low: float, high: float, decimals: int,
              bounds: bool) -> list[float]:
    """n values in [low, high] at `decimals`, whose mean is `mean` exactly (in those steps);
    with `bounds`, one value is `low` and one is `high`."""
    scale = 10 ** decimals
    lo, hi = round(low * scale), round(high * scale)
    target = round(mean * scale * n)
    spread = (hi - lo) / 5
    vals = [min(hi - 1, max(lo + 1, round(rng.gauss(mean * scale, spread)))) for _ in range(n)]
    fixed = set()
    if bounds:
        vals[0], vals[1] = lo, hi
        fixed = {0, 1}
    _nudge_to_sum(vals, [i for i in range(n) if i not in fixed], target, lo, hi)
    rng.shuffle(vals)
    return [v / scale for v in vals]


# --- one unit ----------------------------------------------------------------------------------

@dataclass
class Unit:
    index: int
    name: str
    slug: str
    listade: int = 0
    regi: str = "regiondriven"
    uppdrag: list[str] = field(default_factory=list)
    values: dict = field(default_factory=dict)


def slugify(name: str) -> str:
    table = str.maketrans({"å": "a", "ä": "a", "ö": "o", "Å": "a", "Ä": "a", "Ö": "o"})
    return name.translate(table).lower().replace(" ", "-")


def unit_names(n: int) -> list[str]:
    if n <= len(COUNTY_NAMES):
        return COUNTY_NAMES[:n]
    names = []
    for i in range(n):
        p = PREFIXES[i % len(PREFIXES)]
        s = SUFFIXES[(i // len(PREFIXES) + i) % len(SUFFIXES)]
        lap = i // (len(PREFIXES) * len(SUFFIXES))
        names.append(f"{p}{s}" + (f" {lap + 1}" if lap else ""))
    if len(set(names)) != n:
        raise RuntimeError("namnen är inte unika")
    return names


def scaled(count: int, n: int) -> int:
    return count if n == N_COUNTY else max(1, round(count * n / N_COUNTY))


def pick(rng: random.Random, items: list, k: int) -> set:
    return set(rng.sample(items, k))


def build(n: int, seed: int) -> list[Unit]:
    rng = random.Random(seed)
    units = [Unit(i, name, slugify(name)) for i, name in enumerate(unit_names(n))]
    idx = list(range(n))

    # 2.1.1 antal listade: one unit at the published minimum and one at the maximum.
    total = round(LISTADE_SUM * n / N_COUNTY)
    weights = [rng.lognormvariate(0, 0.55) for _ in range(n - 2)]
    rest = split_total(total - LISTADE_MIN - LISTADE_MAX, weights, minimum=LISTADE_MIN + 1)
    rest = [min(v, LISTADE_MAX - 1) for v in rest]
    diff = total - LISTADE_MIN - LISTADE_MAX - sum(rest)
    for j in sorted(range(len(rest)), key=lambda j: (-rest[j], j)):
        room = (LISTADE_MAX - 1 - rest[j]) if diff > 0 else -(rest[j] - LISTADE_MIN - 1)
        step = min(diff, room) if diff > 0 else max(diff, room)
        rest[j] += step
        diff -= step
    listade = [LISTADE_MIN, LISTADE_MAX] + rest
    rng.shuffle(listade)
    for u, v in zip(units, listade):
        u.listade = v
    if max(listade) != LISTADE_MAX or min(listade) != LISTADE_MIN:
        raise RuntimeError("min/max för listade håller inte; byt --seed")

    # Regi: extern units hold 17,5 % of the listade (to one decimal).
    n_ext = scaled(EXTERN_UNITS, n)
    best = None
    candidates = [i for i in idx if units[i].listade not in (LISTADE_MIN, LISTADE_MAX)]
    for _ in range(20_000):
        chosen = rng.sample(candidates, n_ext)
        share = sum(units[i].listade for i in chosen) / total * 100
        if round(share, 1) == EXTERN_SHARE:
            best = chosen
            break
        if best is None or abs(share - EXTERN_SHARE) < abs(
                sum(units[i].listade for i in best) / total * 100 - EXTERN_SHARE):
            best = chosen
    for i in best:
        units[i].regi = "extern"

    # 2.1.4 tilläggsuppdrag: the smallest units lack SÄBO.
    by_size = sorted(idx, key=lambda i: (units[i].listade, i))
    no_sabo = set(by_size[: n - scaled(UPPDRAG["sabo"], n)])
    for name, count in UPPDRAG.items():
        k = scaled(count, n)
        if name == "sabo":
            chosen = set(idx) - no_sabo
        elif name == "at_lakare":
            chosen = set(sorted(idx, key=lambda i: (-units[i].listade, i))[:k])
        else:
            chosen = pick(rng, idx, k)
        for i in sorted(chosen):
            units[i].uppdrag.append(name)

    # 2.2.2 and 2.2.4: vårdkontakter and hembesök add up to the county totals.
    kontakter = split_total(round(VARDKONTAKTER_SUM * n / N_COUNTY),
                            [u.listade * rng.uniform(0.8, 1.2) for u in units])
    hembesok = split_total(round(HEMBESOK_SUM * n / N_COUNTY),
                           [u.listade * rng.uniform(0.6, 1.4) for u in units])
    cni = with_mean(rng, n, 0.96, CNI_MIN, CNI_MAX, 2, True)

    # Distributions of answers, counts scaled from the county.
    bem = []
    for answer, count in BEMANNING.items():
        bem += [answer] * scaled(count, n)
    bem = (bem + ["ja"] * n)[:n]
    rng.shuffle(bem)
    # The units below the distriktssköterske-krav are among those without a satisfactory staffing.
    short = [i for i in idx if bem[i] != "ja"]
    dsk_below = set(rng.sample(short, scaled(DSK_BELOW, n)))
    exactly_50 = min(dsk_below)  # "mer än 50 %" is strict: exactly 50,0 % does not meet the krav

    regular = [i for i in idx]
    rng.shuffle(regular)
    deviant_hours = regular[:2] if n >= 3 else []
    evening = set(regular[2:2 + scaled(EVENING, n)])
    weekend = set(sorted(evening)[:2])
    limited_phone = set(rng.sample([i for i in idx if i not in deviant_hours[:1]],
                                   scaled(PHONE_LIMITED, n)))

    extern = [i for i in idx if units[i].regi == "extern"]
    economy = []
    for answer, count in EXTERN_ECONOMY.items():
        economy += [answer] * count
    economy = (economy * (len(extern) // len(economy) + 1))[:len(extern)]
    rng.shuffle(economy)
    extern_economy = dict(zip(extern, economy))

    indicator = {k: with_mean(rng, n, *spec) for k, spec in INDICATORS.items()}
    sabo_units = [i for i in idx if "sabo" in units[i].uppdrag]
    sabo_delvis = set(rng.sample(sabo_units, round(len(sabo_units) * 9 / 26)))
    missing_competence = set(rng.sample(idx, max(1, round(n * 5 / 28))))
    from_other_county = by_size[len(by_size) // 2]

    for i, u in enumerate(units):
        v = u.values
        v["hsa_id"] = f"SE2321000207-E{1000000000 + i + 1:010d}"
        v["inlamnad"] = dt.date(YEAR + 1, 2, 1) + dt.timedelta(days=rng.randrange(0, 29))
        v["listade_fran_annat_lan"] = 700 if i == from_other_county else rng.choice(
            [None, rng.randrange(5, 160)])
        v["aktivt_val"] = round(rng.uniform(28, 62), 1)
        v["cni"] = cni[i]
        v["kontakter"], v["hembesok"] = kontakter[i], hembesok[i]
        v["patienter"] = round(u.listade * rng.uniform(0.62, 0.82))
        v["akutbesok"] = rng.randrange(120, 320)
        v["hemsjukvard"] = None if rng.random() < 0.6 else rng.randrange(20, 260)
        v["sabo_riktlinje"] = ("delvis" if i in sabo_delvis else "helt") if "sabo" in u.uppdrag else None
        # 2.2.7 öppettider
        if deviant_hours and i == deviant_hours[0]:
            v["oppettider"] = {d: "09:00-16:00" for d in WEEKDAYS[:4]}
            v["oppettider_kommentar"] = "öppet måndag–torsdag"
        elif deviant_hours and i == deviant_hours[1]:
            v["oppettider"] = {d: "08:00-17:00" for d in WEEKDAYS[:4]}
            v["oppettider_kommentar"] = "fredagar varannan vecka, se kommentar"
        else:
            hours = {d: "08:00-17:00" for d in WEEKDAYS}
            if i in evening:
                hours[rng.choice(WEEKDAYS[:4])] = rng.choice(["08:00-19:00", "08:00-20:00"])
            if i in weekend:
                hours["lordag"] = "10:00-14:00"
            v["oppettider"] = hours
        # 2.2.8 telefon
        full_day = 7 if deviant_hours and i == deviant_hours[0] else 8
        v["telefon_timmar"] = (rng.choice([1.5, 2, 2.5, 3, 4, 5]) if i in limited_phone else full_day)
        v["telefon_metod"] = rng.choice(["callback", "tidsbokad_callback", "oppen_telefon"])
        # 2.3 bemanning
        v["bemanning"] = bem[i]
        size = max(u.listade, 1500)
        # Årsarbetare in tenths, so that shares are decided on exact values.
        lak_tot = max(8, round(size / rng.uniform(130, 190)))
        at_bt_st = round(lak_tot * rng.uniform(0.1, 0.3)) if set(u.uppdrag) & {
            "at_lakare", "st_lakare", "bt_lakare"} else 0
        base = lak_tot - at_bt_st
        spec = min(base, max(base // 2 + 1, round(base * rng.uniform(0.58, 0.95))))
        v["lakare"] = (lak_tot / 10, at_bt_st / 10, spec / 10)
        ssk_tot = max(16, round(size / rng.uniform(60, 90)))
        if i == exactly_50:
            ssk_tot += ssk_tot % 2
            dsk = ssk_tot // 2
        elif i in dsk_below:
            dsk = round(ssk_tot * rng.uniform(0.36, 0.47))
        else:
            dsk = min(ssk_tot, max(ssk_tot // 2 + 1, round(ssk_tot * rng.uniform(0.56, 0.9))))
        ssk_tot, dsk = ssk_tot / 10, dsk / 10
        v["ssk"] = (ssk_tot, dsk)
        v["dsk_handlingsplan"] = i in dsk_below
        v["vakanser"] = {} if bem[i] == "ja" else {
            "lakare": rng.randrange(1, 3), "distriktsskoterskor": rng.randrange(0, 3)}
        v["saknade"] = (["psykolog (köps av en annan hälsocentral)"] if i in missing_competence
                        else [])
        for key in INDICATORS:
            v[key] = indicator[key][i]
        v["rehab_omfattning"] = rng.choice([20, 25, 40, 50, 75, 100])
        v["fast_lakare"] = rng.choice(["helt", "delvis", "delvis"])
        v["fast_vard"] = rng.choice(["helt", "helt", "delvis"])
        # SÄBO
        if "sabo" in u.uppdrag:
            ny = max(2, round(u.listade / rng.uniform(350, 600)))
            v["sabo"] = (max(8, round(u.listade / rng.uniform(120, 200))), ny,
                         ny - rng.choice([0, 0, 0, 1, 2]) if ny > 2 else ny,
                         rng.choice([72, 80, 85, 88, 91, 95, 100, 100]))
        v["ekonomi"] = (extern_economy[i] if u.regi == "extern"
                        else rng.choice(["underskott", "underskott", "balans"]))
        v["brutet"] = "ja" if u.regi == "extern" and v["ekonomi"] == "ej_klart" else "nej"
    worded(units, seed)
    return units


def worded(units: list[Unit], seed: int) -> None:
    """The answers the seed describes in words (see MEDRAVE_NO … above), from their own random
    stream so that every other value of the corpus stays as it was."""
    rng = random.Random(f"worded-{seed}")
    n = len(units)
    idx = list(range(n))
    medrave_no = pick(rng, idx, scaled(MEDRAVE_NO, n))
    methods: list[str] = []
    for method, count in PHONE_METHODS.items():
        methods += [method] * scaled(count, n)
    methods = (methods + ["oppen_telefon"] * n)[:n]
    rng.shuffle(methods)
    lakare_helt = pick(rng, idx, scaled(FAST_LAKARE_HELT, n))
    vard_helt = pick(rng, idx, scaled(FAST_VARD_HELT, n))
    lmg_delvis = pick(rng, idx, scaled(LMG_DELVIS, n))
    for i, u in enumerate(units):
        v = u.values
        v["medrave"] = "nej" if i in medrave_no else "ja"
        v["telefon_metod"] = methods[i]
        v["fast_lakare"] = "helt" if i in lakare_helt else "delvis"
        v["fast_vard"] = "helt" if i in vard_helt else "delvis"
        v["lmg_arlig"] = "delvis" if i in lmg_delvis else "helt"
        for key, steps in KO05_DROP.items():
            v[key + "_prev"] = min(1.0, round(v[key] + steps[i % 2], 2))


# --- the years before: 2022 and 2021 -----------------------------------------------------------
#
# The same 28 units (names, HSA-ids, regi, tilläggsuppdrag, staffing) a year and two years
# earlier. Every "jämfört med 2022" figure of seed 004 holds for 2022 against 2023 (checked by
# check_year before anything is written; the figures and their lines are in YEAR_2022). Where
# the seed gives no 2022 figure, and for all of 2021 except the extern share, the values are the
# later year's with noise (an assumption: the seed says nothing about them).
EARLIER_YEARS = (2021, 2022)
# 2022 from seed 004 (line numbers there):
YEAR_2022 = {
    "listade_sum": LISTADE_SUM - 997,  # "har ökat med 997 jmf med året innan" (l.90)
    "extern_share": EXTERN_SHARE - 1,  # "ökat med 1 procentenhet jmf med 2022, till 17,5%" (l.9–11)
    "vardkontakter_sum": VARDKONTAKTER_SUM - 38_572,  # "ökning med 38 572 (7%) fler kontakter" (l.211)
    "patienter_diff": 161,  # "och 161 (0,1%) fler patienter" (l.211)
    "hembesok_sum": HEMBESOK_SUM - 2_064,  # "med 2064 besök (14%)" (l.266)
    "telefon_hela_dagen": 12,  # "jmf med 2022 då motsvarande siffra var 12" (l.349)
}
# (mean in 2022, low, high, decimals, bounds): bounds means both are taken by a unit.
INDICATORS_2022 = {
    "tillganglighet_0an_procent": (86 - 3, 40, 100, 0, False),  # "förbättring med tre procentenheter" (l.783)
    "tillganglighet_3an_procent": (70.3 + 1.5, 45.0, 95.0, 1, False),  # "minskning med 1,5 procentenhet" (l.818)
    "di03l1_procent": (59.5, 45.3, 74.0, 1, True),  # "ökning med närmare 4 procentenheter", "45,3- 74%" (l.929–931)
    "hba1c_over_70_procent": (7.4 + 0.6, 2.0, 15.0, 1, False),  # "förbättring på 0,6 procentenheter" (l.960)
    "dep04_procent": (34.0, 10.0, 60.0, 1, False),  # "35,1% jmf med 34% 2022" (l.988)
    "an04_procent": (32.1, 10.0, 60.0, 1, False),  # "34,1% jmf med 32,1% 2022" (l.1014)
    "tackningsgrad_procent": (65, 50, 80, 0, False),  # "oförändrad jmf med 2022" (l.457)
}
# 2021: "82,5% … 17,5% … jmf med 2021 då motsvarande data var 83,5 respektive 16,5%" (l.104).
# Listade grew every year ("för tionde året i rad", l.90); by how much in 2022 is not published:
# the corpus assumes 900.
YEAR_2021 = {"listade_sum": YEAR_2022["listade_sum"] - 900, "extern_share": 16.5}
NOISE = {"tillganglighet_0an_procent": (3, 40, 100, 0), "tillganglighet_3an_procent": (2.5, 45, 95, 1),
         "di03l1_procent": (2.5, 40, 80, 1), "hba1c_over_70_procent": (0.8, 2, 15, 1),
         "dep04_procent": (3, 10, 60, 1), "an04_procent": (3, 10, 60, 1),
         "kol02a_procent": (3, 35, 90, 1), "ald02_procent": (3, 50, 97, 1),
         "tackningsgrad_procent": (2, 50, 80, 0), "halsosamtal_erbjudna_procent": (5, 10, 99, 0),
         "halsosamtal_genomforda_procent": (4, 3, 60, 0)}


def shifted(rng: random.Random, base: list[float], mean: float | None, low: float, high: float,
            decimals: int, spread: float, bounds: bool = False) -> list[float]:
    """Each base value moved by noise, in [low, high] at `decimals`; with `mean`, moved on so that
    the mean is exactly `mean` (in those steps); with `bounds`, one value is `low`, one `high`."""
    scale = 10 ** decimals
    lo, hi = round(low * scale), round(high * scale)
    shift = 0 if mean is None else mean * scale - sum(base) * scale / len(base)
    vals = [min(hi - 1, max(lo + 1, round(b * scale + shift + rng.gauss(0, spread * scale))))
            for b in base]
    fixed = set()
    if bounds:
        i_lo, i_hi = vals.index(min(vals)), vals.index(max(vals))
        vals[i_lo], vals[i_hi] = lo, hi
        fixed = {i_lo, i_hi}
    if mean is not None:
        _nudge_to_sum(vals, [i for i in range(len(vals)) if i not in fixed],
                      round(mean * scale * len(vals)), lo, hi)
    return [v / scale for v in vals]


def listade_with_share(rng: random.Random, later: list[Unit], total: int, share: float) -> list[int]:
    """Listade per unit adding up to `total`, extern units holding `share` % (to one decimal)."""
    ext = round(total * share / 100)
    out = [0] * len(later)
    for is_ext, group_total in ((True, ext), (False, total - ext)):
        members = [i for i, u in enumerate(later) if (u.regi == "extern") == is_ext]
        split = split_total(group_total, [later[i].listade * rng.uniform(0.97, 1.03) for i in members],
                            minimum=300)
        for i, v in zip(members, split):
            out[i] = v
    return out


def earlier_year(later: list[Unit], year: int, seed: int) -> list[Unit]:
    """The units a year before `later` (2022 from 2023, 2021 from 2022), from their own random
    stream so that 2023 stays as it was."""
    rng = random.Random(f"year-{year}-{seed}")
    n = len(later)
    is_2022 = year == YEAR - 1
    spec = YEAR_2022 if is_2022 else YEAR_2021
    total = round(spec["listade_sum"] * n / N_COUNTY)
    listade = listade_with_share(rng, later, total, spec["extern_share"])
    units = []
    for u, lst in zip(later, listade):
        v = dict(u.values)
        v["vakanser"] = dict(u.values["vakanser"])
        units.append(Unit(u.index, u.name, u.slug, lst, u.regi, list(u.uppdrag), v))
    if is_2022:
        kontakter = split_total(round(YEAR_2022["vardkontakter_sum"] * n / N_COUNTY),
                                [u.values["kontakter"] * rng.uniform(0.95, 1.05) for u in later])
        hembesok = split_total(round(YEAR_2022["hembesok_sum"] * n / N_COUNTY),
                               [u.values["hembesok"] * rng.uniform(0.9, 1.1) for u in later])
        patienter = split_total(sum(u.values["patienter"] for u in later) - YEAR_2022["patienter_diff"],
                                [u.values["patienter"] * rng.uniform(0.99, 1.01) for u in later])
    else:
        kontakter = [round(u.values["kontakter"] * rng.uniform(0.9, 1.0)) for u in later]
        hembesok = [round(u.values["hembesok"] * rng.uniform(0.85, 1.0)) for u in later]
        patienter = [round(u.values["patienter"] * rng.uniform(0.98, 1.0)) for u in later]
    for key, (spread, low, high, places) in NOISE.items():
        base = [u.values[key] for u in later]
        target = INDICATORS_2022.get(key) if is_2022 else None
        if target:
            mean, low, high, places, bounds = target
            vals = shifted(rng, base, mean, low, high, places, spread, bounds)
        else:
            vals = shifted(rng, base, None, low, high, places, spread)
        for u, x in zip(units, vals):
            u.values[key] = x
    # Ko05L/Ko05S: the year's index is the value the later year gave as its year before.
    for key in ("ko05l", "ko05s"):
        for u, lu in zip(units, later):
            u.values[key] = lu.values[key + "_prev"]
            u.values[key + "_prev"] = min(1.0, max(0.05, round(u.values[key] + rng.choice(
                [-0.03, -0.02, -0.01, 0.0, 0.01, 0.02, 0.03]), 2)))
    # Telefon: fewer units reachable all day the year before ("12" in 2022, l.349); 2021 as 2022.
    full = [i for i, u in enumerate(later) if u.values["telefon_timmar"] >= 7]
    want = scaled(YEAR_2022["telefon_hela_dagen"], n) if is_2022 else len(full)
    for i in sorted(rng.sample(full, max(0, len(full) - want))):
        units[i].values["telefon_timmar"] = rng.choice([1.5, 2, 2.5, 3, 4, 5])
    for i, u in enumerate(units):
        v = u.values
        v["kontakter"], v["hembesok"], v["patienter"] = kontakter[i], hembesok[i], patienter[i]
        v["inlamnad"] = v["inlamnad"].replace(year=year + 1) if v["inlamnad"].day <= 28 else \
            dt.date(year + 1, 2, 28)
        v["cni"] = min(1.3, max(0.6, round(v["cni"] + rng.choice([-0.02, -0.01, 0.0, 0.01, 0.02]), 2)))
        v["aktivt_val"] = min(70.0, max(20.0, round(v["aktivt_val"] + rng.uniform(-2, 2), 1)))
        v["akutbesok"] = max(80, v["akutbesok"] - rng.randrange(0, 15))  # "en liten ökning" 2023 (l.238)
    return units


def check_year(units: list[Unit], later: list[Unit], year: int) -> list[str]:
    """What does not hold of the published comparisons of 2023 with 2022 (empty when all do)."""
    bad = []

    def need(ok: bool, what: str):
        if not ok:
            bad.append(what)

    spec = YEAR_2022 if year == YEAR - 1 else YEAR_2021
    listade = sum(u.listade for u in units)
    need(listade == spec["listade_sum"], f"{year}: Σ listade {listade}")
    ext = sum(u.listade for u in units if u.regi == "extern") / listade * 100
    need(round(ext, 1) == spec["extern_share"], f"{year}: extern andel {ext:.2f}")
    for key in ("ko05l", "ko05s"):
        need([u.values[key] for u in units] == [u.values[key + "_prev"] for u in later],
             f"{year}: {key} som året efter angav")
    if year != YEAR - 1:
        return bad
    need(sum(u.values["kontakter"] for u in units) == YEAR_2022["vardkontakter_sum"], "2022: Σ vårdkontakter")
    need(sum(u.values["hembesok"] for u in units) == YEAR_2022["hembesok_sum"], "2022: Σ hembesök")
    need(sum(u.values["patienter"] for u in later) - sum(u.values["patienter"] for u in units)
         == YEAR_2022["patienter_diff"], "2022: Σ patienter")
    need(sum(u.values["telefon_timmar"] >= 7 for u in units) == YEAR_2022["telefon_hela_dagen"],
         "2022: telefon hela dagen")
    for key, (mean, low, high, places, bounds) in INDICATORS_2022.items():
        vals = [u.values[key] for u in units]
        need(round(sum(vals) / len(vals), places) == mean and low <= min(vals) and max(vals) <= high,
             f"2022: {key}")
        if bounds:
            need(min(vals) == low and max(vals) == high, f"2022: {key} gränser")
    return bad


# --- writing -----------------------------------------------------------------------------------

def swedish(i: int) -> bool:
    """Every fourth unit writes numbers the Swedish way ("63,3", "12 803")."""
    return i % 4 == 3


def num(value, unit: Unit, places: int | None = None) -> str:
    if value is None:
        return "null"
    if isinstance(value, int) or (isinstance(value, float) and places == 0):
        text = str(int(value))
        if swedish(unit.index) and abs(int(value)) >= 1000:
            text = f"{int(value):,}".replace(",", " ")
        return text
    text = f"{value:.{places}f}" if places is not None else repr(float(value))
    if swedish(unit.index):
        return f'"{text.replace(".", ",")}"'
    return text


def dec(value: float, places: int) -> float | int:
    return int(round(value)) if places == 0 else round(value, places)


def render(u: Unit, n: int, year: int = YEAR) -> str:
    v = u.values
    w = []
    add = w.append
    add(f"# Årsbokslut Hälsoval Region Jämtland Härjedalen – verksamhetsår {year}")
    add("# Syntetiskt årsbokslut, skrivet av scripts/generate_corpus.py. Enhetens namn är påhittat;")
    if n == N_COUNTY and year == YEAR:
        add("# siffrorna är slumpade men summerar till länets sammanställning för 2023 (28 enheter).")
    elif n == N_COUNTY:
        add(f"# siffrorna är slumpade men stämmer med sammanställningens jämförelser med {year}"
            " (28 enheter).")
    else:
        add(f"# siffrorna är slumpade ({n} enheter, för prestandamätning).")
    add("#")
    add("# Frågenumren i kommentarerna (2.1.1 …) är årsbokslutsformulärets.")
    add("# Andelar skrivs i procent (0–100). Årsarbetare (åa) är snitt över hela året.")
    add("")
    add(f"formular: arsbokslut-{year}")
    add("")
    add("enhet:")
    add(f"  namn: Hälsocentralen {u.name}")
    add(f"  hsa_id: {v['hsa_id']}")
    add(f"  region: {REGION}")
    add(f"  regi: {u.regi}")
    if u.uppdrag:
        add("  tillaggsuppdrag:                  # 2.1.4")
        for t in u.uppdrag:
            add(f"    - {t}")
    else:
        add("  tillaggsuppdrag: []               # 2.1.4")
    add("")
    add(f"period: {year}")
    add(f"inlamnad: {v['inlamnad'].isoformat()}")
    add("")
    add("forutsattningar:                    # 2.1")
    add(f"  antal_listade: {num(u.listade, u)}".ljust(35) + " " + "# 2.1.1, per december")
    add(f"  listade_fran_annat_lan: {num(v['listade_fran_annat_lan'], u)}")
    add(f"  andel_aktivt_val_procent: {num(v['aktivt_val'], u, 1)}".ljust(35) + " " + "# 2.1.2")
    add(f"  cni: {num(v['cni'], u, 2)}".ljust(35) + " " + "# 2.1.3")
    add("")
    add("verksamhet:                         # 2.2")
    add("  lakarinsatser_kommunal_vard:      # 2.2.1")
    add(f"    namngiven_lakare: {'ja' if 'sabo' in u.uppdrag else 'nej'}")
    hsv = v["hemsjukvard"]
    add(f"    antal_hemsjukvardspatienter: {num(hsv, u)}" + (
        "   # okänt – systemstöd saknas" if hsv is None else ""))
    add(f"  vardkontakter: {num(v['kontakter'], u)}".ljust(35) + " " + "# 2.2.2")
    add(f"  patienter: {num(v['patienter'], u)}")
    add(f"  akutbesok_per_1000_listade: {v['akutbesok']}".ljust(35) + " " + "# 2.2.3")
    add(f"  hembesok: {num(v['hembesok'], u)}".ljust(35) + " " + "# 2.2.4")
    add("  jour_och_beredskap: ja            # 2.2.5")
    if v["sabo_riktlinje"]:
        add(f"  sabo_riktlinje: {v['sabo_riktlinje']}".ljust(35) + " " + "# 2.2.6: helt | delvis | nej")
        if v["sabo_riktlinje"] == "delvis":
            add("  sabo_riktlinje_orsak_atgard: >-")
            add("    Årsbesöken och läkemedelsgenomgångarna har inte hunnits med fullt ut; läkaren har")
            add("    ibland haft kontakt via telefon i stället för fysiskt. SÄBO-dagar planeras 2024.")
    note = f", {v['oppettider_kommentar']}" if "oppettider_kommentar" in v else ""
    add("  oppettider:".ljust(35) + " " + "# 2.2.7" + note)
    for day, hours in v["oppettider"].items():
        add(f'    {day}: "{hours}"')
    add("  telefon:                          # 2.2.8")
    add(f"    metod: {v['telefon_metod']}")
    add(f"    timmar_per_dag: {num(v['telefon_timmar'], u, 1 if v['telefon_timmar'] % 1 else 0)}")
    add("  akut_kontaktvag: ja               # 2.2.9")
    add("")
    add("bemanning:                          # 2.3 Struktur för kvalitet")
    add(f"  tillfredsstallande: {v['bemanning']}".ljust(35) + " " + "# 2.3.1: ja | delvis | nej")
    if v["vakanser"]:
        add("  vakanta_tjanster:")
        for k, c in v["vakanser"].items():
            add(f"    {k}: {c}")
    lt, ab, sp = v["lakare"]
    add("  lakare_arsarbetare:               # 2.3.2, snitt över hela året")
    add(f"    totalt: {num(lt, u, 1)}")
    add(f"    at_bt_st: {num(ab, u, 1)}".ljust(35) + " " + "# räknas bort ur nämnaren")
    add(f"    specialister_allmanmedicin: {num(sp, u, 1)}")
    st, ds = v["ssk"]
    add("  sjukskoterskor_arsarbetare:       # 2.3.3, snitt över hela året")
    add(f"    totalt: {num(st, u, 1)}")
    add(f"    distriktsskoterskor: {num(ds, u, 1)}")
    if v["dsk_handlingsplan"]:
        add("  handlingsplaner:")
        add("    distriktsskoterskor: >-")
        add("      Två sjuksköterskor påbörjar specialistutbildning till distriktssköterska under")
        add("      2024; vakanta tjänster annonseras som distriktssköterska.")
    add("  basala_funktioner: ja             # 2.3.4 (förfrågningsunderlaget 3.1 Omfattning)")
    if v["saknade"]:
        add("  saknade_funktioner:")
        for s in v["saknade"]:
            add(f"    - {s}")
    else:
        add("  saknade_funktioner: []")
    add(f"  tackningsgrad_procent: {num(dec(v['tackningsgrad_procent'], 0), u)}".ljust(35) + " " + "# 2.3.5")
    add(f"  ko05l: {num(v['ko05l'], u, 2)}".ljust(35) + " " + "# 2.3.6, kontinuitetsindex läkare")
    add(f"  ko05s: {num(v['ko05s'], u, 2)}".ljust(35) + " " + "# 2.3.7, kontinuitetsindex sjuksköterska")
    add(f"  ko05l_foregaende_ar: {num(v['ko05l_prev'], u, 2)}".ljust(35) + " " + f"# 2.3.6, värdet {year - 1}")
    add(f"  ko05s_foregaende_ar: {num(v['ko05s_prev'], u, 2)}".ljust(35) + " " + f"# 2.3.7, värdet {year - 1}")
    add("")
    add("kvalitet:                           # 2.4")
    add("  rehabkoordinator:                 # 2.4.1")
    add("    finns: ja")
    add(f"    omfattning_procent: {v['rehab_omfattning']}")
    add("  psykosocial_verksamhet: helt      # 2.4.2: helt | delvis | nej")
    add("  patientenkat: resultat_saknas     # 2.4.4: besvarad | resultat_saknas")
    add("  lakemedelsgenomgang:              # 2.4.5–2.4.7")
    add(f"    arlig_sakerstalld: {v['lmg_arlig']}".ljust(35) + " " + "# 2.4.5: helt | delvis | nej")
    add("    verksamhetsansvar_foljs_upp: ja".ljust(35) + " # 2.4.7")
    add("  patientsakerhet:                  # 2.4.8")
    for k in ("avvikelserapportering", "ivo_anmalan", "ledningssystem", "klagomalshantering"):
        add(f"    {k}: ja")
    add(f"  tillganglighet_0an_procent: {num(dec(v['tillganglighet_0an_procent'], 0), u)}".ljust(35) + " "
        + "# 2.4.10")
    add(f"  tillganglighet_3an_procent: {num(v['tillganglighet_3an_procent'], u, 1)}".ljust(35) + " "
        + "# 2.4.11")
    add(f"  fast_lakarkontakt: {v['fast_lakare']}".ljust(35) + " " + "# 2.4.12: helt | delvis | nej")
    add(f"  fast_vardkontakt: {v['fast_vard']}".ljust(35) + " " + "# 2.4.13")
    for key, q in (("di03l1_procent", "2.4.15"), ("hba1c_over_70_procent", "2.4.16"),
                   ("dep04_procent", "2.4.17"), ("an04_procent", "2.4.18"),
                   ("kol02a_procent", "2.4.19"), ("ald02_procent", "2.4.20")):
        add(f"  {key}: {num(v[key], u, 1)}".ljust(35) + " " + f"# {q}")
    add(f"  medrave: {v['medrave']}".ljust(35) + " " + "# 2.4.21")
    add(f"  halsosamtal_erbjudna_procent: {num(dec(v['halsosamtal_erbjudna_procent'], 0), u)}".ljust(35) + " "
        + "# 2.4.23")
    add(f"  halsosamtal_genomforda_procent: {num(dec(v['halsosamtal_genomforda_procent'], 0), u)}"
        .ljust(35) + " " + "# 2.4.24")
    if "sabo" in v:
        platser, ny, erbj, lmg = v["sabo"]
        add("")
        add("sabo:                               # tilläggsuppdrag SÄBO")
        add(f"  platser: {platser}")
        add(f"  nyinflyttade: {ny}")
        add(f"  erbjudna_lakarundersokning_inom_6_veckor: {erbj}")
        add(f"  boende_med_arlig_lakemedelsgenomgang_procent: {lmg}")
    if u.regi == "extern":
        add("")
        add("informationssakerhet:")
        for k in ("redogorelse_skadlig_kod_och_phishing", "lokal_registerkoordinator",
                  "reservrutiner_kritiska_it_stod", "kontaktperson_sakerhet"):
            add(f"  {k}: ja")
        add("  e_utbildning_genomford_procent: 100")
        add("  redovisat_i_patientsakerhetsberattelsen: ja")
        add("  behorighetsrutiner_dokumenterade: ja")
    add("")
    add("listning:")
    add("  nekade_listningar_i_strid_med_reglerna: 0")
    add("")
    add("ekonomi:                            # 2.5.3")
    add(f"  resultat: {v['ekonomi']}".ljust(35) + " " + "# balans | overskott | underskott | ej_klart")
    add(f"  brutet_rakenskapsar: {v['brutet']}")
    if v["ekonomi"] == "ej_klart":
        add("  kommentar: Bokslutet för räkenskapsåret är inte klart.")
    elif v["ekonomi"] == "underskott":
        add("  kommentar: Personal- och stafettkostnader över budget; intäkterna ökade.")
    else:
        add("  kommentar: Resultatet är i balans med budget.")
    add("")
    add("ovrigt:                             # 2.5.1–2.5.2")
    add("  viktiga_handelser: Inga nya filialer under året.")
    add("  miljoarbete: Miljöombud finns.")
    return "\n".join(w) + "\n"


# --- the county invariants, checked before anything is written ---------------------------------

def check_county(units: list[Unit]) -> list[str]:
    """What does not hold of the published county figures (empty when everything does)."""
    bad = []

    def need(ok: bool, what: str):
        if not ok:
            bad.append(what)

    listade = [u.listade for u in units]
    need(len(units) == 28, "28 enheter")
    need(sum(listade) == LISTADE_SUM, f"Σ listade {sum(listade)}")
    need(min(listade) == LISTADE_MIN and max(listade) == LISTADE_MAX, "min/max listade")
    ext = sum(u.listade for u in units if u.regi == "extern") / sum(listade) * 100
    need(round(ext, 1) == EXTERN_SHARE, f"extern andel {ext:.2f}")
    for name, count in UPPDRAG.items():
        need(sum(name in u.uppdrag for u in units) == count, f"uppdrag {name}")
    need(sum(u.values["kontakter"] for u in units) == VARDKONTAKTER_SUM, "Σ vårdkontakter")
    need(sum(u.values["hembesok"] for u in units) == HEMBESOK_SUM, "Σ hembesök")
    for answer, count in BEMANNING.items():
        need(sum(u.values["bemanning"] == answer for u in units) == count, f"bemanning {answer}")
    below = [u for u in units if u.values["ssk"][1] / u.values["ssk"][0] * 100 <= 50]
    need(len(below) == DSK_BELOW and all(u.values["dsk_handlingsplan"] for u in below), "DSK-krav")
    spec = [sp / (lt - ab) * 100 for lt, ab, sp in (u.values["lakare"] for u in units)]
    need(min(spec) > 50, "specialistkrav")
    for key, (mean, low, high, places, bounds) in INDICATORS.items():
        vals = [u.values[key] for u in units]
        m = sum(vals) / len(vals)
        need(round(m, places) == mean and low <= min(vals) and max(vals) <= high, f"{key} {m}")
        if bounds:
            need(min(vals) == low and max(vals) == high, f"{key} gränser")
    cni = [u.values["cni"] for u in units]
    need(min(cni) == CNI_MIN and max(cni) == CNI_MAX, "CNI")
    need(sum(u.values["medrave"] == "nej" for u in units) == MEDRAVE_NO, "Medrave: nästan alla")
    for method, count in PHONE_METHODS.items():
        need(sum(u.values["telefon_metod"] == method for u in units) == count, f"telefon {method}")
    need(sum(u.values["fast_lakare"] == "helt" for u in units) == FAST_LAKARE_HELT, "fast läkarkontakt")
    need(sum(u.values["fast_vard"] == "helt" for u in units) == FAST_VARD_HELT, "fast vårdkontakt")
    need(sum(u.values["lmg_arlig"] == "delvis" for u in units) == LMG_DELVIS, "läkemedelsgenomgång")
    for key, drop in (("ko05l", 0.03), ("ko05s", 0.05)):
        fall = sum(u.values[key + "_prev"] - u.values[key] for u in units) / len(units)
        need(round(fall, 2) == drop, f"{key} sjönk {fall:.3f}")
    return bad


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--units", type=int, default=N_COUNTY, help="antal enheter (standard 28)")
    ap.add_argument("--seed", type=int, default=2023, help="slumpfrö (standard 2023)")
    ap.add_argument("--year", type=int, choices=(*EARLIER_YEARS, YEAR), default=None,
                    help="bara detta år (standard: 2023 med --out, annars alla tre åren)")
    ap.add_argument("--out", default=None,
                    help="mapp att skriva till (standard submissions/jamtland/ÅR för 28 enheter)")
    ap.add_argument("--force", action="store_true", help="skriv över befintliga filer")
    args = ap.parse_args(argv)
    if args.units < 3:
        ap.error("--units måste vara minst 3")
    if args.out is None and args.units != N_COUNTY:
        ap.error("ange --out för en korpus som inte är länets 28 enheter")
    years = [args.year] if args.year else ([YEAR] if args.out else [*EARLIER_YEARS, YEAR])
    by_year = {YEAR: build(args.units, args.seed)}
    for year in sorted(EARLIER_YEARS, reverse=True):
        by_year[year] = earlier_year(by_year[year + 1], year, args.seed)
    if args.units == N_COUNTY:
        bad = check_county(by_year[YEAR])
        for year in EARLIER_YEARS:
            bad += check_year(by_year[year], by_year[year + 1], year)
        if bad:
            sys.stderr.write("generate_corpus: länets siffror håller inte: " + ", ".join(bad) + "\n")
            return 1
    sys.path.insert(0, str(ROOT))
    from engine.model.form import default_model
    Submission = default_model()
    from engine.output import write_atomic
    from engine.read.validation import validate
    from engine.read.yamlstrict import load_text

    width = len(str(args.units))
    for year in years:
        out = Path(args.out) if args.out else ROOT / "submissions" / "jamtland" / str(year)
        units = by_year[year]
        for u in units:
            text = render(u, args.units, year)
            name = (f"{u.slug}.yaml" if args.units == N_COUNTY
                    else f"{u.index + 1:0{width}d}-{u.slug}.yaml")
            validate(load_text(text, name), Submission)  # raises InputError if the format is broken
            write_atomic(out / name, text, overwrite=args.force)
        print(f"{len(units)} årsbokslut skrivna till {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
