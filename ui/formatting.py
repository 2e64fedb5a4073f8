"""Turning answers, citations and documents into safe HTML for the chat and its panels.

Pure functions, so that what users see can be unit-tested without a browser. Every piece of
text that comes from a document, the model or the user goes through :func:`html.escape`: a
corpus is untrusted input, and a document holding ``<img onerror=…>`` or a Markdown link must
show as text, never run.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from server.engine.types import AnswerSentence, Citation, DocumentDetail, SearchHit

ABSTENTION_TITLE = "Le corpus ne dit rien à ce sujet."
#: Documents longer than this are shown as a window around the cited span (a 20 MB page would hang).
DOCUMENT_WINDOW_CHARS = 60_000

_MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)


def esc(text: str) -> str:
    """HTML-escape text for element content and attribute values alike."""
    return html.escape(text, quote=True)


def format_date(date: str | None) -> str:
    """An ISO date as French readers write it ("11 décembre 2025"); anything else as given."""
    if not date:
        return "sans date"
    try:
        day = dt.date.fromisoformat(date[:10])
    except ValueError:
        return date
    return f"{day.day}{'er' if day.day == 1 else ''} {_MONTHS[day.month - 1]} {day.year}"


# --- the chat (HTML, Markdown rendering off) ------------------------------------------------
#
# The chat renders with ``render_markdown=False``: Markdown in a document stays literal without
# backslash noise (which the copy button would copy), and the little structure the chat needs
# (markers, abstention box) is plain HTML around escaped text. Gradio's sanitizer is a second
# layer, not the first.


SEARCHING_CHAT = '<em class="sourcier-note">Recherche dans le corpus…</em>'


def chat_text(text: str) -> str:
    """Document, model or user text as chat content: HTML-escaped, quotes kept readable."""
    return html.escape(text, quote=False)


def marker_html(n: int) -> str:
    return f'<span class="sourcier-marker">[{n}]</span>'


UNCERTAIN_LABEL = "à vérifier"
UNCERTAIN_HELP = (
    "Un autre passage des sources était classé presque aussi haut : "
    "cette phrase n'est peut-être pas celle qui répond."
)


#: Before the runner-up sentence, shown under an answer flagged « à vérifier ».
ALTERNATIVE_LABEL = "À comparer avec le passage classé juste après :"


def uncertain_html() -> str:
    """The flag on an answer sentence the ranker was not sure of (``AnswerSentence.confident``)."""
    return f'<span class="sourcier-uncertain" title="{esc(UNCERTAIN_HELP)}">{esc(UNCERTAIN_LABEL)}</span>'


def answer_chat(
    sentences: Sequence[AnswerSentence],
    *,
    standalone_question: str | None = None,
    notice: str | None = None,
) -> str:
    """The answer so far: each sentence followed by its ``[n]`` markers, then any notes."""
    parts = []
    notes = []
    for sentence in sentences:
        markers = "".join(marker_html(n) for n in sentence.citations)
        flag = f" {uncertain_html()}" if sentence.confident is False else ""
        parts.append(f"{chat_text(sentence.text)} {markers}{flag}".rstrip())
        if sentence.confident is False and sentence.alternative is not None:
            alt = sentence.alternative
            notes.append(f"{ALTERNATIVE_LABEL} « {chat_text(alt.quote)} » ({chat_text(alt.title)})")
    if standalone_question:
        notes.append(understood_as(standalone_question))
    if notice:
        notes.append(chat_text(notice))
    body = " ".join(parts)
    return "".join([body, *(f'\n<em class="sourcier-note">{n}</em>' for n in notes)])


def understood_as(standalone_question: str) -> str:
    """How a follow-up was read, so that its answer (or abstention) can be judged."""
    return f"Question comprise comme : « {chat_text(standalone_question)} »"


def abstention_chat(message: str, *, standalone_question: str | None = None) -> str:
    """An abstention, styled apart from answers: a warning box, never a plain reply; a follow-up
    says how it was understood (an abstention may come from that reading)."""
    understood = (
        f'\n<em class="sourcier-note">{understood_as(standalone_question)}</em>'
        if standalone_question
        else ""
    )
    return (
        f'<blockquote class="sourcier-abstention"><strong>{chat_text(ABSTENTION_TITLE)}</strong>'
        f"\n{chat_text(message)}{understood}</blockquote>"
    )


def error_chat(message: str) -> str:
    """A problem with the request or the service (neither an answer nor an abstention)."""
    return f'<span class="sourcier-error-text">⚠ {chat_text(message)}</span>'


# --- the sources panel (HTML) --------------------------------------------------------------


def page_html(page: int | None) -> str:
    """Where a citation of a paged source (PDF) sits: its page."""
    return f'<span class="sourcier-page">p. {page}</span>' if page is not None else ""


def sources_html(citations: Sequence[Citation], active: int | None = None) -> str:
    """The numbered sources of an answer, each a button carrying its number in ``data-cite``."""
    if not citations:
        return placeholder_html("Les sources de la réponse apparaîtront ici.")
    items = []
    for c in citations:
        pressed = c.n == active
        items.append(
            f'<li><button type="button" class="sourcier-cite{" sourcier-active" if pressed else ""}" '
            f'data-cite="{c.n}" aria-pressed="{"true" if pressed else "false"}" '
            f'title="Voir ce passage dans son document">'
            f'<span class="sourcier-n">[{c.n}]</span> '
            f'<span class="sourcier-title">{esc(c.title)}</span> '
            f'<span class="sourcier-date">{esc(format_date(c.date))}</span>'
            f"{page_html(c.page)}"
            f'<span class="sourcier-quote">« {esc(c.quote)} »</span>'
            f"</button></li>"
        )
    return (
        '<div class="sourcier-sources">'
        '<p class="sourcier-hint">Sources — cliquez pour voir le passage surligné dans son document.</p>'
        f'<ol class="sourcier-source-list">{"".join(items)}</ol></div>'
    )


def abstention_html(message: str) -> str:
    """The sources panel when the corpus does not support an answer."""
    return (
        '<div class="sourcier-abstention" role="status">'
        f"<strong>{esc(ABSTENTION_TITLE)}</strong><p>{esc(message)}</p></div>"
    )


def placeholder_html(message: str) -> str:
    return f'<p class="sourcier-placeholder">{esc(message)}</p>'


# --- the document panel (HTML) -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Span:
    """A cited character span ``[start, end)`` of a document's text, numbered like its citation."""

    start: int
    end: int
    n: int


