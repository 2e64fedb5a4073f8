"""What the chat says when something goes wrong, in French, chosen by error code.

The service's exceptions carry a stable ``code`` (the same identifiers as the API's error bodies,
``server/api/errors.py``); the chat picks its sentence from that code, never from the wording
of a message, which may change. A file the chat cannot add carries its loader's code
(``ingest/failures.py``) the same way. Input the chat checks itself (the question, the date
filters) is explained in French where it is checked.
"""

from __future__ import annotations

from ingest.failures import ACCEPTED

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
    "service_unavailable": NOT_READY,
    INTERNAL: "Erreur interne : voir le journal du serveur.",
}


#: Why an uploaded file was refused, by its loader's code (``ingest.failures.FailureCode``).
UPLOAD_MESSAGES: dict[str, str] = {
    "unsupported_file": f"Type de fichier non pris en charge : envoyez un fichier {ACCEPTED}.",
    "file_too_large": "Fichier trop volumineux pour ce serveur (limite : SOURCIER_MAX_FILE_BYTES).",
    "empty_file": "Le fichier est vide.",
    "binary_file": f"Fichier binaire : ce n'est pas du texte. Envoyez un fichier {ACCEPTED}.",
    "not_utf8": "Le fichier n'est pas en UTF-8 valide : réenregistrez-le en UTF-8.",
    "wrong_content": "Le contenu du fichier ne correspond pas à son extension.",
    "no_text": "Aucun texte d'article après nettoyage : rien à indexer.",
    "pdf_no_text_layer": (
        "PDF sans couche texte (scanné ?) : rien à indexer, il faudrait d'abord le passer à l'OCR."
    ),
    "pdf_encrypted": "PDF protégé par un mot de passe : envoyez-le sans mot de passe.",
    "pdf_unreadable": "PDF illisible : le fichier est sans doute endommagé.",
    "docx_unreadable": "Document Word illisible : le fichier est sans doute endommagé.",
    "file_missing": "Le fichier envoyé n'est plus sur le serveur : envoyez-le à nouveau.",
    "unreadable_file": "Le fichier envoyé n'a pas pu être lu sur le serveur.",
    "invalid_file_name": "Le fichier envoyé n'a pas de nom utilisable.",
}


def upload_problem(code: str, reason: str) -> str:
    """Why a file was refused, in the chat's words for its code; a code without them keeps the
    loader's own French reason, so nothing is hidden."""
    return UPLOAD_MESSAGES.get(code, reason)


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
