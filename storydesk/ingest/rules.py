"""Ingest stage, cleaning rules: what a line that is not the article's own words looks like.

Every rule works from the shape of a line (length, final punctuation, capitalisation, slashes in a
photo credit, photo wording, repetition), never from the words of particular articles. The shapes of
credit lines and the agency names that only add evidence to a shape live in ``storydesk/credits.py``.
"""

from __future__ import annotations

import re

from ..credits import AGENCIES, AGENCY_CREDIT_RE, AGENCY_TAIL_RE, CREDIT_PREFIX, CREDIT_TAIL_RE, VIA_CREDIT_RE
from ..text import UPPER
from .limits import SENTENCE_WORDS
from .meta import NAME_RE, person_names

TERMINAL = ".!?…"
_CLOSERS = "\"'”’»)]"


def words(text: str) -> int:
    return len(text.split())


def ends_sentence(text: str) -> bool:
    """True when a line ends as a sentence does (a final stop, possibly inside a closing quote)."""
    stripped = text.rstrip(_CLOSERS + " ")
    return bool(stripped) and stripped[-1] in TERMINAL


_LETTERED_RE = re.compile(r"\S*[^\W\d_]\S*")  # a token with a letter in it: a word, not a number or a mark
# A sentence's end: . ! or ? (closing quotes or brackets may follow) before a space or the line's end; a
# stop after another stop or an ellipsis ("...", "…") ends a cut-off teaser, not a sentence.
_SENTENCE_END_RE = re.compile(r"(?<![.…])[.!?][\"'”’»)\]]*(?=\s|$)")


def lettered(text: str) -> int:
    """How many tokens of the text have a letter in them (numbers and punctuation are no words)."""
    return len(_LETTERED_RE.findall(text))


def has_sentence(text: str) -> bool:
    """True when some line of the text holds a sentence: ``SENTENCE_WORDS`` or more lettered words
    ending in . ! or ? (see ``limits``)."""
    for line in text.split("\n"):
        start = 0
        for match in _SENTENCE_END_RE.finditer(line):
            if lettered(line[start : match.end()]) >= SENTENCE_WORDS:
                return True
            start = match.end()
    return False


_SMALL_WORDS = frozenset(
    "a an and as at but by for from in into of on or over the to up via vs with is it its be are was".split()
)


def title_cased(text: str) -> bool:
    """Most content words capitalised, as headlines in title case are ("Wash Post Fact-Check: If It's
    True")."""
    tokens = [word.strip("\"'“”‘’«»()[]:;,.!?-–—") for word in text.split()]
    content = [word for word in tokens if word and word.lower() not in _SMALL_WORDS and word[:1].isalpha()]
    # Every content word: names alone make many sentences look mostly capitalised.
    return len(content) >= 3 and all(word[:1].isupper() for word in content)


def is_headline(text: str, allow_stop: bool = False) -> bool:
    """A title-shaped line: a few words, starts with a capital, no final sentence punctuation
    (``allow_stop``: a final stop is allowed when the line is in title case)."""
    n_words = words(text)
    if not 3 <= n_words <= 20 or text.rstrip()[-1:] in ",;:-–—":
        return False
    if ends_sentence(text) and not (allow_stop and title_cased(text)):
        return False
    first = text.lstrip("\"'“‘«(")[:1]
    return first.isupper() or first.isdigit()


def key(text: str) -> str:
    """A comparison key: case folded, letters and digits only."""
    return " ".join(re.findall(r"\w+", text.casefold()))


# ---- credits and captions ----------------------------------------------------------------------


def _agency_like(part: str) -> bool:
    name = part.strip(" ()[]©").strip()
    low = name.lower()
    if low in AGENCIES or AGENCY_TAIL_RE.search(name):
        return True
    return False


def _credit_has_evidence(credit: str) -> bool:
    """A slash credit must say "photo", or name an agency or pool, or a person plus an outlet
    ("Name Surname/Outlet"); two bare acronyms ("IBD/TIPP", a poll's source) are not enough."""
    stripped = credit.strip("()[] ")
    inner = re.sub(CREDIT_PREFIX, "", stripped, count=1)
    if inner != stripped:  # "AP Photo/...", "Photo: ...", "Credit: ..." say it outright
        return True
    parts = [part.strip() for part in re.split(r"/|\s+via\s+", inner) if part.strip()]
    if " via " in inner or any(_agency_like(part) for part in parts):
        return True
    names = [part for part in parts if NAME_RE.fullmatch(part)]
    return bool(names) and len(parts) >= 2


