"""Synthetic surveys with comments and planted themes, in English, Indonesian and Spanish.

:func:`planted_comment_survey` builds a bank-visit survey (five stages rated 1-5, an ``overall``
outcome 1-5, one general ``comment`` per respondent) where the respondents who rate one stage
(``planted_stage``) in the bottom box mostly complain about one thing (``planted_theme``), and
mentioning it costs ``cost`` points of the outcome. It returns the survey and the planted truth:
how many comments of that stage's bad raters are about the planted theme, and the words that name it.

Comments are put together from short phrases written for each theme and language, two phrases of
one theme per comment, sometimes with a filler sentence whose words are not stop words ("Today.",
"Hari ini."), so a theme is a cloud of co-occurring words, not one repeated sentence.
:func:`comment_texts` gives texts alone (for the benchmark).

Other test modules and ``bench/bench_themes.py`` may import from here read-only.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from cycle_analytics.dataset import CommentColumn
from cycle_analytics.scales import Scale
from synth import build_survey

STAGES = ("Arrival", "Waiting", "Teller", "Payment", "Leaving")

#: Per language, per theme: phrases (two of one theme make a comment). ``praise`` is for good raters.
PHRASES = {
    "en": {
        "queue": ["The queue was far too long", "I waited in the queue for forty minutes", "Long queue and a slow wait",
                  "Waited ages in a queue that barely moved", "Only one counter open, so a long queue",
                  "The wait in the queue was endless", "Queue out of the door again", "Another long wait in line"],
        "rude": ["The guard at the door was rude", "Staff were rude and unfriendly", "A rude employee ignored my question",
                 "Unfriendly, rude people at the entrance", "The guard shouted at me, so rude"],
        "money": ["The teller counted my money wrong", "Wrong amount of cash paid out", "Money was missing from the envelope",
                  "The cashier made a mistake with the cash", "I got less money than I asked for"],
        "parking": ["Parking near the branch is impossible", "No parking space anywhere", "The car park was full",
                    "Had to park far away, no parking"],
        "fees": ["The fees are far too high", "Hidden fees on my account", "Another fee for a simple transfer",
                 "Charges and fees keep going up"],
        "praise": ["Friendly staff and quick service", "Great service, thank you", "Everything was quick and easy",
                   "Very helpful and friendly teller", "Excellent visit, quick and friendly"],
    },
    "id": {
        "queue": ["Antrean sangat panjang", "Saya mengantre hampir satu jam", "Antrian lama dan lambat sekali",
                  "Menunggu di antrean terlalu lama", "Hanya satu loket buka jadi antrean panjang",
                  "Antre lama sekali hari ini", "Antrean tidak bergerak", "Waktu tunggu antrian sangat lama"],
        "rude": ["Satpam di pintu tidak ramah", "Petugas kasar dan tidak sopan", "Pegawai bersikap kasar kepada saya",
                 "Petugas di pintu masuk tidak ramah dan kasar", "Satpam membentak saya"],
        "money": ["Teller salah menghitung uang saya", "Jumlah uang yang dibayarkan kurang", "Uang di amplop kurang",
                  "Kasir salah memberi uang tunai", "Uang yang saya terima kurang dari yang diminta"],
        "parking": ["Parkir di dekat cabang susah sekali", "Tidak ada tempat parkir", "Tempat parkir penuh",
                    "Harus parkir jauh sekali"],
        "fees": ["Biaya administrasi terlalu mahal", "Ada biaya tersembunyi di rekening saya", "Biaya transfer mahal",
                 "Biaya admin terus naik"],
        "praise": ["Pelayanan cepat dan ramah", "Petugas sangat membantu, terima kasih", "Semua cepat dan mudah",
                   "Teller ramah dan sigap", "Pelayanan memuaskan"],
    },
    "es": {
        "queue": ["La fila era larguísima", "Esperé en la fila casi una hora", "Fila larga y espera lenta",
                  "La espera en la fila fue eterna", "Solo una ventanilla abierta, fila enorme",
                  "Otra vez una fila interminable", "La fila no avanzaba", "Demasiada espera en la fila"],
        "rude": ["El guardia de la puerta fue grosero", "Personal grosero y antipático", "Un empleado grosero ignoró mi pregunta",
                 "Gente antipática y grosera en la entrada", "El guardia me gritó, muy grosero"],
        "money": ["El cajero contó mal mi dinero", "Me pagaron una cantidad de dinero equivocada", "Faltaba dinero en el sobre",
                  "El cajero se equivocó con el efectivo", "Recibí menos dinero del que pedí"],
        "parking": ["Estacionar cerca de la sucursal es imposible", "No hay estacionamiento", "El estacionamiento estaba lleno",
                    "Tuve que estacionar lejísimos"],
        "fees": ["Las comisiones son altísimas", "Comisiones ocultas en mi cuenta", "Otra comisión por una transferencia",
                 "Las comisiones siguen subiendo"],
        "praise": ["Personal amable y atención rápida", "Excelente servicio, gracias", "Todo fue rápido y fácil",
                   "Cajero muy amable y atento", "Visita excelente, rápida y amable"],
    },
}
FILLERS = {"en": ["Today.", "Monday morning.", "Branch visit."], "id": ["Hari ini.", "Senin pagi.", "Kunjungan cabang."],
           "es": ["Hoy.", "Lunes por la mañana.", "Visita a la sucursal."]}
#: The words (stems' written forms) that name each planted theme in each language.
THEME_WORDS = {
    "en": {"queue": {"queue", "wait", "waited", "long"}, "money": {"money", "cash"}, "rude": {"rude", "guard"}},
    "id": {"queue": {"antrean", "antrian", "antre", "lama", "mengantre"}, "money": {"uang"}, "rude": {"kasar", "ramah"}},
    "es": {"queue": {"fila", "espera", "esperé"}, "money": {"dinero", "cajero"}, "rude": {"grosero", "guardia"}},
}
COMPLAINTS = ("queue", "rude", "money", "parking", "fees")


@dataclass(frozen=True)
class PlantedTruth:
    """What :func:`planted_comment_survey` planted: the stage, the theme, how many comments of the
    stage's bad raters are about it, the words that may name it, and its cost in the outcome."""

    stage: str
    theme: str
    count: int
    words: frozenset
    cost: float


