"""The årsbokslut a hälsocentral submits, as pydantic models (the format of
`submissions/examples/2023/exempelbyn.yaml`).

Nearly every answer is optional: a unit that leaves a question out gets the finding `missing`
for the rules that need it, never an error and never a pass. What is given must be well formed:
unknown keys, wrong types and values out of range are errors.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (BaseModel, BeforeValidator, ConfigDict, Field, ValidationInfo, field_validator,
                      model_validator)
from pydantic_core import PydanticCustomError

from engine.read.numbers import NotANumber, TooLarge, format_number, parse_integer, parse_number


@dataclass(frozen=True)
class Bound:
    """What a kind of numeric answer can be on one hälsocentral's årsbokslut.

    Beyond `high` a value is refused, not evaluated: an absurd count (a typo of extra zeros, an
    exponent) would otherwise pass a rule, overflow the rule engine's 64-bit numbers or fill a
    report. Where `high` is a plausibility limit rather than a definition, it is set far above
    any real unit so that nothing real is refused; `reason` then says so in the message.
    """

    high: int | float
    what: str  # Swedish, starts the message: "<what> får vara högst <high>"
    reason: str = ""
    low: int | float = 0
    integer: bool = False
    grouped: bool = True  # thousands spaces when shown (not for a year)


_MOST_UNITS = "; fler har ingen hälsocentral"
# One entry per kind of numeric answer; the fields below name their kind. Data, so a form
# described declaratively can carry it.
BOUNDS: dict[str, Bound] = {
    # Listed persons, patients, SÄBO residents. The largest unit in Jämtland lists 12 803 and the
    # whole county 133 599; the largest vårdcentraler in the country list some 40 000.
    "personer": Bound(200_000, "ett antal personer", _MOST_UNITS, integer=True),
    # Contacts, home visits and refused listings in a year: about ten contacts per listed person
    # and year at the most, times the largest list above.
    "per_ar": Bound(2_000_000, "ett antal per år", _MOST_UNITS, integer=True),
    # Vacant posts: bounded like the staff they would fill.
    "tjanster": Bound(1_000, "ett antal tjänster", _MOST_UNITS, integer=True),
    # Årsarbetare (full-time equivalents averaged over the year); a large unit has about 50.
    "arsarbetare": Bound(1_000, "ett antal årsarbetare", _MOST_UNITS),
    # Emergency-department visits per 1 000 listed: around 200 in the county; ten visits per
    # listed person and year is beyond any population.
    "per_1000": Bound(10_000, "ett antal per 1 000 listade", "; tio besök per listad och år är "
                      "mer än någon befolkning har"),
    # Care Need Index, relative to the national mean 1.0; units range about 0.6 to 2.
    "cni": Bound(5, "ett CNI-värde"),
    "procent": Bound(100, "en andel i procent"),  # a share: 0-100 by definition
    "index": Bound(1, "ett index"),  # continuity indices (KO05L/S): 0-1 by definition
    "timmar_per_dag": Bound(24, "ett antal timmar per dag"),
    # The verksamhetsår. Rulebooks exist from 2021; the window keeps year arithmetic and dates
    # (inlamnad below) within what the rest of kravkoll handles.
    "verksamhetsar": Bound(2100, "ett verksamhetsår", low=2000, integer=True, grouped=False),
}

# inlamnad: an årsbokslut is submitted after its year ends; later than this many years after
# it is a typo of the year, not a late submission.
SUBMITTED_WITHIN_YEARS = 5


def _fmt(bound: Bound, value: Any) -> str:
    return format_number(value) if bound.grouped else str(value)


def _shown(value: Any, bound: Bound | None = None) -> str:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        text = _fmt(bound, value) if bound else format_number(value)
    else:
        text = str(value).strip()
    return text if len(text) <= 40 else text[:37] + "…"


def _bounded(kind: str):
    """A before-validator: reads the number as people write it and checks it against its kind's
    Bound, so every refusal names what the field holds and what is expected."""
    bound = BOUNDS[kind]
    parse = parse_integer if bound.integer else parse_number
    over = f"{bound.what} får vara högst {_fmt(bound, bound.high)}{bound.reason}"
    under = ("får inte vara negativt" if bound.low == 0
             else f"{bound.what} måste vara minst {_fmt(bound, bound.low)}")

    def check(value: Any) -> Any:
        if value is None:
            return None
        try:
            number = parse(value)
        except TooLarge as exc:  # too many digits for a number at all, or a float overflow
            raise PydanticCustomError("kravkoll_bound", f"{over} ({exc})") from None
        except NotANumber as exc:
            raise PydanticCustomError("kravkoll_number", str(exc)) from None
        if number > bound.high:
            raise PydanticCustomError("kravkoll_bound", f"{over} (fick {_shown(value, bound)})")
        if number < bound.low:
            raise PydanticCustomError("kravkoll_bound", f"{under} (fick {_shown(value, bound)})")
        return number

    return check


def _number_of(kind: str, description: str | None = None) -> Any:
    """The annotated type of a numeric answer of a kind in BOUNDS. The Field bounds repeat the
    check for the JSON schema; the before-validator refuses first, with the kind's words."""
    bound = BOUNDS[kind]
    return Annotated[int if bound.integer else float,
                     BeforeValidator(_bounded(kind), json_schema_input_type=(
                         int | str) if bound.integer else (float | str)),
                     Field(ge=bound.low, le=bound.high, description=description)]


