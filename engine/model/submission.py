"""The årsbokslut a hälsocentral submits, as pydantic models (the format of
`submissions/examples/2023/exempelbyn.yaml`).

Nearly every answer is optional: a unit that leaves a question out gets the finding `missing`
for the rules that need it, never an error and never a pass. What is given must be well formed:
unknown keys, wrong types and values out of range are errors.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from engine.read.numbers import NotANumber, parse_integer, parse_number


def _number(value: Any) -> Any:
    if value is None:
        return None
    try:
        return parse_number(value)
    except NotANumber as exc:
        raise PydanticCustomError("kravkoll_number", str(exc)) from None


def _integer(value: Any) -> Any:
    if value is None:
        return None
    try:
        return parse_integer(value)
    except NotANumber as exc:
        raise PydanticCustomError("kravkoll_number", str(exc)) from None


def _answer(value: Any) -> Any:
    """ja/nej answers: accept true/false and any letter case."""
    if value is True:
        return "ja"
    if value is False:
        return "nej"
    if isinstance(value, str):
        return value.strip().lower()
    return value


_NUM_INPUT = float | str

Count = Annotated[int, BeforeValidator(_integer, json_schema_input_type=int | str), Field(ge=0)]
Decimal = Annotated[float, BeforeValidator(_number, json_schema_input_type=_NUM_INPUT), Field(ge=0)]
Percent = Annotated[float, BeforeValidator(_number, json_schema_input_type=_NUM_INPUT),
                    Field(ge=0, le=100, description="Andel i procent, 0–100")]
Index01 = Annotated[float, BeforeValidator(_number, json_schema_input_type=_NUM_INPUT),
                    Field(ge=0, le=1, description="Index 0–1")]
Fte = Annotated[float, BeforeValidator(_number, json_schema_input_type=_NUM_INPUT),
                Field(ge=0, le=1000, description="Årsarbetare, snitt över hela året")]
JaNej = Annotated[Literal["ja", "nej"], BeforeValidator(_answer)]
JaDelvisNej = Annotated[Literal["ja", "delvis", "nej"], BeforeValidator(_answer)]
HeltDelvisNej = Annotated[Literal["helt", "delvis", "nej"], BeforeValidator(_answer)]
Text = Annotated[str, Field(max_length=20_000)]

HSA_ID_PATTERN = r"^SE\d{10}-[A-Za-z0-9]{1,31}$"  # e.g. SE2321000207-E00000000042
_TIME_RANGE = re.compile(r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-4]):[0-5]\d$")


def _time_range(value: Any) -> Any:
    if not isinstance(value, str) or not _TIME_RANGE.match(value.replace(" ", "")):
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
    hsa_id: Annotated[str, Field(pattern=HSA_ID_PATTERN,
                                 description="HSA-id, t.ex. SE2321000207-E00000000042")]
    region: Annotated[str, Field(min_length=1, max_length=200)]
    regi: Literal["regiondriven", "extern"]
    tillaggsuppdrag: list[Tillaggsuppdrag] = Field(default_factory=list)
    filialer: list[Filial] = Field(default_factory=list)


class Forutsattningar(Model):
    antal_listade: Count | None = None
    listade_fran_annat_lan: Count | None = None
    andel_aktivt_val_procent: Percent | None = None
    cni: Annotated[float, BeforeValidator(_number, json_schema_input_type=_NUM_INPUT),
                   Field(ge=0, le=5)] | None = None
    kommentar: Text | None = None


class LakarinsatserKommunalVard(Model):
    namngiven_lakare: JaNej | None = None
    antal_hemsjukvardspatienter: Count | None = None
    kommentar: Text | None = None


class Telefon(Model):
    metod: Literal["oppen_telefon", "callback", "tidsbokad_callback"] | None = None
    timmar_per_dag: Annotated[float, BeforeValidator(_number, json_schema_input_type=_NUM_INPUT),
                              Field(ge=0, le=24)] | None = None


class Verksamhet(Model):
    lakarinsatser_kommunal_vard: LakarinsatserKommunalVard | None = None
    vardkontakter: Count | None = None
    patienter: Count | None = None
    akutbesok_per_1000_listade: Decimal | None = None
    hembesok: Count | None = None
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
                if part is not None and part > self.totalt:
                    raise PydanticCustomError(
                        "kravkoll_sum", f"{name} ({part}) kan inte vara fler än totalt ({self.totalt})")
            if (self.at_bt_st is not None and self.specialister_allmanmedicin is not None
                    and self.at_bt_st + self.specialister_allmanmedicin > self.totalt + 1e-9):
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
                and self.distriktsskoterskor > self.totalt):
            raise PydanticCustomError(
                "kravkoll_sum", f"distriktsskoterskor ({self.distriktsskoterskor}) kan inte vara "
                f"fler än totalt ({self.totalt})")
        return self


class Handlingsplaner(Model):
    """The unit's own handlingsplaner for krav it does not meet (2.3.2–2.3.4 ask for them)."""

    specialister_allmanmedicin: Text | None = None
    distriktsskoterskor: Text | None = None
    basala_funktioner: Text | None = None


class Bemanning(Model):
    tillfredsstallande: JaDelvisNej | None = None
    vakanta_tjanster: dict[Annotated[str, Field(max_length=100)], Count] | None = None
    lakare_arsarbetare: LakareArsarbetare | None = None
    sjukskoterskor_arsarbetare: SjukskoterskorArsarbetare | None = None
    handlingsplaner: Handlingsplaner | None = None
    basala_funktioner: JaNej | None = None
    saknade_funktioner: list[Text] | None = None
    tackningsgrad_procent: Percent | None = None
    ko05l: Index01 | None = None
    ko05s: Index01 | None = None


class Rehabkoordinator(Model):
    finns: JaNej | None = None
    omfattning_procent: Percent | None = None


class Patientsakerhet(Model):
    avvikelserapportering: JaNej | None = None
    ivo_anmalan: JaNej | None = None
    ledningssystem: JaNej | None = None
    klagomalshantering: JaNej | None = None


class Kvalitet(Model):
    rehabkoordinator: Rehabkoordinator | None = None
    psykosocial_verksamhet: HeltDelvisNej | None = None
    patientenkat: Literal["besvarad", "resultat_saknas"] | None = None
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
    platser: Count | None = None
    nyinflyttade: Count | None = None
    erbjudna_lakarundersokning_inom_6_veckor: Count | None = None
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
    nekade_listningar_i_strid_med_reglerna: Count | None = None


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
    period: Annotated[int, BeforeValidator(_integer, json_schema_input_type=int | str),
                      Field(ge=2000, le=2100, description="Verksamhetsår")]
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
