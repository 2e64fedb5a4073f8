"""Self-test of the verifier: corrupt correct answers and count how many corruptions it catches.

Why: a groundedness score is only worth something if the checker behind it can tell a faithful
sentence from an unfaithful one. Correct answers here are the gold passages themselves, each
cited to its own span; each is then corrupted the ways answers go wrong in practice. Hard
negatives are preferred where there is a choice (the most similar wrong span, the most similar
sentence of the other article), so the figure is not flattered by easy cases.

Gated kinds (:data:`KINDS`): ``number`` (a number, date or ordinal changed), ``entity`` (a named
entity swapped for another one of the corpus), ``negation`` (the verb negated, or a negation
removed), ``wrong_span`` (the true sentence cited to the most similar other sentence of the
document), ``splice`` (the most similar sentence of the other article added to the answer,
cited to the same span), ``invented`` (a plausible sentence about an entity of the span), and
the attacks on who-did-what of :mod:`eval.name_attacks` (``relation_swap``, ``elided_name``,
``wrong_entity``, ``premise``).
Informative only: ``embellish`` (an invented clause appended to a true sentence).

Controls, which must pass: ``untouched`` (the passage itself) and the faithful rewrites a
generative answer makes — ``trimmed`` (a parenthesis, a short lead-in or a trailing participle
clause dropped), ``framed`` ("Selon l'article, …"), ``paraphrased`` (two words replaced by
synonyms) and ``rewritten`` (all three at once, with up to four synonyms). Without them a
threshold sweep would tighten the verifier until it only accepts verbatim copies; with them it
is held to what a faithful paraphrase needs.

The hard negatives from other documents are looked for among the sentences of the chunks the
index finds nearest to each correct answer (``Neighbours``), not among every sentence of the
corpus: the cost grows with the gold set, not the corpus (a user's suite over 5,000 documents
would embed about 250,000 sentences). On the built-in suites (2026-11-30) the cases came out
identical on the articles and on the fresh and man-page tuning halves; elsewhere a correct answer
whose ten nearest chunks are all of its own document has no splice case (1 to 4 fewer a half)
and a few wrong-entity cases take another sentence (the man-page holdout's caught 0.918 ->
0.908); the docs suite's eval took 222 s against 312 s.

Everything is deterministic for a given seed.
"""

from __future__ import annotations

import random
import re
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from eval import name_attacks
from eval.dataset import Span
from sourcier.sentences import sentence_spans

#: ``neighbours(text)``: the spans of the index's chunks nearest to ``text``, best first.
Neighbours = Callable[[str], Sequence[Span]]

KINDS = ("number", "entity", "negation", "wrong_span", "splice", "invented", *name_attacks.KINDS)
EXTRA_KINDS = ("embellish",)
CONTROL_KINDS = ("untouched", "trimmed", "framed", "paraphrased", "rewritten")
#: The controls that are rewrites (``untouched`` is the verbatim one).
BENIGN_KINDS = CONTROL_KINDS[1:]

#: Similarity of two texts (the verifier's embedding cosine): picks the hard negatives.
Similarity = Callable[[str, str], float]


@dataclass(frozen=True, slots=True)
class Claim:
    """An answer sentence and the span it cites."""

    text: str
    span: Span
    quote: str


@dataclass(frozen=True, slots=True)
class Case:
    """A (possibly corrupted) answer: caught when the verifier rejects any of its claims."""

    kind: str
    source: Claim
    claims: tuple[Claim, ...]

    @property
    def corrupted(self) -> bool:
        return self.kind not in CONTROL_KINDS


# --- text edits --------------------------------------------------------------------------

_DIGITS = re.compile(r"\d+(?:[.,]\d+)*")
#: Number words, ordinals, magnitudes and seasons, with a wrong replacement each.
_WORD_SWAPS = {
    "un": "deux",
    "deux": "trois",
    "trois": "cinq",
    "quatre": "six",
    "dix": "vingt",
    "cent": "mille",
    "premier": "second",
    "première": "deuxième",
    "premières": "dernières",
    "dernier": "premier",
    "centaines": "dizaines",
    "milliards": "millions",
    "millions": "milliards",
    "double": "triple",
    "trimestre": "semestre",
    "printemps": "automne",
    "été": "hiver",
    "automne": "printemps",
    "hiver": "été",
}
_QUANTITY_WORDS = {k for k in _WORD_SWAPS if k not in {"un", "été"}}  # too often not numbers
_WORD = re.compile(r"[\w'-]+")

