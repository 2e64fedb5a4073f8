"""The last stage: numbered citations and the answer they support.

Citations are numbered in the order the answer first cites them, one number per passage. The
same builder numbers sentences while a generated answer streams and assembles the final answer,
so the streamed sentences and the final answer always agree."""

from __future__ import annotations

from server.engine.abstention import ABSTENTION_MESSAGE
from server.engine.evidence import Evidence
from server.engine.extractive import margin
from server.engine.types import Answer, AnswerSentence, Citation, Mode, Passage, SentenceReady, Timings


def located(evidence: Evidence) -> Passage:
    """A source sentence as a passage of its document."""
    return Passage(
        document_id=evidence.document_id,
        title=evidence.title,
        date=evidence.date,
        start=evidence.start,
        end=evidence.end,
        quote=evidence.text,
        score=round(evidence.score, 4),
        page=evidence.page,
    )


class Citations:
    """The sentences of one answer, each with the number of the passage it cites."""

    def __init__(self) -> None:
        self._numbers: dict[tuple[str, int, int], Citation] = {}
        self.sentences: list[AnswerSentence] = []

    def cite(self, text: str, evidence: Evidence) -> SentenceReady:
        """A generated sentence (no ranking margin: the ranker did not choose it)."""
        return self._add(AnswerSentence(text, (0,)), evidence)

    def cite_extracted(
        self, evidence: Evidence, next_best: Evidence | None, confident_margin: float
    ) -> SentenceReady:
        """A sentence of the corpus, with how far it stands above the best one not chosen."""
        lead = margin(evidence, next_best)
        confident = lead is None or lead >= confident_margin
        sentence = AnswerSentence(
            evidence.text,
            (0,),
            margin=None if lead is None else round(lead, 4),
            confident=confident,
            alternative=located(next_best) if not confident and next_best is not None else None,
        )
        return self._add(sentence, evidence)

    def _add(self, sentence: AnswerSentence, evidence: Evidence) -> SentenceReady:
        key = (evidence.document_id, evidence.start, evidence.end)
        if key not in self._numbers:
            p = located(evidence)
            self._numbers[key] = Citation(
                p.document_id,
                p.title,
                p.date,
                p.start,
                p.end,
                p.quote,
                p.score,
                n=len(self._numbers) + 1,
                page=p.page,
            )
        citation = self._numbers[key]
        numbered = AnswerSentence(
            sentence.text, (citation.n,), sentence.margin, sentence.confident, sentence.alternative
        )
        self.sentences.append(numbered)
        return SentenceReady(numbered, citation)

    def answer(
        self,
        timings: Timings,
        standalone: str | None,
        mode: Mode,
        notice: str | None,
        unsupported: tuple[str, ...],
    ) -> Answer:
        """The answer of the sentences cited so far, or an abstention when there are none."""
        if not self.sentences:
            return Answer(ABSTENTION_MESSAGE, True, (), (), timings, standalone, mode, notice, unsupported)
        text = " ".join(f"{s.text} [{s.citations[0]}]" for s in self.sentences)
        return Answer(
            text,
            False,
            tuple(self.sentences),
            tuple(self._numbers.values()),
            timings,
            standalone,
            mode,
            notice,
            unsupported,
        )