def _comment(rng: np.random.Generator, language: str, theme: str) -> str:
    """Two distinct phrases of ``theme`` and, one time in three, a filler sentence."""
    phrases = PHRASES[language][theme]
    a, b = rng.choice(len(phrases), 2, replace=False)
    text = f"{phrases[a]}. {phrases[b]}."
    if rng.random() < 1 / 3:
        text += " " + FILLERS[language][rng.integers(len(FILLERS[language]))]
    return text


def comment_texts(n: int, language: str = "en", seed: int = 0) -> list[str]:
    """``n`` comments on random themes (complaints and praise), for benchmarks.

    Each comment also carries one of 500 invented rare words (``zq17``-like syllables are avoided:
    letters only), so the texts are not a few hundred repeated sentences.
    """
    rng = np.random.default_rng(seed)
    themes = (*COMPLAINTS, "praise")
    letters = np.array(list("abcdefghijklmnopqrstuvwxyz"))
    rare = ["".join(rng.choice(letters, 7)) for _ in range(500)]
    return [f"{_comment(rng, language, themes[rng.integers(len(themes))])} {rare[rng.integers(len(rare))]}" for _ in range(n)]


def planted_comment_survey(language: str = "en", n: int = 1200, *, seed: int = 0, planted_stage: str = "Teller",
                           planted_theme: str = "queue", planted_share: float = 0.8, cost: float = 1.2,
                           tied: bool = False):
    """A survey whose ``planted_stage`` bad raters mostly (``planted_share``) complain about ``planted_theme``.

    Scores: each stage 1-5 with a 15 % chance of the bottom box (1 or 2), else 3-5. Comments:
    bottom-box raters of the planted stage write about the planted theme with probability
    ``planted_share``, else about another complaint; other respondents with a bottom-box rating
    complain about anything but the planted theme; a third of the rest praise the bank; the others
    write nothing. ``overall`` = 4 + noise, minus 1 per bottom-box rating's share, minus ``cost``
    for respondents who wrote about the planted theme, rounded and clipped to 1-5.

    ``tied=True`` also stores, as the importer does for a comment-per-stage export, the planted
    stage's comments in their own column tied to that stage (``info.comment_columns``) and the
    other comments in a general column.

    Returns ``(survey, PlantedTruth)``.
    """
    rng = np.random.default_rng(seed)
    n_st = len(STAGES)
    bad = rng.random((n, n_st)) < 0.15
    scores = np.where(bad, rng.integers(1, 3, (n, n_st)), rng.integers(3, 6, (n, n_st))).astype(np.float64)
    p = STAGES.index(planted_stage)
    others = [t for t in COMPLAINTS if t != planted_theme]
    texts, planted = [], np.zeros(n, dtype=bool)
    for i in range(n):
        if bad[i, p]:
            planted[i] = rng.random() < planted_share
            theme = planted_theme if planted[i] else others[rng.integers(len(others))]
        elif bad[i].any():
            theme = others[rng.integers(len(others))]
        else:
            theme = "praise" if rng.random() < 1 / 3 else None
        texts.append(_comment(rng, language, theme) if theme else "")
    overall = np.clip(np.rint(4.2 + 0.5 * rng.standard_normal(n) - bad.mean(axis=1) * 2 - cost * planted), 1, 5)
    codes = np.repeat(np.arange(n), n_st)
    stage_codes = np.tile(np.arange(n_st), n)
    comment = np.array(texts, dtype=object)
    extra = {"overall": overall, "comment": pd.array(comment, dtype="str")}
    if tied:
        stage_col = f"Comment on {planted_stage}"
        extra[stage_col] = pd.array(np.where(bad[:, p], comment, ""), dtype="str")
        extra["General comment"] = pd.array(np.where(bad[:, p], "", comment), dtype="str")
    survey = build_survey(codes, stage_codes, scores.ravel(), STAGES, Scale(1, 5), extra, n,
                          outcome="overall", outcome_candidates=("overall",))
    if tied:
        info = replace(survey.info, comment_columns=(
            CommentColumn(stage_col, planted_stage, f"What could we have done better at this step: {planted_stage}?"),
            CommentColumn("General comment", None, "Anything else?")))
        survey = replace(survey, info=info)
    count = int((bad[:, p] & planted).sum())
    return survey, PlantedTruth(planted_stage, planted_theme, count, frozenset(THEME_WORDS[language][planted_theme]), cost)