def credit_tail(text: str) -> str | None:
    """The photo credit a line ends with, if any: "...Dec. 1, 2025.Name Surname/POOL/AFP via Getty
    Images"."""
    if "/" not in text:
        return None
    if not ends_sentence(text):
        match = CREDIT_TAIL_RE.search(text)
        if match and _credit_has_evidence(match["credit"]):
            return match["credit"]
    match = AGENCY_CREDIT_RE.search(text)
    return match["credit"] if match else None


def is_lone_credit(text: str) -> bool:
    """A line that only names an agency or photographer ("Reuters", "AFP via Getty Images", "© AP")."""
    line = text.strip()
    if words(line) > 7 or ends_sentence(line):
        return False
    line = re.sub(
        r"^(?:©|\(c\)|copyright|photo(?:graph)?s?|pictures?|images?|credit|source|foto)\s*:?\s*",
        "",
        line,
        flags=re.I,
    ).strip(" ()[]")
    if not line:
        return False
    if "/" in line:
        return credit_tail(line) == line or bool(
            CREDIT_TAIL_RE.fullmatch(line) and _credit_has_evidence(line)
        )
    if VIA_CREDIT_RE.match(line):
        return True
    return line.lower() in AGENCIES or (
        bool(AGENCY_TAIL_RE.search(line)) and all(word[:1].isupper() for word in line.split())
    )


_PHOTO_CUE_RE = re.compile(
    r"^[(\[]?(?:"
    r"(?:file\s+)?(?:photo|photograph|picture|image|pictured|caption)\s*(?::|-|–|—|\)|\|)"
    r"|(?:file\s+)?(?:photo|photograph|picture)\s+by\b"
    r"|in\s+this\s+(?:[\w-]+\s+){0,4}(?:photo|photograph|image|picture|handout|screengrab|screen\s+grab|still|frame)\b"
    r"|(?:an?\s+|the\s+)?(?:handout\s+|file\s+|undated\s+)?(?:photo|picture|image|still|screengrab)\s+"
    r"(?:taken|released|provided|distributed|obtained|shows|showing|made\s+available|from)\b"
    r"|file\s+photo\b|image\s+(?:source|caption)\b|file\s*[-–—]\s"
    r")",
    re.I,
)
_DATE_END_RE = re.compile(
    r"(?:\b\d{1,2}\s+[A-Z][a-z]{2,8}\.?,?\s+\d{4}|\b[A-Z][a-z]{2,8}\.?\s+\d{1,2},?\s+\d{4}|\b\d{4}-\d{2}-\d{2})"
    r"\s*[.)]?\s*$"
)


def has_photo_cue(text: str) -> bool:
    return bool(_PHOTO_CUE_RE.match(text))


def looks_like_caption(text: str, same_block: bool) -> bool:
    """A line just before a lone credit is its caption when it reads like one: photo wording, a place
    and full date at its end (as agencies write captions), or a short line set in the credit's block."""
    n_words = words(text)
    if n_words > 80:
        return False
    return has_photo_cue(text) or bool(_DATE_END_RE.search(text)) or (same_block and n_words <= 60)


# ---- bylines, contributors, furniture, tags ----------------------------------------------------

_BYLINE_RE = re.compile(
    r"^(?:(?:written|words|story|text|reported)\s+by|by|author(?:s)?\s*:|reporter\s*:|byline\s*:"
    r"|von|par|por|di|door|av|af)\s+(?P<rest>.+)$",  # "by" in German, French, Spanish, Italian, Dutch, Nordic
    re.I,
)
_BYLINE_TAIL_RE = re.compile(
    r"\s+(?:updated|published|posted)\b|\s+\d|[,|]?\s+(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s", re.I
)
_BYLINE_CONNECTORS = frozenset(
    "and & , | - – — with in of the for at de da van von der del di la le al bin y et und en og och".split()
)