_ENTITY = re.compile(r"[A-ZÀ-Ý][\w-]*(?:\s+(?:[A-ZÀ-Ý][\w-]*|AI|\d+))*")
#: Capitalised words that are not names (acronyms of common nouns, sentence adverbs).
_NOT_ENTITIES = {"IA", "AGI", "Lire", "Officiellement", "Pourtant", "Comment", "Cette", "Pendant", "Il", "Le"}

_FINITE = frozenset(
    {
        "est",
        "sont",
        "a",
        "ont",
        "avait",
        "était",
        "serait",
        "seraient",
        "aurait",
        "auraient",
        "pourrait",
        "pourraient",
        "peut",
        "peuvent",
        "devrait",
        "devra",
        "doit",
        "va",
        "vont",
        "permet",
        "risque",
        "reste",
        "semble",
        "opère",
        "symbolise",
        "stimule",
        "comptent",
        "gagnent",
        "continue",
        "reconnaît",
        "trouverait",
        "trouve",
        "accompagne",
        "chercherait",
        "envisagerait",
        "tournerait",
        "dépendrait",
        "affirme",
        "utilise",
    }
)
_VERB = re.compile(r"\b((?:se\s+|s')?)(" + "|".join(sorted(_FINITE, key=lambda w: (-len(w), w))) + r")\b")
_NEGATED = re.compile(r"\b(?:ne\s+|n')((?:se\s+|s'|y\s+)?[\w-]+)\s+(?:pas|jamais|plus)\b")
_RIEN = re.compile(r"\brien n'")

_INVENTED = (
    "{e} aurait été présenté officiellement lors d'une conférence à Paris en mars.",
    "{e} a recruté une cinquantaine de chercheurs venus de Google DeepMind.",
    "Selon un communiqué, {e} sera publié sous une licence libre dès l'an prochain.",
    "{e} aurait déjà été testé par plusieurs banques européennes.",
    "Le budget consacré à {e} aurait été réduit de moitié cette année.",
    "Des ingénieurs de {e} auraient quitté l'entreprise pour fonder une jeune pousse concurrente.",
    "{e} a été salué par la presse spécialisée pour sa sobriété énergétique.",
    "Les équipes de {e} travailleraient désormais depuis un nouveau campus au Texas.",
)
_EMBELLISH = (
    ", selon des sources proches du dossier",
    ", ce que la direction a depuis démenti",
    ", pour un coût estimé à plusieurs millions d'euros",
    ", une décision prise à l'unanimité du conseil d'administration",
    ", d'après un rapport interne consulté par la presse",
)


def corpus_entities(documents: Mapping[str, str]) -> list[str]:
    """Names found mid-sentence in the corpus (capitalised runs of 2+ letters), longest first."""
    found: set[str] = set()
    for text in documents.values():
        for m in _ENTITY.finditer(text):
            if m.start() and text[m.start() - 1].isalnum():
                continue  # inside a word
            before = text[: m.start()].rstrip(" “«\"'(")
            mid_sentence = bool(before) and before[-1] not in ".!?:\n"
            if mid_sentence and len(m.group(0)) > 1 and m.group(0).split()[0] not in _NOT_ENTITIES:
                found.add(m.group(0).strip())
    return sorted(found, key=lambda e: (-len(e), e))


def swap_number(text: str, rng: random.Random) -> str | None:
    """Change one number, date, ordinal or magnitude (None when the sentence has none)."""
    spots: list[tuple[int, int, str]] = []
    for m in _DIGITS.finditer(text):
        value = m.group(0)
        if value.isdigit():
            n = int(value)
            new = str(n + rng.choice((-2, -1, 1, 2)) if 1900 <= n <= 2100 else n + rng.randint(1, 9))
        else:
            new = value[:-1] + str((int(value[-1]) + rng.randint(1, 8)) % 10)
        spots.append((m.start(), m.end(), new))
    for m in _WORD.finditer(text):
        word = m.group(0)
        if word.lower() in _QUANTITY_WORDS:
            swap = _WORD_SWAPS[word.lower()]
            spots.append((m.start(), m.end(), swap.capitalize() if word[0].isupper() else swap))
    if not spots:
        return None
    start, end, new = rng.choice(spots)
    return text[:start] + new + text[end:]


