"""The rubric reads English only: other languages get a note, and only the checks that read no words."""

from __future__ import annotations

from coach.io import loads
from coach.langcheck import unsupported_language
from coach.rubric import review
from coach.rubric.engine import WORDLESS_CHECKS
from coach.rubric.loader import load_rules

SPANISH = """period: 2026-Q3
team: Ventas
objectives:
  - title: Nuestros clientes renuevan sin que tengamos que perseguirlos
    key_results:
      - Aumentar la tasa de renovación del 70% al 85% para el cierre del trimestre
      - Reducir el tiempo de respuesta de las consultas de 12 a 4 horas
"""
ENGLISH_SAME_SHAPE = """period: 2026-Q3
team: Sales
objectives:
  - title: Implement a new CRM for the team
    key_results:
      - Make 600 calls to the accounts in the region
      - Improve relationships with decision makers
"""


def test_spanish_gets_an_unsupported_language_note_and_no_wording_findings() -> None:
    report = review(loads(SPANISH))
    assert len(report.notes) == 1 and report.notes[0].startswith("unsupported language:")
    wording = {r.id for r in load_rules() if r.extends not in WORDLESS_CHECKS}
    fired = {f.rule for _, f in report.all_findings()}
    assert not fired & wording  # e.g. "Aumentar ..." is not read as an English activity verb


def test_english_text_is_reviewed_as_before() -> None:
    report = review(loads(ENGLISH_SAME_SHAPE))
    assert report.notes == []
    assert {"objective.outcome", "kr.outcome", "kr.measurable"} <= {f.rule for _, f in report.all_findings()}


def test_the_detector_is_conservative() -> None:
    # Short, numeric or acronym-heavy English is left alone; so is English with a foreign name in it.
    assert unsupported_language(["Raise NPS from 20 to 40"]) is None
    assert unsupported_language(["Cut CAC by 20%", "ARR 1.2M -> 1.6M", "Q3 SLA 99.9"]) is None
    assert unsupported_language(["Customers in São Paulo and Düsseldorf renew with us",
                                 "Grow renewals in the Île-de-France region from 70% to 85%"]) is None
    # Other scripts and other languages' common words are caught.
    assert unsupported_language(["Клиенты продлевают договоры без напоминаний"]) is not None
    assert unsupported_language(["客户无需催促即可续约", "将续约率从70%提高到85%"]) is not None
    assert unsupported_language(["Unsere Kunden verlängern ihre Verträge ohne Nachfassen und mit mehr Vertrauen",
                                 "Die Quote der Verlängerungen von 70% auf 85% steigern für das ganze Jahr"]) is not None