def place_spans(length: int, spans: Iterable[Span], active: int | None) -> list[Span]:
    """The spans that can be marked: in bounds, non-empty, non-overlapping; the active one wins.

    HTML cannot nest overlapping ``<mark>`` elements; losing a secondary highlight is better than
    moving the one the user asked to see.
    """
    valid = [s for s in spans if 0 <= s.start < s.end <= length]
    ordered = sorted(valid, key=lambda s: (s.n != active, s.start))
    placed: list[Span] = []
    for span in ordered:
        if all(span.end <= p.start or span.start >= p.end for p in placed):
            placed.append(span)
    return sorted(placed, key=lambda s: s.start)


def highlight(text: str, spans: Iterable[Span], active: int | None = None, offset: int = 0) -> str:
    """``text`` escaped, with each span wrapped in ``<mark>`` (the active one with an id to scroll to).

    ``offset`` is where ``text`` starts in the full document, when only a window of it is shown:
    spans keep their document offsets.
    """
    placed = place_spans(len(text), (Span(s.start - offset, s.end - offset, s.n) for s in spans), active)
    out: list[str] = []
    cursor = 0
    for span in placed:
        out.append(esc(text[cursor : span.start]))
        attrs = f'class="sourcier-mark" data-cite="{span.n}"'
        if span.n == active:
            attrs = f'id="sourcier-active-mark" class="sourcier-mark sourcier-active" data-cite="{span.n}"'
        out.append(
            f'<mark {attrs} data-start="{span.start + offset}" data-end="{span.end + offset}">'
            f'{esc(text[span.start : span.end])}</mark><sup class="sourcier-sup">[{span.n}]</sup>'
        )
        cursor = span.end
    out.append(esc(text[cursor:]))
    return "".join(out)


