"""The engine's stages composed, on the bundled corpus with the real model: one configuration
per call (the service's own is never changed), and a streamed answer whose first events come
while a slow language model is still writing."""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from typing import Any

from server.engine.pipeline import Engine
from server.engine.types import Done, Question, SentenceReady, StreamEvent, Token, Unsupported

SUCCESSOR = "Quel est le nom de code du successeur de Llama ?"
COMPOUND = "Qu'est-il arrivé à Behemoth après son entraînement, et où en sont les tests ?"
GROUNDED = "Avocado est le nom de code du successeur de Llama."
INVENTED = "Avocado comptera 400 milliards de paramètres."


class SlowModel:
    """Writes a supported sentence then an invented one, one word every ``delay`` seconds."""

    name = "slow"

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.finished_at = 0.0

    def generate(self, messages: Sequence[tuple[str, str]]) -> str:
        return "".join(self.stream(messages))

    def stream(self, messages: Sequence[tuple[str, str]]) -> Iterator[str]:
        for word in f"{GROUNDED} [1] {INVENTED} [1]".split(" "):
            time.sleep(self.delay)
            yield word + " "
        self.finished_at = time.perf_counter()


def test_each_call_has_its_own_configuration(service: Any) -> None:
    before = service.config
    two = service.ask(Question(COMPOUND))
    one = service.ask(Question(COMPOUND), service.config.replace(max_sentences=1))
    assert len(two.sentences) == 2 and len(one.sentences) == 1
    assert one.sentences[0].text in {s.text for s in two.sentences}
    refused = service.ask(Question(SUCCESSOR), service.config.replace(abstain_min_dense=0.99))
    assert refused.abstained and not refused.sentences
    assert service.config is before
    assert service.ask(Question(SUCCESSOR)).sentences[0].text.startswith(GROUNDED[:-1])


def test_the_stages_one_by_one_give_the_answer(service: Any) -> None:
    engine: Engine = service.engine
    config = service.config
    understanding = engine.understand(Question(SUCCESSOR))
    retrieval = engine.retrieve(understanding, config)
    evidence = engine.gather(understanding, retrieval, config)
    decision = engine.decide(understanding, evidence, retrieval, config)
    assert len(retrieval.chunks) == config.top_k
    assert evidence == sorted(evidence, key=lambda e: e.score, reverse=True)
    assert not decision.abstain and decision.usable[0].text.startswith(GROUNDED[:-1])
    assert engine.answer(Question(SUCCESSOR), config).sentences[0].text == decision.usable[0].text


def test_a_slow_model_streams_tokens_then_verdicts(service: Any) -> None:
    model = SlowModel(delay=0.05)
    engine = Engine(service.engine.retriever, service.lexical, service.vectors, model)
    config = service.config.replace(answerer="generative")
    seen: list[tuple[float, StreamEvent]] = []
    for event in engine.stream(Question(SUCCESSOR), config):
        seen.append((time.perf_counter(), event))
    kinds = [type(e) for _, e in seen]
    first_token_at = next(t for t, e in seen if isinstance(e, Token))
    assert first_token_at < model.finished_at - 0.2  # sent while the model was still writing
    verdict = next(i for i, k in enumerate(kinds) if k is SentenceReady)
    last_token = max(i for i, k in enumerate(kinds) if k is Token)
    assert verdict < last_token  # the first sentence's verdict came before the model finished
    assert isinstance(seen[verdict][1], SentenceReady) and seen[verdict][1].sentence.text == GROUNDED
    assert [e.text for _, e in seen if isinstance(e, Unsupported)] == [INVENTED]
    done = seen[-1][1]
    assert isinstance(done, Done) and done.answer.mode == "generative"
    assert [s.text for s in done.answer.sentences] == [GROUNDED]
    assert done.answer.unsupported == (INVENTED,)
    # the same answer, not streamed
    whole = engine.answer(Question(SUCCESSOR), config)
    assert (whole.text, whole.sentences, whole.citations) == (
        done.answer.text,
        done.answer.sentences,
        done.answer.citations,
    )
