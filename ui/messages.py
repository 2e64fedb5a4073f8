"""What the chat says when something goes wrong, in French, chosen by error code.

The service's exceptions carry a stable ``code`` (the same identifiers as the API's error bodies,
``server/api/errors.py``); the chat picks its sentence from that code, never from the English
wording of a message, which may change. Input the chat checks itself (the question, the date
filters) is explained in French where it is checked.
"""

from __future__ import annotations

NOT_READY = (
    "Le service n'est pas encore prêt (chargement de l'index et du modèle) : réessayez dans un instant."
)
#: The code of an exception that declares none: a bug.
INTERNAL = "internal"

#: One French sentence per code a chat user can run into.
MESSAGES: dict[str, str] = {
    "question_too_long": "Question trop longue : raccourcissez-la.",
    "document_not_found": "Ce document n'est plus dans l'index.",
    "index_unavailable": (
        "L'index est indisponible (utilisé par une ingestion en cours, ou injoignable) : "
        "réessayez dans un instant."
    ),
    "unsupported_file": "Type de fichier non pris en charge.",
    "service_unavailable": NOT_READY,
    INTERNAL: "Erreur interne : voir le journal du serveur.",
}


def code_of(error: BaseException) -> str:
    """The ``code`` an exception class declares (the service's and the store's do)."""
    return str(getattr(error, "code", INTERNAL))


def message_for(code: str, detail: str = "") -> str:
    """The French sentence for ``code``; an unknown code keeps the original detail so nothing is hidden."""
    if code in MESSAGES:
        return MESSAGES[code]
    return f"Requête refusée ({code}) : {detail}" if detail else f"Requête refusée ({code})."


def error_message(error: BaseException) -> str:
    """An exception raised by the service, in French."""
    return message_for(code_of(error), str(error))