def byline_names(text: str) -> list[str] | None:
    """Names of a byline ("By Jane Doe and John Roe, Example News"); None when the line is no byline."""
    if words(text) > 16 or text.rstrip().endswith((".", "?", "!")) and not text.rstrip().endswith(" Jr."):
        return None
    match = _BYLINE_RE.match(text.strip())
    if not match or not text.lstrip()[:1].isupper():
        return None
    # "By Jane Doe Updated 10:00 AM ET, Tue May 5, 2026": the name ends where a timestamp starts
    rest = _BYLINE_TAIL_RE.split(match["rest"].strip(), maxsplit=1)[0].strip(" ,|-–—")
    toks = re.findall(r"[\w'’.-]+", rest)
    # Every word of a byline is part of a name or an outlet, so capitalised ("By the numbers" is not one).
    if not toks or any(
        token[:1].isalpha() and not token[:1].isupper() and token.lower() not in _BYLINE_CONNECTORS
        for token in toks
    ):
        return None
    names = person_names(rest)
    if names or _agency_like(rest) or rest.lower() in AGENCIES:
        return names
    return None


_CONTRIB_RE = re.compile(
    r"(?:^(?:with\s+)?(?:additional\s+)?(?:reporting|writing|research|editing|edited|compiled|reported|"
    r"produced)\s+by\b"
    r"|\bcontributed\s+(?:to\s+)?(?:this|the)\s+(?:report|story|article|reporting|coverage)"
    r"|^this\s+(?:report|story|article)\s+(?:was\s+)?(?:written|reported|compiled)\s+(?:by|with)\b)",
    re.I,
)


def contributor_names(text: str) -> list[str] | None:
    """Names from a contributor line: "Reporting by A in X; Editing by B", "C contributed to this
    report."."""
    if "by" not in text and "contribut" not in text and "By" not in text:  # cheap test before the regex
        return None
    if words(text) > 40 or not _CONTRIB_RE.search(text):
        return None
    names: list[str] = []
    for seg in re.split(r"\s*;\s*", text):
        if re.match(r"^\s*(?:editing|edited|graphics|design)\b", seg, re.I):
            continue  # editors and designers are not the authors
        seg = re.sub(r"\bcontributed\b.*$", "", seg, flags=re.I)
        seg = re.sub(r"^.*?\b(?:by|from)\s+", "", seg, flags=re.I)
        names += [name for name in person_names(seg) if name not in names]
    return names


_SOCIAL = (
    r"(?:facebook|twitter|x|email|e-mail|mail|whatsapp|linkedin|reddit|print|copy\s+link|messenger|"
    r"telegram|bluesky|threads|pinterest|flipboard|sms|link)"
)
_FURNITURE_RE = re.compile(
    r"^(?:"
    rf"share(?:\s+(?:this|the)\s+(?:article|story|page|post|video))?(?:\s+(?:on|via|to)\s+\w+)?\s*:?\s*(?:{_SOCIAL}\W*)*"
    rf"|(?:{_SOCIAL}\W*){{1,}}"
    r"|(?:click|tap)\s+here\b.*"
    r"|(?:subscribe|sign\s*up|sign-up|register|join\s+(?:us|our|the)|unsubscribe|log\s*in|sign\s+in)\b.*"
    r"|follow\s+(?:us|@|\w+\s+on)\b.*"
    r"|(?:read|see)\s+(?:more|also|next|the\s+full|our)\b.*"
    r"|(?:related|recommended|more\s+from|more\s+on|more\s+stories|most\s+(?:read|popular|viewed|shared)|trending"
    r"|top\s+stories|latest\s+news|you\s+may\s+also\s+like|don'?t\s+miss|also\s+read)\b.*"
    r"|advertisements?\b.*|advert|sponsored(?:\s+content)?|ad|promoted"
    r"|(?:photo|image|slide|picture)?\s*\d+\s*(?:of|/)\s*\d+"
    r"|(?:enlarge\s+this\s+image|toggle\s+caption|hide\s+caption|click\s+to\s+expand|expand)\b.*"
    r"|(?:contact|e-?mail|write\s+to|reach)\b.*\S+@\S+\.\w+.*"
    r"|(?:listen|watch)(?:\s+to\s+this\s+(?:article|story))?\s*(?::.*|\(\d.*\))?"
    r"|(?:continue\s+reading|story\s+continues|scroll\s+(?:down\s+)?to\s+continue|article\s+continues)\b.*"
    r"|(?:copyright|©|\(c\))\s.*|all\s+rights\s+reserved.*"
    r"|\d+\s+min(?:ute)?s?\s+(?:read|listen)"
    r"|comments?|\d+\s+comments?|leave\s+a\s+comment.*|view\s+comments"
    r"|image|photo|video|gallery|audio|loading\W*|close|menu|skip\s+to\s+(?:main\s+)?content|back\s+to\s+top"
    r"|our\s+standards\s*:.*|(?:the\s+)?thomson\s+reuters\s+trust\s+principles\.?"
    r"|source\s*:.*|(?:video|gallery|photos|in\s+pictures|live|explainer|opinion|analysis)\s*:.*"
    r"|(?:published|updated|posted|last\s+updated)?\s*\d+\s+(?:seconds?|minutes?|mins?|hours?|hrs?|days?|weeks?)"
    r"\s+ago"
    r")\W*$",
    re.I,
)
_NEWSLETTER_RE = re.compile(
    r"\bnewsletters?\b.*\b(?:sign\s*up|subscribe|inbox|delivered|receive|get)\b"
    r"|\b(?:sign\s*up|subscribe|get|receive)\b.*\bnewsletters?\b"
    r"|\bdelivered\s+(?:straight\s+)?to\s+your\s+inbox\b",
    re.I,
)
_RIGHTS_RE = re.compile(r"\bmay\s+not\s+be\s+(?:published|reproduced|redistributed|rewritten|copied)\b", re.I)
_SYNDICATION_RE = re.compile(
    r"^(?:this\s+(?:article|story|report|piece)\s+(?:was|is|has\s+been)\s+(?:first|originally)?\s*"
    r"(?:published|posted|appeared|written|reproduced|republished|reprinted)\b"
    r"|(?:first|originally)\s+(?:published|appeared)\s+(?:by|in|on|at)\b"
    r"|(?:republished|reprinted)\s+(?:with|by|from|under)\b)",
    re.I,
)