def swap_entity(text: str, span_text: str, entities: Sequence[str], rng: random.Random) -> str | None:
    """Replace one named entity with another of the corpus that the cited span does not contain."""
    if not entities:
        return None
    pattern = re.compile(r"(?<![\w-])(?:" + "|".join(re.escape(e) for e in entities) + r")(?![\w-])")
    matches = list(pattern.finditer(text))
    if not matches:
        return None
    match = rng.choice(matches)
    others = [
        e for e in entities if e not in span_text and e not in match.group(0) and match.group(0) not in e
    ]
    if not others:
        return None
    return text[: match.start()] + rng.choice(others) + text[match.end() :]


def _ne(word: str) -> str:
    return "n'" if word[:1].lower() in "aeiouyhéèêàâîôû" else "ne "


def negate(text: str) -> str | None:
    """Remove the sentence's negation if it has one, else negate its first finite verb."""
    m = _NEGATED.search(text)
    if m:
        return text[: m.start()] + m.group(1) + text[m.end() :]
    m = _RIEN.search(text)
    if m:
        return text[: m.start()] + "tout " + text[m.end() :]
    m = _VERB.search(text)
    if not m:
        return None
    reflexive, verb = m.group(1), m.group(2)
    negated = f"{_ne(reflexive or verb)}{reflexive}{verb} pas"
    return text[: m.start()] + negated + text[m.end() :]


def embellish(text: str, rng: random.Random) -> str:
    return text.rstrip(" .") + rng.choice(_EMBELLISH) + "."


#: Synonyms a faithful paraphrase may use (words of this corpus and of French news prose).
_SYNONYMS = {
    "décevante": "médiocre",
    "décevantes": "médiocres",
    "arrêtés": "interrompus",
    "suspendue": "reportée",
    "successeur": "remplaçant",
    "entreprise": "société",
    "firme": "société",
    "patron": "dirigeant",
    "stratégie": "politique",
    "concurrents": "rivaux",
    "progressivement": "graduellement",
    "largement": "amplement",
    "puissant": "performant",
    "renforcer": "améliorer",
    "crucial": "essentiel",
    "majeures": "importantes",
    "touchées": "affectées",
    "bénéficier": "profiter",
    "perçue": "considérée",
    "discussions": "échanges",
    "délaisser": "abandonner",
    "rupture": "cassure",
    "construire": "bâtir",
    "recruter": "embaucher",
    "évoqué": "mentionné",
    "affirmé": "déclaré",
    "déclaré": "affirmé",
    "prudent": "vigilant",
    "soutenu": "appuyé",
    "symbolise": "illustre",
    "mené": "conduit",
    "unité": "équipe",
    "reconsidérer": "revoir",
    "captiver": "séduire",
    "nuancé": "tempéré",
    "hésitation": "indécision",
    "signaler": "indiquer",
    "chercherait": "tenterait",
    "objectifs": "buts",
    "stimule": "favorise",
    "contribué": "aidé",
    "perspectives": "possibilités",
    "actuellement": "aujourd'hui",
    "prévu": "attendu",
    "rapports": "articles",
    "racines": "origines",
    "recrues": "embauches",
    "investissement": "financement",
    "talents": "compétences",
    "approbation": "accord",
    "publier": "diffuser",
    "domaine": "secteur",
    "acteurs": "intervenants",
    "influence": "rayonnement",
    "distincte": "séparée",
    "internes": "intérieures",
    "laboratoire": "labo",
    "laboratoires": "labos",
    "performante": "efficace",
    "gestion": "administration",
    "ralentir": "faiblir",
}
_FRAMES = ("Selon l'article, ", "D'après la source, ", "Le texte indique que ", "L'article précise que ")


def paraphrase(text: str, rng: random.Random, swaps: int = 2) -> str | None:
    """Replace up to ``swaps`` words by synonyms (None when no word has one)."""
    spots = [m for m in _WORD.finditer(text) if m.group(0).lower() in _SYNONYMS]
    if not spots:
        return None
    chosen = sorted(rng.sample(spots, min(swaps, len(spots))), key=lambda m: m.start(), reverse=True)
    for m in chosen:
        word = m.group(0)
        synonym = _SYNONYMS[word.lower()]
        text = text[: m.start()] + (synonym.capitalize() if word[0].isupper() else synonym) + text[m.end() :]
    return text


def frame(text: str, entities: Sequence[str], rng: random.Random) -> str:
    """Attribute the sentence to its source, as generated answers often do."""
    opener = text.split()[0]
    keep = any(e.split()[0] == opener for e in entities) or opener.isupper()
    return rng.choice(_FRAMES) + (text if keep else text[0].lower() + text[1:])