def _answer(value: Any) -> Any:
    """ja/nej answers: accept true/false and any letter case."""
    if value is True:
        return "ja"
    if value is False:
        return "nej"
    if isinstance(value, str):
        return value.strip().lower()
    return value


Persons = _number_of("personer")
PerYear = _number_of("per_ar")
Posts = _number_of("tjanster")
Fte = _number_of("arsarbetare", "Årsarbetare, snitt över hela året")
PerThousand = _number_of("per_1000")
Percent = _number_of("procent", "Andel i procent, 0–100")
Index01 = _number_of("index", "Index 0–1")
Cni = _number_of("cni")
HoursPerDay = _number_of("timmar_per_dag")
Year = _number_of("verksamhetsar", "Verksamhetsår")
JaNej = Annotated[Literal["ja", "nej"], BeforeValidator(_answer)]
JaDelvisNej = Annotated[Literal["ja", "delvis", "nej"], BeforeValidator(_answer)]
HeltDelvisNej = Annotated[Literal["helt", "delvis", "nej"], BeforeValidator(_answer)]
Text = Annotated[str, Field(max_length=20_000)]

# ASCII digits only ([0-9], not \d): \d also takes fullwidth and Arabic-Indic digits, and one unit
# would then be two in the kravliggare. Callers match with fullmatch (Python's $ admits a "\n").
HSA_ID_PATTERN = r"^SE[0-9]{10}-[A-Za-z0-9]{1,31}$"  # e.g. SE2321000207-E00000000042
HSA_ID_FORM = ("SE, tio siffror 0–9, bindestreck och 1–31 bokstäver A–Z eller siffror 0–9, "
               "t.ex. SE2321000207-E00000000042")
_HSA_ID = re.compile(HSA_ID_PATTERN)
_TIME_RANGE = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]-([01][0-9]|2[0-4]):[0-5][0-9]")


def _hsa_id(value: Any) -> Any:
    if isinstance(value, str) and not _HSA_ID.fullmatch(value.strip()):
        raise PydanticCustomError("kravkoll_hsa_id", f"'{_shown(value)}' är inget HSA-id; ett "
                                  f"HSA-id skrivs {HSA_ID_FORM}")
    return value


def _time_range(value: Any) -> Any:
    if not isinstance(value, str) or not _TIME_RANGE.fullmatch(value.replace(" ", "")):
        raise PydanticCustomError("kravkoll_time", "förväntade en tid som \"08:00-17:00\" "
                                  "(inom citattecken)")
    return value.replace(" ", "")