_PUNCT = "\"'“”‘’«»()[]:;,.!?-–—|©"
# First words a furniture line can start with: a set test skips the big regex for ordinary sentences.
_FURNITURE_FIRST = frozenset(
    "share facebook twitter x email e-mail mail whatsapp linkedin reddit print copy messenger telegram "
    "bluesky threads pinterest flipboard sms link click tap subscribe sign sign-up signup register join "
    "unsubscribe log login follow read see related recommended more most trending top latest you don't dont "
    "also advertisement advertisements advert sponsored ad promoted listen watch continue story scroll "
    "article copyright (c) all comments comment leave view image photo video gallery audio loading close "
    "menu skip back our the thomson source photos in live explainer opinion analysis published updated "
    "posted last enlarge toggle hide expand contact write reach slide picture".split()
    + [str(i) for i in range(10)]
) | {""}
_SYNDICATION_FIRST = frozenset("this first originally republished reprinted".split())


_NO_WORDS_RE = re.compile(r"^[\W_]*$")
_CODE_RE = re.compile(
    r"^(?:<[a-zA-Z][\w:-]*(?:\s[^>]*)?>.*|[.#]?[\w-]+(?:\s+[.#]?[\w-]+)*\s*\{.*|[\w-]+\s*:\s*[^\s;]+(?:\s+[^\s;]+)*\s*;"
    r"|[{}();]+|(?:var|const|let|function)\s.*[;{]\s*)$"
)


def code_reason(text: str) -> str | None:
    """Why a line of any length is no prose: a separator, or markup and code left by extraction."""
    if _NO_WORDS_RE.match(text):
        return "separator line (no words)"
    if (text[:1] in "<{}.#;(" or text.endswith((";", "{", "}"))) and _CODE_RE.match(text):
        return "markup or code left in the text (an embedded post, a style or script line)"
    return None


def furniture_reason(text: str) -> str | None:
    """Why a short line is page furniture (share buttons, newsletter and subscription calls, ads...)."""
    n_words = words(text)
    low = text[:400].lower()
    first = low.split(None, 1)[0].strip(_PUNCT) if low.strip() else ""
    if n_words <= 25 and (n_words <= 3 or first in _FURNITURE_FIRST) and _FURNITURE_RE.match(text):
        return "page furniture (share, subscribe, related links, ads or copyright)"
    if n_words <= 35 and "may not be" in low and _RIGHTS_RE.search(text):
        return "rights notice"
    if n_words <= 35 and ("newsletter" in low or "inbox" in low) and _NEWSLETTER_RE.search(text):
        return "newsletter or subscription call"
    if n_words <= 35 and first in _SYNDICATION_FIRST and _SYNDICATION_RE.match(text):
        return "syndication note (where the article was first published)"
    return None


