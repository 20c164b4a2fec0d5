"""Photo and agency credit lines: every pattern by which a stage knows one, in one place.

Each stage looks for credits for its own purpose, so each has its own pattern; they stand here side by
side so that what a credit looks like is read, and changed, in one module.

- Ingest removes credits and captions from the body (``ingest/rules.py`` weighs the evidence): a slash
  credit at a line's end (``CREDIT_TAIL_RE``: "Jane Doe/POOL/AFP via Getty Images", "(AP Photo/Jane
  Doe)"), an agency in capitals glued to a name (``AGENCY_CREDIT_RE``: "...2026.REUTERS/Jane Doe"), a
  "via" credit (``VIA_CREDIT_RE``), and the agency names (``AGENCIES``) that add evidence to a shape.
- Analysis marks what cleaning left as spans no entity, quote or statement may come from:
  ``CREDIT_LINE_RE``, a slash credit ending a line, over a whole text.
- Reconciliation never takes a sentence holding credit wording for a claim, quote or event
  (``is_credit``); the summary also leaves out sentences with caption wording or page prompts
  (``CAPTION_RE``).

Every pattern works from shape and general vocabulary, never from the words of particular articles.
"""

from __future__ import annotations

import re

from .text import CAPITALISED as _CAP
from .text import UPPER

# ---- ingest: credits at a line's end, and the agencies that make a shape one -------------------

_WORD = rf"[{UPPER}][\w'’.&-]*"
_PARTICLE = r"(?:de|da|do|dos|du|van|von|der|den|del|di|la|le|al|el|bin|y)"
_CHUNK = rf"{_WORD}(?:[ -](?:{_WORD}|{_PARTICLE})){{0,4}}"
CREDIT_PREFIX = (
    r"(?:(?:AP |AFP |Reuters |File )?(?:Photo|Photograph|Picture|Image|Credit|Foto)s?(?: by)?\s*[:.…]*\s*)?"
)
# "Name Surname/POOL/AFP via Getty Images", "REUTERS/Name Surname", "(AP Photo/Name)", "Name/Agency".
_SLASH_CREDIT = rf"\(?{CREDIT_PREFIX}{_CHUNK}(?:\s?/\s?{_CHUNK})+(?:\s+via\s+{_CHUNK})?\)?"
CREDIT_TAIL_RE = re.compile(rf"(?:^|(?<=[\s.!?,;:)\"”’]))(?P<credit>{_SLASH_CREDIT})\s*$")
VIA_CREDIT_RE = re.compile(rf"^{_CHUNK}\s+via\s+{_CHUNK}$")

AGENCIES = frozenset(
    "ap afp reuters getty getty images epa efe epa-efe xinhua tass sputnik anadolu bloomberg shutterstock "
    "alamy pa dpa ansa kyodo yonhap upi zuma imago nurphoto sopa lightrocket pool handout file "
    "associated press the associated press agence france-presse afp photo ap photo reuters photo "
    "pa media pa wire zuma press sopa images ria novosti interfax ukrinform unian bernama jiji press "
    "abaca abacapress polaris redux magnum corbis wireimage filmmagic nbcuniversal cnn bbc".split(" ")
) | frozenset(
    {
        "getty images",
        "associated press",
        "the associated press",
        "agence france-presse",
        "afp photo",
        "ap photo",
        "reuters photo",
        "pa media",
        "pa wire",
        "zuma press",
        "sopa images",
        "ria novosti",
        "jiji press",
        "anadolu agency",
        "ap images",
    }
)
AGENCY_TAIL_RE = re.compile(r"\b(?:images|photos?|pictures|press|agency|wire|photography|pool)$", re.I)
# An agency written in capitals, a slash and a person's name end a caption however they are glued on
# ("... May 5, 2026.REUTERS/Jane Doe", "...2026REUTERS/Jane Doe.", "REUTERS/Jane Doe TPX IMAGES OF THE DAY"):
# the capitals, the slash and the name are the credit's shape, the agency list only its evidence.
_GENERIC = frozenset("the media press images photo file wire agence associated novosti".split())
_CAPS_AGENCIES = sorted(
    {agency.upper() for agency in AGENCIES if re.fullmatch(r"[a-z]{2,}(?:-[a-z]+)?", agency)}
    - {word.upper() for word in _GENERIC},
    key=len,
    reverse=True,
)
_LOW = "a-z\u00df-\u00ff\u0101-\u017f'’"
_PERSON = rf"[{UPPER}][{_LOW}][\w'’.-]*(?:[ -](?:[{UPPER}](?:[{_LOW}.][\w'’.-]*)?|{_PARTICLE})){{0,3}}"
AGENCY_CREDIT_RE = re.compile(
    rf"(?<![{UPPER}])(?P<credit>\(?(?:{'|'.join(_CAPS_AGENCIES)})(?:\s?/\s?[{UPPER}]{{2,}})*\s?/\s?{_PERSON}"
    rf"(?:\s?/\s?{_CHUNK})*\)?)(?:\s+[{UPPER}]{{2,}}[{UPPER}0-9'’-]*)*\s*\.?\s*$"
)

# ---- analysis: slash credits ending a line, anywhere in a text ------------------------------------

# Photo and agency credits at a line end: "Jane Doe/POOL/AFP via Getty Images", "REUTERS/Jane Doe",
# "Jane Doe/AP".
CREDIT_LINE_RE = re.compile(
    rf"(?:(?<=[.\s])|^)((?:{_CAP}[ \t]){{0,3}}{_CAP}(?:/[A-Za-z][\w'’.\-]*(?:[ \t]{_CAP}){{0,3}})+"
    rf"(?:[ \t]+via[ \t]+(?:{_CAP}[ \t]?){{1,3}})?)[ \t]*$",
    re.M,
)

# ---- reconciliation: credit and caption wording ----------------------------------------------------

# Photo credits and captions that cleaning may have left in a body: never a claim, quote or event.
_CREDIT_WORDS_RE = re.compile(
    r"(getty images|/afp\b|afp via|reuters/|/reuters\b|/ap\b|ap photo|/pool\b|\bpool/|\bphoto(graph)?:|"
    r"\bfile photo\b|\bin this (pool )?(photo|photograph|image|picture)|\bcredit:|all rights reserved)",
    re.IGNORECASE,
)


def is_credit(text: str) -> bool:
    """True when a text holds the wording of a photo credit or caption ("Getty Images", "Photo:")."""
    return bool(_CREDIT_WORDS_RE.search(text))


# What a summary leaves out: credit and caption wording (looser than the above: no word ends), and
# page prompts ("click here", "read more").
CAPTION_RE = re.compile(
    r"(getty images|/afp|afp via|reuters/|/reuters|ap photo|/pool|\bphoto(graph)?:|\bfile photo\b|"
    r"\bpictured\b|\bin this (pool )?(photo|image|picture)|\bimage:|\bcredit:|click here|sign up|"
    r"subscribe|read more|\bwatch:|\blisten:|all rights reserved|copyright)",
    re.IGNORECASE,
)
