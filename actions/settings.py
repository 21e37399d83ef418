"""One typed settings object, loaded once at the composition root.

Behaviour comes from ``config.yml`` (Rasa's ``language``/``pipeline`` plus the desk's own sections);
secrets and deployment choices come from the environment. Lower layers (``store``, ``kb``, ``nlu``)
never read this module: they receive the plain values they need, so they stay testable alone.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG = ROOT / "config.yml"
DEFAULT_DATABASE_URL = "sqlite:///deskbot.db"
PRIORITIES = ("P1", "P2", "P3", "P4")
LEVELS = ("high", "medium", "low")


class SettingsError(ValueError):
    """config.yml is missing something or holds a value the desk cannot use."""


@dataclass(frozen=True)
class TeamSettings:
    code: str
    name: str  # in the desk's default language
    slack_channel: str = ""
    names: dict[str, str] = field(default_factory=dict)  # language -> name, when config gives both
    on_call: str = ""  # who answers a P1 out of hours (a name or a phone), told to the requester
    escalates_to: str = ""  # the next level up; empty at the top of the ladder

    def label(self, lang: str | None) -> str:
        """The team's name in a language, else the configured one."""
        return self.names.get(lang or "", "") or self.name

    @property
    def addresses(self) -> dict[str, str]:
        """Where the team is reached, per channel, as ``sync_teams`` stores it (config.yml
        keeps the setting's name ``slack_channel``); an empty address forgets the old one."""
        return {"slack": self.slack_channel}


@dataclass(frozen=True)
class SlaTarget:
    first_response_minutes: int
    resolution_minutes: int


@dataclass(frozen=True)
class BusinessHours:
    enabled: bool = False
    timezone: str = "UTC"
    weekdays: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri")
    start: str = "09:00"
    end: str = "18:00"
    holidays: tuple[str, ...] = ()


@dataclass(frozen=True)
class SlaSettings:
    targets: dict[str, SlaTarget]
    warn_at: float = 0.75
    escalate_on_breach: bool = True
    business_hours: BusinessHours = field(default_factory=BusinessHours)
    pending_reminder_days: float = 2
    pending_autoresolve_days: float = 5
    survey_reminder_days: float = 1


@dataclass(frozen=True)
class SurveyQuestion:
    id: str
    text: dict[str, str]
    scale: int = 5


@dataclass(frozen=True)
class SurveySettings:
    """Who is asked and what a low score sets off (GLPI's controls: rate, delay, expiry)."""

    sample_rate: float = 1.0  # share of closed tickets that get a survey (0..1)
    min_days_between: float = 0  # a person surveyed this recently is not asked again
    expire_days: float = 7  # an unanswered survey stops accepting answers after this
    alert_below: int = 0  # a rating at or below this alerts the team lead (0: never)


@dataclass(frozen=True)
class FaqSettings:
    max_suggestions: int = 3
    min_score: float | None = None  # None: calibrated on the articles (kb/calibration.py)
    articles_dir: Path = ROOT / "kb" / "articles"


@dataclass(frozen=True)
class Settings:
    config_path: Path
    language: str
    languages: tuple[str, ...]
    default_timezone: str
    auto_close_days: float
    categories: dict[str, str]  # category -> team code
    teams: dict[str, TeamSettings]
    priority_matrix: dict[str, dict[str, str]]
    vip_raises_priority: bool
    security_min_priority: str
    faq: FaqSettings
    sla: SlaSettings
    survey_questions: tuple[SurveyQuestion, ...]
    survey_allow_comment: bool
    raw: dict[str, Any]
    survey: SurveySettings = field(default_factory=SurveySettings)
    database_url: str = DEFAULT_DATABASE_URL
    rasa_url: str | None = None
    slack_bot_token: str | None = None
    slack_signing_secret: str | None = None
    slack_app_token: str | None = None
    slack_api_url: str | None = None
    #: Seconds a message sent right after its commit belongs to the process that sends it; if
    #: that process dies, any process's outbox worker sends it once this lease is over.
    outbox_lease_seconds: float = 60.0

    def team_for(self, category: str) -> str:
        """The team that owns a category (unknown categories go to the team of ``other``)."""
        return self.categories.get(category) or self.categories.get("other") or "L1"

    def team_label(self, code: str | None, lang: str | None) -> str:
        """A team's name for a reader; an unknown code is shown as it is."""
        team = self.teams.get(code or "")
        return team.label(lang) if team else (code or "")

    def team_codes(self) -> str:
        """The configured teams, for messages that list them ("L1, L2, L3")."""
        return ", ".join(self.teams)