def rewrite(text: str, entities: Sequence[str], rng: random.Random) -> str:
    """Trimmed, paraphrased and framed at once: the furthest a faithful rewrite goes here."""
    trims = benign_variants(text)
    shorter = trims[-1] if trims else text
    return frame(paraphrase(shorter, rng, swaps=4) or shorter, entities, rng)


#: Trailing clauses a faithful summary may drop: participles, relatives, appositions.
_DROPPABLE_TAIL = re.compile(r"(?:\w+ant\b|qui\b|ce qui\b|où\b|un\b|une\b|largement\b)")


def benign_variants(text: str) -> list[str]:
    """Meaning-preserving trims a faithful answer might make (controls, not corruptions)."""
    out: list[str] = []
    no_parens = re.sub(r"\s*\([^)]*\)", "", text)
    if no_parens != text:
        out.append(no_parens)
    head, sep, rest = text.partition(", ")
    if sep and len(head.split()) <= 5 and len(rest.split()) >= 6:
        out.append(rest[0].upper() + rest[1:])
    main, sep, tail = text.rpartition(", ")
    if sep and len(main.split()) >= 6 and _DROPPABLE_TAIL.match(tail):
        out.append(main.rstrip(" ,;:") + ".")
    return out


# --- building the cases ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Sentence:
    span: Span
    text: str


def document_sentences(documents: Mapping[str, str], min_words: int = 4) -> list[_Sentence]:
    out = []
    for doc_id, text in sorted(documents.items()):
        for s in sentence_spans(text):
            sentence = text[s.start : s.end]
            if len(sentence.split()) >= min_words:
                out.append(_Sentence(Span(doc_id, s.start, s.end), sentence))
    return out


def _most_similar(text: str, pool: Sequence[_Sentence], similarity: Similarity) -> _Sentence | None:
    return max(pool, key=lambda s: similarity(text, s.text), default=None)


def near(sentences: Sequence[_Sentence], spans: Sequence[Span]) -> list[_Sentence]:
    """The sentences that overlap one of ``spans`` (chunks: a sentence may straddle two)."""
    by_document: dict[str, list[Span]] = {}
    for span in spans:
        by_document.setdefault(span.document_id, []).append(span)
    return [s for s in sentences if any(s.span.overlaps(c) for c in by_document.get(s.span.document_id, ()))]


def candidate_sentences(
    sources: Sequence[Claim], documents: Mapping[str, str], neighbours: Neighbours | None = None
) -> list[str]:
    """The texts ``make_cases`` may compare each source with: what to embed ahead in one batch."""
    sentences = document_sentences(documents)
    if neighbours is None:
        return [s.text for s in sentences]
    cited = {source.span.document_id for source in sources}
    pools = [s for s in sentences if s.span.document_id in cited]
    for source in sources:
        pools += near(sentences, neighbours(source.text))
    return list(dict.fromkeys(s.text for s in pools))


def make_cases(
    sources: Sequence[Claim],
    documents: Mapping[str, str],
    similarity: Similarity,
    seed: int = 0,
    premises: Sequence[str] = (),
    neighbours: Neighbours | None = None,
) -> list[Case]:
    """Controls and corruptions of each correct answer (one case per applicable kind);
    ``premises`` are those of unanswerable questions (``name_attacks.question_premises``). With
    ``neighbours``, a sentence of another document is looked for in the chunks nearest to the
    answer only (the wrong span still among all sentences of its own document)."""
    entities = corpus_entities(documents)
    sentences = document_sentences(documents)
    cases: list[Case] = []
    for source in sources:
        nearby = sentences if neighbours is None else near(sentences, neighbours(source.text))
        rng = random.Random(seed * 1_000_003 + zlib.crc32(source.text.encode()))
        cited = source.span
        same_span: list[tuple[str, str | None]] = [("trimmed", v) for v in benign_variants(source.text)]
        same_span += [
            ("framed", frame(source.text, entities, rng)),
            ("paraphrased", paraphrase(source.text, rng)),
            ("rewritten", rewrite(source.text, entities, rng)),
            ("number", swap_number(source.text, rng)),
            ("entity", swap_entity(source.text, source.quote, entities, rng)),
            ("negation", negate(source.text)),
        ]
        cases.append(Case("untouched", source, (source,)))
        for kind, changed in same_span:
            if changed is not None:
                cases.append(Case(kind, source, (Claim(changed, cited, source.quote),)))
        own = [s for s in sentences if s.span.document_id == cited.document_id]
        same_doc = [s for s in own if not s.span.overlaps(cited) and s.text != source.text]
        if (wrong := _most_similar(source.text, same_doc, similarity)) is not None:
            cases.append(Case("wrong_span", source, (Claim(source.text, wrong.span, wrong.text),)))
        other_doc = [s for s in nearby if s.span.document_id != cited.document_id]
        if (spliced := _most_similar(source.text, other_doc, similarity)) is not None:
            cases.append(Case("splice", source, (source, Claim(spliced.text, cited, source.quote))))
        names = [e for e in entities if e in source.text] or ["Meta"]
        invented = rng.choice(_INVENTED).format(e=rng.choice(names))
        cases.append(Case("invented", source, (Claim(invented, cited, source.quote),)))
        cases.append(Case("embellish", source, (Claim(embellish(source.text, rng), cited, source.quote),)))
        pool = sentences if neighbours is None else list(dict.fromkeys([*own, *nearby]))
        cases += _name_attacks(source, entities, pool, similarity, premises, rng)
    return cases


