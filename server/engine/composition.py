"""Stage 5, composing the answer from the usable evidence: extractively, or with the language
model whose sentences are each grounded as soon as they are complete.

Both are generators of stream events that *return* the cited sentences (``yield from`` hands
them to the pipeline): a streamed answer and a returned one are the same code path."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from collections.abc import Generator as Gen
from dataclasses import dataclass, field

from server.engine.abstention import Decision
from server.engine.citing import Citations
from server.engine.config import AnswerConfig
from server.engine.evidence import Evidence, SentenceVectors
from server.engine.extractive import runner_up, select
from server.engine.generative import (
    Aligner,
    GenerationError,
    Generator,
    SentenceBuffer,
    build_messages,
    refuses,
)
from server.engine.shaping import shape, stands_alone
from server.engine.types import Mode, StreamEvent, Token, Turn, Unsupported
from server.engine.understanding import Understanding
from sourcier.lexical import LexicalEncoder
from sourcier.replies import NOTICES, classify

#: How many evidence sentences the generative answerer sees as numbered sources.
GENERATION_SOURCES = 8
REFUSED = "Le modèle de langage a jugé les sources insuffisantes : réponse extractive."


@dataclass
class Composed:
    """The cited sentences, which answerer wrote them, and why the model's were not used."""

    citations: Citations
    mode: Mode = "extractive"
    notice: str | None = None
    unsupported: list[str] = field(default_factory=list)


def extractive(
    understanding: Understanding,
    decision: Decision,
    evidence: Sequence[Evidence],
    config: AnswerConfig,
    lexical: LexicalEncoder,
    composed: Composed | None = None,
    document_text: Callable[[str], str | None] | None = None,
) -> Gen[StreamEvent, None, Composed]:
    """The few source sentences that answer, each with its margin over the best one not chosen
    (``evidence`` is the whole ranked evidence: the runner-up may be one the decision set aside),
    shaped by ``server.engine.shaping``: never a fragment, a heading or an echo of the question;
    with the sentence it leans on; with the steps a how-to question asks for, read within the
    document (``document_text``) when a list goes on past the chunk. Nothing that stands alone:
    no answer (an abstention)."""
    composed = composed or Composed(Citations())
    usable = [e for e in decision.usable if stands_alone(e, understanding.query, lexical)]
    picked = select(usable, config.max_sentences, understanding.asked)
    next_best = runner_up(picked, [e for e in evidence if stands_alone(e, understanding.query, lexical)])
    for e in shape(picked, understanding.asked, document_text):
        yield composed.citations.cite_extracted(e, next_best, config.confident_margin)
    return composed


def generative(
    understanding: Understanding,
    history: Sequence[Turn],
    decision: Decision,
    generator: Generator,
    vectors: SentenceVectors,
    lexical: LexicalEncoder,
    config: AnswerConfig,
    *,
    stream: bool,
) -> Gen[StreamEvent, None, Composed]:
    """The model's answer, sentence by sentence: each complete sentence is aligned to the source
    sentence that supports it and sent cited, or reported unsupported and dropped. With
    ``stream``, the model's text is sent as it arrives too. Returns the cited sentences, empty
    (with a notice) when the model refused, was unreachable, supported nothing, or wrote no
    answer at all (``sourcier.replies``: bare markers, the sources copied back — a copy aligns
    with itself; streamed, its sentences were already sent, and the final answer replaces them)."""
    sources = decision.usable[:GENERATION_SOURCES]
    messages = build_messages(understanding.query, sources, history)
    aligner = Aligner(sources, vectors, lexical, config.grounding)
    buffer = SentenceBuffer()
    composed = Composed(Citations(), "generative")
    reply: list[str] = []
    try:
        pieces = generator.stream(messages) if stream else iter([generator.generate(messages)])
        for piece in pieces:
            reply.append(piece)
            if stream:
                yield Token(piece)
            for sentence in buffer.feed(piece):
                if refuses(sentence):
                    return _fallback(REFUSED)
                yield from _grounded(sentence, aligner, composed)
        for sentence in buffer.flush():
            if refuses(sentence):
                return _fallback(REFUSED)
            yield from _grounded(sentence, aligner, composed)
    except GenerationError as error:
        return _fallback(f"Le modèle de langage est injoignable ({error}) : réponse extractive.")
    kind = classify("".join(reply), [s.text for s in sources])
    if kind in NOTICES:  # bare "[1]" markers, or the sources copied back: no answer at all
        return _fallback(NOTICES[kind])
    if not composed.citations.sentences:
        notice = (
            "Aucune phrase générée n'était étayée par les sources : réponse extractive."
            if composed.unsupported
            else REFUSED
        )
        return Composed(Citations(), notice=notice, unsupported=composed.unsupported)
    return composed


def _grounded(sentence: str, aligner: Aligner, composed: Composed) -> Gen[StreamEvent, None, None]:
    aligned = aligner.align(sentence)
    if aligned.evidence is None:
        composed.unsupported.append(sentence)
        yield Unsupported(sentence)
    else:
        yield composed.citations.cite(sentence, aligned.evidence)


def _fallback(notice: str) -> Composed:
    return Composed(Citations(), notice=notice)