def _seconds(raw: str | None, default: float) -> float:
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError as exc:
        raise SettingsError(f"not a number of seconds: {raw!r}") from exc
    if value <= 0:
        raise SettingsError(f"must be more than 0 seconds: {raw!r}")
    return value


def _require(mapping: dict[str, Any], key: str, where: str) -> Any:
    if key not in mapping:
        raise SettingsError(f"{where}: missing '{key}'")
    return mapping[key]


def _priority(value: object, name: str, where: str) -> str:
    if value not in PRIORITIES:
        raise SettingsError(f"{where}: {name} must be one of P1..P4")
    return str(value)


def _min_score(value: Any, where: str) -> float | None:
    """``faq.min_score``: a number 0-100, or ``auto`` (calibrated per knowledge base)."""
    if value is None or str(value).strip().lower() == "auto":
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        raise SettingsError(f"{where}: faq.min_score must be a number or 'auto'") from None


def load_settings(path: str | Path | None = None, env: dict[str, str] | None = None) -> Settings:
    """Read config.yml (``path``, else $DESKBOT_CONFIG, else the project's) and the environment."""
    env = dict(os.environ if env is None else env)
    config_path = Path(path or env.get("DESKBOT_CONFIG") or DEFAULT_CONFIG)
    try:
        raw = yaml.safe_load(config_path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError as exc:
        raise SettingsError(f"configuration file not found: {config_path}") from exc
    except yaml.YAMLError as exc:
        raise SettingsError(f"{config_path}: not valid YAML: {exc}") from exc
    where = str(config_path)
    desk = raw.get("desk") or {}
    teams_raw = _require(raw, "teams", where) or {}
    teams = _teams(teams_raw, str(raw.get("language") or "es"), where)
    categories = {str(k): str(v) for k, v in (_require(raw, "categories", where) or {}).items()}
    for category, team in categories.items():
        if team not in teams:
            raise SettingsError(f"{where}: category '{category}' names unknown team '{team}'")
    matrix = raw.get("priority_matrix") or {}
    for impact in LEVELS:
        for urgency in LEVELS:
            value = (matrix.get(impact) or {}).get(urgency)
            if value not in PRIORITIES:
                raise SettingsError(
                    f"{where}: priority_matrix.{impact}.{urgency} must be one of P1..P4"
                )
    faq_raw = raw.get("faq") or {}
    articles_dir = Path(faq_raw.get("articles_dir") or "kb/articles")
    if not articles_dir.is_absolute():
        articles_dir = (config_path.parent / articles_dir).resolve()
    sla_raw = raw.get("sla") or {}
    targets = {}
    for prio in PRIORITIES:
        t = (sla_raw.get("targets") or {}).get(prio)
        if not t:
            raise SettingsError(f"{where}: sla.targets.{prio} is missing")
        targets[prio] = SlaTarget(int(t["first_response"]), int(t["resolution"]))
    bh = sla_raw.get("business_hours") or {}
    survey_raw = raw.get("survey") or {}
    questions = tuple(
        SurveyQuestion(
            id=str(q["id"]),
            text={lang: str(q[lang]) for lang in ("es", "en") if lang in q},
            scale=int(q.get("scale", 5)),
        )
        for q in survey_raw.get("questions") or []
    )
    return Settings(
        config_path=config_path,
        language=str(raw.get("language") or "es"),
        languages=tuple(desk.get("languages") or ("es", "en")),
        default_timezone=str(desk.get("default_timezone") or "UTC"),
        auto_close_days=float(desk.get("auto_close_days", 3)),
        categories=categories,
        teams=teams,
        priority_matrix={k: dict(v) for k, v in matrix.items()},
        vip_raises_priority=bool(raw.get("vip_raises_priority", True)),
        security_min_priority=_priority(raw.get("security_min_priority", "P2"),
                                        "security_min_priority", where),
        faq=FaqSettings(
            max_suggestions=int(faq_raw.get("max_suggestions", 3)),
            min_score=_min_score(faq_raw.get("min_score", "auto"), where),
            articles_dir=articles_dir,
        ),
        sla=SlaSettings(
            targets=targets,
            warn_at=float(sla_raw.get("warn_at", 0.75)),
            escalate_on_breach=bool(sla_raw.get("escalate_on_breach", True)),
            business_hours=BusinessHours(
                enabled=bool(bh.get("enabled", False)),
                timezone=str(bh.get("timezone") or "UTC"),
                weekdays=tuple(bh.get("weekdays") or ("mon", "tue", "wed", "thu", "fri")),
                start=str(bh.get("start") or "09:00"),
                end=str(bh.get("end") or "18:00"),
                holidays=tuple(str(d) for d in bh.get("holidays") or ()),
            ),
            pending_reminder_days=float(sla_raw.get("pending_reminder_days", 2)),
            pending_autoresolve_days=float(sla_raw.get("pending_autoresolve_days", 5)),
            survey_reminder_days=float(sla_raw.get("survey_reminder_days", 1)),
        ),
        survey_questions=questions,
        survey_allow_comment=bool(survey_raw.get("allow_comment", True)),
        raw=raw,
        survey=_survey(survey_raw, where),
        database_url=env.get("DESKBOT_DATABASE_URL") or DEFAULT_DATABASE_URL,
        rasa_url=env.get("DESKBOT_RASA_URL") or None,
        slack_bot_token=env.get("SLACK_BOT_TOKEN") or None,
        slack_signing_secret=env.get("SLACK_SIGNING_SECRET") or None,
        slack_app_token=env.get("SLACK_APP_TOKEN") or None,
        slack_api_url=env.get("DESKBOT_SLACK_API_URL") or None,
        outbox_lease_seconds=_seconds(env.get("DESKBOT_OUTBOX_LEASE_SECONDS"), 60.0),
    )


def _teams(teams_raw: dict[str, Any], language: str, where: str) -> dict[str, TeamSettings]:
    """Teams in config order; ``name`` is a string or one per language (``{es: .., en: ..}``).

    Without ``escalates_to`` a team escalates to the next team of the configured ladder
    (``L1 -> L2 -> L3``); a team outside it (a custom ``REDES``) escalates only if told where.
    """
    codes = [str(code) for code in teams_raw]
    ladder = [c for c in ("L1", "L2", "L3") if c in codes]
    teams: dict[str, TeamSettings] = {}
    for code, t in teams_raw.items():
        t = t or {}
        raw_name = t.get("name") or code
        names = ({str(k): str(v) for k, v in raw_name.items()} if isinstance(raw_name, dict)
                 else {})
        name = names.get(language) or next(iter(names.values()), None) or str(raw_name)
        up = str(t.get("escalates_to") or "")
        if not up and code in ladder and ladder.index(code) + 1 < len(ladder):
            up = ladder[ladder.index(code) + 1]
        if up and up not in codes:
            raise SettingsError(f"{where}: teams.{code}.escalates_to names unknown team '{up}'")
        teams[str(code)] = TeamSettings(
            code=str(code), name=name, slack_channel=str(t.get("slack_channel") or ""),
            names=names, on_call=str(t.get("on_call") or ""), escalates_to=up)
    return teams


def _survey(survey_raw: dict[str, Any], where: str) -> SurveySettings:
    rate = float(survey_raw.get("sample_rate", 1.0))
    if not 0 <= rate <= 1:
        raise SettingsError(f"{where}: survey.sample_rate must be between 0 and 1")
    return SurveySettings(
        sample_rate=rate,
        min_days_between=float(survey_raw.get("min_days_between", 0)),
        expire_days=float(survey_raw.get("expire_days", 7)),
        alert_below=int(survey_raw.get("alert_below", 0)),
    )