# Notices a page shows instead of an article, or over it: script, cookie, browser and robot checks, errors,
# and paywalls or login walls. General vocabulary of web pages, never of a story.
_SHELL_RE = re.compile(
    r"\b(?:enable|turn\s+on|activate|allow)\s+(?:javascript|cookies)\b"
    r"|\bjavascript\s+(?:is\s+)?(?:disabled|required|needed|turned\s+off|not\s+enabled)\b"
    r"|\b(?:requires?|needs?)\s+javascript\b"
    r"|\b(?:we|this\s+(?:site|website)|our\s+(?:site|website))\s+uses?\s+cookies\b"
    r"|\b(?:accept|reject|manage)\s+(?:all\s+)?cookies\b|\bcookies?\s+(?:policy|settings|preferences|consent)\b"
    r"|\b(?:your|this)\s+browser\s+(?:is\s+)?(?:not\s+supported|out\s+of\s+date|outdated|unsupported)\b"
    r"|\b(?:update|upgrade)\s+your\s+browser\b|\bchecking\s+your\s+browser\b"
    r"|\b(?:verify|confirm)\s+(?:that\s+)?you\s+are\s+(?:a\s+)?(?:human|not\s+a\s+robot)\b|\bcaptcha\b"
    r"|\b(?:page|article|story|content)\s+(?:(?:was|could)\s+not\s+be\s+found|not\s+found)\b"
    r"|\b(?:page|article|story|content)\s+you\s+(?:are|were)\s+looking\s+for\b"
    r"|\b(?:page|article|story|content)\s+you\s+requested\b|^(?:error\s+)?40[34]\b|\b40[34]\s+(?:error|not\s+found)\b"
    r"|\baccess\s+(?:denied|forbidden)\b|\b(?:permission|authori[sz]ed)\s+to\s+(?:access|view)\s+this\b"
    r"|\b(?:subscribers?|members?|premium)[\s-]+only\b"
    r"|\b(?:available|reserved|exclusive)\s+(?:only\s+)?(?:to|for)\s+(?:our\s+)?(?:subscribers|members)\b"
    r"|\b(?:subscribe|log\s*in|sign\s*in|sign\s*up|register)\s+(?:now\s+)?to\s+(?:continue|read|view|access|unlock"
    r"|keep\s+reading)\b|\b(?:continue|keep)\s+reading\b|\balready\s+(?:a\s+)?(?:subscriber|member)\b"
    r"|\bfree\s+articles?\s+(?:left|remaining)\b|\bpaywall\b",
    re.I,
)
SHELL_MAX_WORDS = 40  # a longer line is prose, whatever it mentions


def is_shell_notice(text: str) -> bool:
    """A line a page shows instead of an article (script, cookie or robot check, error, paywall, login)."""
    return words(text) <= SHELL_MAX_WORDS and bool(_SHELL_RE.search(text))


_TAG_LABEL_RE = re.compile(
    r"^(?:tags?|tagged|topics?|related\s+topics|keywords|filed\s+under|categories|category|subjects?|more\s+on)"
    r"\b\s*(?::\s*(?P<rest>.*)|$)",
    re.I,
)


def is_tag_line(text: str) -> bool:
    """A tag label alone ("Tags") or a tag list ("Tags: A, B | C"), not a sentence."""
    match = _TAG_LABEL_RE.match(text.strip())
    if not match:
        return False
    rest = match["rest"] or ""
    return words(text) <= 40 and not ends_sentence(rest) if rest else True


_TAG_ITEM_RE = re.compile(rf"^[#{UPPER}0-9][\w'’&.#+-]*(?: [\w'’&.#+-]+){{0,3}}$")


def is_tag_item(text: str) -> bool:
    """A tag-list item: one to four words, capitalised, no sentence or list punctuation ("Sorrel River")."""
    return bool(_TAG_ITEM_RE.match(text)) and not ends_sentence(text)