TimeRange = Annotated[str, BeforeValidator(_time_range, json_schema_input_type=str)]
Weekday = Literal["mandag", "tisdag", "onsdag", "torsdag", "fredag", "lordag", "sondag"]
Tillaggsuppdrag = Literal["sabo", "familjecentral", "fortbildningssamordnare", "at_lakare",
                          "st_lakare", "bt_lakare", "ambulans", "stp_ptp_psykolog"]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


class Filial(Model):
    namn: Text
    oppettider: dict[Weekday, TimeRange] | None = None


class Enhet(Model):
    namn: Annotated[str, Field(min_length=1, max_length=200)]
    hsa_id: Annotated[str, BeforeValidator(_hsa_id, json_schema_input_type=str),
                      Field(pattern=HSA_ID_PATTERN, description="HSA-id, t.ex. SE2321000207-E00000000042")]
    region: Annotated[str, Field(min_length=1, max_length=200)]
    regi: Literal["regiondriven", "extern"]
    tillaggsuppdrag: list[Tillaggsuppdrag] = Field(default_factory=list)
    filialer: list[Filial] = Field(default_factory=list)


class Forutsattningar(Model):
    antal_listade: Persons | None = None
    listade_fran_annat_lan: Persons | None = None
    andel_aktivt_val_procent: Percent | None = None
    cni: Cni | None = None
    kommentar: Text | None = None


class LakarinsatserKommunalVard(Model):
    namngiven_lakare: JaNej | None = None
    antal_hemsjukvardspatienter: Persons | None = None
    kommentar: Text | None = None


class Telefon(Model):
    metod: Literal["oppen_telefon", "callback", "tidsbokad_callback"] | None = None
    timmar_per_dag: HoursPerDay | None = None


class Verksamhet(Model):
    lakarinsatser_kommunal_vard: LakarinsatserKommunalVard | None = None
    vardkontakter: PerYear | None = None
    patienter: Persons | None = None
    akutbesok_per_1000_listade: PerThousand | None = None
    hembesok: PerYear | None = None
    jour_och_beredskap: JaNej | None = None
    sabo_riktlinje: HeltDelvisNej | None = None
    sabo_riktlinje_orsak_atgard: Text | None = None
    oppettider: dict[Weekday, TimeRange] | None = None
    telefon: Telefon | None = None
    akut_kontaktvag: JaNej | None = None


class LakareArsarbetare(Model):
    totalt: Fte | None = None
    at_bt_st: Fte | None = None
    specialister_allmanmedicin: Fte | None = None

    @model_validator(mode="after")
    def _parts_within_total(self):
        if self.totalt is not None:
            for name in ("at_bt_st", "specialister_allmanmedicin"):
                part = getattr(self, name)
                if part is not None and _exceeds(self.totalt, part):
                    raise PydanticCustomError(
                        "kravkoll_sum", f"{name} ({part}) kan inte vara fler än totalt ({self.totalt})")
            if (self.at_bt_st is not None and self.specialister_allmanmedicin is not None
                    and _exceeds(self.totalt, self.at_bt_st, self.specialister_allmanmedicin)):
                raise PydanticCustomError(
                    "kravkoll_sum", "at_bt_st och specialister_allmanmedicin är tillsammans fler "
                    f"än totalt ({self.totalt})")
        return self


class SjukskoterskorArsarbetare(Model):
    totalt: Fte | None = None
    distriktsskoterskor: Fte | None = None

    @model_validator(mode="after")
    def _part_within_total(self):
        if (self.totalt is not None and self.distriktsskoterskor is not None
                and _exceeds(self.totalt, self.distriktsskoterskor)):
            raise PydanticCustomError(
                "kravkoll_sum", f"distriktsskoterskor ({self.distriktsskoterskor}) kan inte vara "
                f"fler än totalt ({self.totalt})")
        return self