def document_html(
    document: DocumentDetail,
    citations: Sequence[Citation],
    active: int,
    window: int = DOCUMENT_WINDOW_CHARS,
) -> str:
    """The cited document with its cited spans marked, the active citation's emphasised.

    Offsets index into ``document.text`` as the API returns it. A citation whose offsets no
    longer match its quote (the document was re-ingested since) is flagged, not silently shown.
    """
    cited = [c for c in citations if c.document_id == document.id]
    current = next((c for c in cited if c.n == active), None)
    text = document.text
    warnings = []
    if current is None or not 0 <= current.start < current.end <= len(text):
        warnings.append("Le passage cité est hors du document : il a peut-être été modifié depuis.")
    elif text[current.start : current.end] != current.quote:
        warnings.append("Le document a changé depuis la réponse : le passage surligné peut différer.")
    first, last = 0, len(text)
    if current is not None and len(text) > window:
        middle = (current.start + current.end) // 2
        first = max(0, min(middle - window // 2, len(text) - window))
        last = min(len(text), first + window)
    body = highlight(text[first:last], [Span(c.start, c.end, c.n) for c in cited], active, offset=first)
    if first > 0:
        body = f'<span class="sourcier-elided">[… {first} caractères avant …]</span>\n{body}'
    if last < len(text):
        body = f'{body}\n<span class="sourcier-elided">[… {len(text) - last} caractères après …]</span>'
    where = ""
    if current is not None:
        page = f"page {current.page}, " if current.page is not None else ""
        where = f"passage [{current.n}], {page}caractères {current.start}–{current.end}"
    meta = " · ".join(p for p in (format_date(document.date), document.id, where) if p)
    notes = "".join(f'<p class="sourcier-warning">{esc(w)}</p>' for w in warnings)
    return (
        f'<article class="sourcier-document" data-document-id="{esc(document.id)}">'
        f"<header><h3>{esc(document.title)}</h3>"
        f'<p class="sourcier-meta">{esc(meta)}</p>{notes}</header>'
        f'<div class="sourcier-text" lang="fr">{body}</div></article>'
    )


# --- retrieved passages (HTML) -------------------------------------------------------------


def passages_html(results: Sequence[SearchHit], titles: dict[str, str], limit_chars: int = 400) -> str:
    """The retrieved chunks and their fused scores, for the curious and for debugging."""
    if not results:
        return placeholder_html("Aucun passage retrouvé.")
    rows = []
    for rank, r in enumerate(results, 1):
        text = r.text if len(r.text) <= limit_chars else r.text[:limit_chars].rstrip() + " …"
        rows.append(
            f"<tr><td>{rank}</td><td>{r.score:.4f}</td>"
            f"<td>{esc(titles.get(r.document_id, r.document_id))}<br><code>{esc(r.document_id)}</code>"
            f" [{r.start}–{r.end}]</td><td>{esc(text)}</td></tr>"
        )
    return (
        '<table class="sourcier-passages"><thead><tr><th>#</th><th>score</th><th>document</th>'
        f"<th>passage</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


_OUTCOMES = {
    "added": "ajouté au corpus",
    "updated": "mis à jour dans le corpus",
    "unchanged": "déjà dans le corpus, inchangé",
}


def upload_report_html(
    file_name: str,
    outcome: str,
    title: str | None,
    chunks: int,
    problems: Sequence[str],
    pages: int | None = None,
) -> str:
    """What an upload did: the file, the document it became and its chunk count, or why it was
    refused (problems are already in French; everything is escaped)."""
    if problems or outcome not in _OUTCOMES:
        items = "".join(f"<li>{esc(p)}</li>" for p in problems)
        return (
            f'<div class="sourcier-error" role="alert"><strong>Fichier refusé : {esc(file_name)}</strong>'
            f"<ul>{items}</ul></div>"
        )
    plural = "s" if chunks > 1 else ""
    named = f" — « {esc(title)} »" if title else ""
    if pages:
        named += f" ({pages} page{'s' if pages > 1 else ''})"
    return (
        f'<div class="sourcier-ok" role="status"><strong>{esc(file_name)}</strong>{named} : '
        f'{_OUTCOMES[outcome]}, <span class="sourcier-chunks">{chunks} passage{plural}</span> '
        f"indexé{plural}. Il figure dans les filtres.</div>"
    )


def notice_html(message: str, ok: bool) -> str:
    """A one-line outcome of an action on the corpus (escaped)."""
    if ok:
        return f'<div class="sourcier-ok" role="status">{esc(message)}</div>'
    return f'<div class="sourcier-error" role="alert">{esc(message)}</div>'