def _name_attacks(
    source: Claim,
    entities: Sequence[str],
    sentences: Sequence[_Sentence],
    similarity: Similarity,
    premises: Sequence[str],
    rng: random.Random,
) -> list[Case]:
    cited, quote = source.span, source.quote
    out = []
    for kind, changed in (
        ("relation_swap", name_attacks.relation_swap(source.text, quote, entities, rng)),
        ("elided_name", name_attacks.elided_name(source.text, quote, entities, rng)),
        ("premise", name_attacks.premise(source.text, premises, rng)),
    ):
        if changed is not None:
            out.append(Case(kind, source, (Claim(changed, cited, quote),)))
    others = sorted(
        (s for s in sentences if not s.span.overlaps(cited)), key=lambda s: -similarity(source.text, s.text)
    )
    moved = name_attacks.wrong_entity(source.text, entities, [(s.text, s) for s in others], rng)
    if moved is not None:
        text, about = moved
        out.append(Case("wrong_entity", source, (Claim(text, about.span, about.text),)))
    return out


# --- running the self-test ---------------------------------------------------------------

#: ``check(sentence, quote) -> (supported, reasons)``.
Check = Callable[[str, str], tuple[bool, tuple[str, ...]]]


@dataclass
class KindResult:
    total: int = 0
    flagged: int = 0  # caught (corruptions) or rejected (controls)
    misses: list[dict[str, str]] = field(default_factory=list)  # the cases that went wrong

    @property
    def rate(self) -> float:
        return self.flagged / self.total if self.total else 0.0


@dataclass
class SelfTest:
    kinds: dict[str, KindResult]

    @property
    def caught(self) -> float:
        """Share of gated corruptions the verifier rejects."""
        total = sum(self.kinds[k].total for k in KINDS if k in self.kinds)
        return sum(self.kinds[k].flagged for k in KINDS if k in self.kinds) / total if total else 0.0

    @property
    def untouched_passed(self) -> float:
        r = self.kinds.get("untouched")
        return 1.0 - r.rate if r and r.total else 0.0

    @property
    def benign_passed(self) -> float:
        """Share of faithful rewrites (trimmed, framed, paraphrased) the verifier accepts."""
        results = [self.kinds[k] for k in BENIGN_KINDS if k in self.kinds]
        total = sum(r.total for r in results)
        return 1.0 - sum(r.flagged for r in results) / total if total else 0.0


def run_self_test(cases: Sequence[Case], check: Check) -> SelfTest:
    """Check every claim of every case; record what was caught and what slipped through."""
    kinds: dict[str, KindResult] = {k: KindResult() for k in (*CONTROL_KINDS, *KINDS, *EXTRA_KINDS)}
    for case in cases:
        result = kinds[case.kind]
        result.total += 1
        verdicts = [(c, *check(c.text, c.quote)) for c in case.claims]
        rejected = [(c, reasons) for c, ok, reasons in verdicts if not ok]
        result.flagged += bool(rejected)
        went_wrong = bool(rejected) != case.corrupted
        if went_wrong:
            shown = rejected[0] if rejected else (case.claims[-1], ())
            result.misses.append(
                {"sentence": shown[0].text, "cited": shown[0].quote, "reasons": "; ".join(shown[1])}
            )
    return SelfTest(kinds)