def _exceeds(total: float, *parts: float) -> bool:
    """Whether the parts add up to more than the total, as the decimals written (what the rules
    compute with too). Binary floats make 0.1 + 0.2 exceed 0.3; a tolerance on them instead
    would let a share of the rest far above 100 % through when the rest is tiny."""
    return sum(Decimal(str(p)) for p in parts) > Decimal(str(total))


class Handlingsplaner(Model):
    """The unit's own handlingsplaner for krav it does not meet (2.3.2–2.3.4 ask for them)."""

    specialister_allmanmedicin: Text | None = None
    distriktsskoterskor: Text | None = None
    basala_funktioner: Text | None = None


class Bemanning(Model):
    tillfredsstallande: JaDelvisNej | None = None
    vakanta_tjanster: dict[Annotated[str, Field(max_length=100)], Posts] | None = None
    lakare_arsarbetare: LakareArsarbetare | None = None
    sjukskoterskor_arsarbetare: SjukskoterskorArsarbetare | None = None
    handlingsplaner: Handlingsplaner | None = None
    basala_funktioner: JaNej | None = None
    saknade_funktioner: list[Text] | None = None
    tackningsgrad_procent: Percent | None = None
    ko05l: Index01 | None = None
    ko05s: Index01 | None = None
    # 2.3.6/2.3.7: the unit's own index the year before, as it reports it beside this year's (the
    # God och nära vård target is an increase on the unit's earlier value).
    ko05l_foregaende_ar: Index01 | None = None
    ko05s_foregaende_ar: Index01 | None = None


class Rehabkoordinator(Model):
    finns: JaNej | None = None
    omfattning_procent: Percent | None = None


class Patientsakerhet(Model):
    avvikelserapportering: JaNej | None = None
    ivo_anmalan: JaNej | None = None
    ledningssystem: JaNej | None = None
    klagomalshantering: JaNej | None = None


class Lakemedelsgenomgang(Model):
    """2.4.5–2.4.7: yearly läkemedelsgenomgång for SÄBO and hemsjukvård patients."""

    arlig_sakerstalld: HeltDelvisNej | None = None  # 2.4.5: is a yearly genomgång ensured?
    verksamhetsansvar_foljs_upp: JaNej | None = None  # 2.4.7: does the unit follow it up?
    kommentar: Text | None = None


class Kvalitet(Model):
    rehabkoordinator: Rehabkoordinator | None = None
    psykosocial_verksamhet: HeltDelvisNej | None = None
    patientenkat: Literal["besvarad", "resultat_saknas"] | None = None
    patientenkat_handlingsplan: Text | None = None  # 2.4.4: förbättringsområden och handlingsplan
    lakemedelsgenomgang: Lakemedelsgenomgang | None = None
    patientsakerhet: Patientsakerhet | None = None
    tillganglighet_0an_procent: Percent | None = None
    tillganglighet_3an_procent: Percent | None = None
    fast_lakarkontakt: HeltDelvisNej | None = None
    fast_vardkontakt: HeltDelvisNej | None = None
    di03l1_procent: Percent | None = None
    hba1c_over_70_procent: Percent | None = None
    dep04_procent: Percent | None = None
    an04_procent: Percent | None = None
    kol02a_procent: Percent | None = None
    ald02_procent: Percent | None = None
    medrave: JaNej | None = None
    halsosamtal_erbjudna_procent: Percent | None = None
    halsosamtal_genomforda_procent: Percent | None = None


class Sabo(Model):
    platser: Persons | None = None
    nyinflyttade: Persons | None = None
    erbjudna_lakarundersokning_inom_6_veckor: Persons | None = None
    boende_med_arlig_lakemedelsgenomgang_procent: Percent | None = None

    @model_validator(mode="after")
    def _offered_within_new(self):
        if (self.nyinflyttade is not None and self.erbjudna_lakarundersokning_inom_6_veckor is not None
                and self.erbjudna_lakarundersokning_inom_6_veckor > self.nyinflyttade):
            raise PydanticCustomError(
                "kravkoll_sum", "erbjudna_lakarundersokning_inom_6_veckor "
                f"({self.erbjudna_lakarundersokning_inom_6_veckor}) kan inte vara fler än "
                f"nyinflyttade ({self.nyinflyttade})")
        return self


class Informationssakerhet(Model):
    redogorelse_skadlig_kod_och_phishing: JaNej | None = None
    lokal_registerkoordinator: JaNej | None = None
    reservrutiner_kritiska_it_stod: JaNej | None = None
    kontaktperson_sakerhet: JaNej | None = None
    e_utbildning_genomford_procent: Percent | None = None
    redovisat_i_patientsakerhetsberattelsen: JaNej | None = None
    behorighetsrutiner_dokumenterade: JaNej | None = None


class Listning(Model):
    nekade_listningar_i_strid_med_reglerna: PerYear | None = None


class Ekonomi(Model):
    resultat: Literal["balans", "overskott", "underskott", "ej_klart"] | None = None
    brutet_rakenskapsar: JaNej | None = None
    kommentar: Text | None = None


class Ovrigt(Model):
    viktiga_handelser: Text | None = None
    miljoarbete: Text | None = None


class Submission(Model):
    """Årsbokslut Hälsoval: one unit, one verksamhetsår."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True,
                              title="Årsbokslut Hälsoval")

    formular: Annotated[str, Field(min_length=1, max_length=100)]
    enhet: Enhet
    period: Year
    inlamnad: dt.date | None = None
    forutsattningar: Forutsattningar | None = None
    verksamhet: Verksamhet | None = None
    bemanning: Bemanning | None = None
    kvalitet: Kvalitet | None = None
    sabo: Sabo | None = None
    informationssakerhet: Informationssakerhet | None = None
    listning: Listning | None = None
    ekonomi: Ekonomi | None = None
    ovrigt: Ovrigt | None = None

    @field_validator("inlamnad")
    @classmethod
    def _submitted_after_the_year(cls, day: dt.date | None, info: ValidationInfo):
        """An årsbokslut reports a whole year, so it is submitted after that year ends; a date
        before (2022-02-20 for 2023) is a typo of the year and would pass "lämnat i tid"."""
        period = info.data.get("period")  # absent when period itself was refused
        if day is None or period is None:
            return day
        end = dt.date(period, 12, 31)
        first, last = dt.date(period + 1, 1, 1), dt.date(period + SUBMITTED_WITHIN_YEARS, 12, 31)
        window = f"förväntade ett datum från {first} till {last}"
        if day <= end:
            raise PydanticCustomError(
                "kravkoll_date", f"{day} ligger inte efter periodens slut ({end}); ett årsbokslut "
                f"kan inte lämnas in innan verksamhetsåret {period} är slut – {window}")
        if day > last:
            raise PydanticCustomError(
                "kravkoll_date", f"{day} ligger mer än {SUBMITTED_WITHIN_YEARS} år efter "
                f"periodens slut ({end}) – {window}")
        return day


def field_exists(path: str) -> bool:
    """True when a dotted path names a field of the submission format (for rulebook checks)."""
    model: Any = Submission
    for part in path.split("."):
        fields = getattr(model, "model_fields", None)
        if not fields or part not in fields:
            return False
        model = _model_of(fields[part].annotation)
    return True


def _model_of(annotation: Any) -> Any:
    """The pydantic model inside `X | None`, or the annotation itself."""
    for arg in getattr(annotation, "__args__", ()) or ():
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            return arg
    return annotation


def read_path(obj: Any, path: str) -> Any:
    """The value at a dotted path, None where any part is absent."""
    for part in path.split("."):
        if obj is None:
            return None
        obj = getattr(obj, part, None)
    return obj
