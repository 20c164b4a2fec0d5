"""Cleaning rules on hand-written articles of several shapes: what must go, what must stay."""

from __future__ import annotations

import pytest

from storydesk.errors import InputError
from storydesk.ingest.clean import clean, normalise
from storydesk.models import RawRecord

P1 = (
    "Rescue teams reached the flooded villages of the Aster valley on Wednesday, two days after the river "
    "broke its banks, the regional governor said in a statement."
)
P2 = (
    "More than 3,000 people have been moved to schools and sports halls, and the army has sent boats and "
    "field kitchens to the worst-hit towns along the lower river."
)
P3 = (
    "Forecasters expect more rain over the weekend, and officials warned residents not to return to their "
    "homes until engineers have inspected the dikes."
)


def _clean(text: str, **kw) -> object:
    return clean(RawRecord(origin="t.txt", fmt="txt", text=text, stem="t", **kw))


def _with(line: str, where: str = "middle") -> str:
    if where == "top":
        return f"{line}\n\n{P1}\n\n{P2}\n\n{P3}"
    if where == "end":
        return f"{P1}\n\n{P2}\n\n{P3}\n\n{line}"
    return f"{P1}\n\n{line}\n\n{P2}\n\n{P3}"


REMOVED = [
    # photo captions and credits
    (
        "Volunteers fill sandbags in Brenn on Tuesday, May 5, 2026.Ola Marsh/POOL/AFP via Getty Images",
        "middle",
        "caption",
    ),
    ("Volunteers fill sandbags in Brenn on Tuesday. REUTERS/Ola Marsh", "middle", "caption"),
    ("Volunteers fill sandbags in Brenn on Tuesday. (AP Photo/Ola Marsh)", "middle", "caption"),
    (
        "A boat moves along a flooded street in Brenn, May 5, 2026. Ola Marsh/Valley News/Pressfoto",
        "middle",
        "caption",
    ),
    ("Volunteers fill sandbags in Brenn. NORTHSTAR/Ola Marsh", "middle", "caption"),
    ("Photo: Ola Marsh/AFP", "middle", "credit"),
    ("Photo: Ola Marsh/dpa", "middle", "caption"),
    ("Ola Marsh/AP", "middle", "credit"),
    (
        "In this handout photograph released by the ministry, soldiers carry sandbags to a dike near Brenn.",
        "middle",
        "caption",
    ),
    ("File photo: a dike near Brenn in 2019", "middle", "caption"),
    ("Photograph: Ola Marsh/AP", "middle", "credit"),
    ("Credit...Ola Marsh/The Valley Times", "middle", "credit"),
    ("Image source, Getty Images", "middle", "caption"),
    ("Image caption, Volunteers fill sandbags in Brenn", "middle", "caption"),
    # an agency in capitals, a slash and a name end a caption however they are glued on (issue 9)
    (
        "A boat moves along a flooded street in Brenn, Aster, May 5, 2026.REUTERS/Ola Marsh",
        "middle",
        "caption",
    ),
    (
        "A boat moves along a flooded street in Brenn, Aster, May 5, 2026REUTERS/Ola Marsh",
        "middle",
        "caption",
    ),
    (
        "A boat moves along a flooded street in Brenn, Aster, May 5, 2026. REUTERS/Ola Marsh.",
        "middle",
        "caption",
    ),
    (
        "A boat moves along a flooded street in Brenn, May 5, 2026. REUTERS/Ola Marsh TPX IMAGES OF THE DAY",
        "middle",
        "caption",
    ),
    (
        "A boat moves along a flooded street in Brenn, May 5, 2026. AFP/Ola van der Marsh/Pool",
        "middle",
        "caption",
    ),
    ("REUTERS/Ola Marsh.", "middle", "credit"),
    # bylines, contributors, timestamps
    ("By Jane Doe", "top", "byline"),
    ("By Jane Doe and Omar Haddad, Valley News", "top", "byline"),
    ("BY JANE DOE", "top", "byline"),
    ("Reporting by Ana Lima in Brenn; Editing by Tom Reed", "end", "byline"),
    ("Valley News' Piet Aalders contributed to this report.", "end", "byline"),
    ("March 10, 2026, 9:40 AM", "top", "dateline"),
    ("Updated 9:40 AM EST, Tue March 10, 2026", "top", "dateline"),
    ("10 March 2026 14.05 GMT", "top", "dateline"),
    ("Last modified on Tue 10 Mar 2026 14.05 GMT", "top", "dateline"),
    ("Published 3 hours ago", "top", "furniture"),
    # furniture
    ("Share this article: Facebook Twitter Email", "end", "furniture"),
    ("Share", "middle", "furniture"),
    ("Sign up for our newsletter to get the day's top stories.", "end", "furniture"),
    ("Get the latest headlines delivered to your inbox with our free newsletter.", "middle", "furniture"),
    ("Advertisement", "middle", "furniture"),
    ("Read more: Storm cuts power to the coast", "middle", "furniture"),
    ("This story was originally published by the Valley Post.", "end", "furniture"),
    ("© 2026 Valley News. All rights reserved.", "end", "furniture"),
    ("Subscribe to our newsletter for daily updates.", "end", "furniture"),
    ("Source: Valley News and news agencies", "end", "furniture"),
    ("Video: Boats rescue families from rooftops", "middle", "furniture"),
    ("Our Standards: The Thomson Reuters Trust Principles.", "end", "furniture"),
    ("___", "middle", "furniture"),
    ("1 of 5", "middle", "furniture"),
    ("Enlarge this image", "middle", "furniture"),
    ("toggle caption Ola Marsh/AP", "middle", "furniture"),
    ("Advertisement - Scroll to continue", "middle", "furniture"),
    ("Write to Jane Doe at jane.doe@valley-news.example", "end", "furniture"),
    ("This material may not be published, broadcast, rewritten or redistributed.", "end", "furniture"),
    ("FILE - In this May 5, 2019, file photo, volunteers fill sandbags in Brenn.", "middle", "caption"),
    ("* * *", "middle", "furniture"),
    ("width:100%;", "middle", "furniture"),
    ("}", "middle", "furniture"),
    (
        '<tweet id="1" author="@valleynews">Boats are on their way to Brenn. pic.twitter.com/x</tweet>',
        "middle",
        "furniture",
    ),
    # tags
    ("Tags: floods, Aster valley, weather", "end", "tags"),
    ("Tags", "end", "tags"),
    ("Topics\nWeather\nAster valley", "end", "tags"),
    ("Filed under: Weather | Floods", "end", "tags"),
]


@pytest.mark.parametrize(("line", "where", "kind"), REMOVED)
def test_line_is_removed_and_recorded(line, where, kind):
    art = _clean(_with(line, where))
    first = line.split("\n")[0]
    assert first not in art.text
    assert any(r.kind == kind and first in r.text for r in art.removed), [
        (r.kind, r.text) for r in art.removed
    ]
    assert all(r.reason for r in art.removed)
    for p in (P1, P2, P3):
        assert p in art.text


KEPT = [
    "By the numbers",  # a subheading, not a byline
    "Share prices of the insurers fell sharply on Monday after the floods.",
    "Subscribers to the water company's alert service rose to 40,000 this week, it said.",
    "The AP/NORC poll showed support for the dike programme falling to 41% in May.",
    "Support for the dike programme fell to 41% in May, according to the latest AP/NORC.",
    "He cited a Reuters/Ipsos poll.",
    "Reuters reported that the talks on compensation had stalled.",
    "The newsletter of the farmers' union said 200 farms were under water.",
    "What comes next for the valley",  # a subheading inside the body is kept (policy)
    "\u201cWe lost everything,\u201d said Mara Quell, a baker in Brenn.",
    "Tagged animals from the nature reserve were moved to higher ground.",
    "Writing from Brenn, the mayor told the minister that the dikes would not hold another week.",
    "Analysis of the water samples will take two weeks, the laboratory said.",
    "Source material for the report came from satellite images, the agency said.",
    "Support for the dike programme rose to 41% in May, the poll found. [IBD/TIPP]",
    "(The figures were revised on Friday.)",
    "Contact with the stranded villages was restored on Thursday, the army said.",
    "Expanding the dikes will cost 40 million crowns, the ministry said.",
    "3 of the 5 pumping stations were back in service by noon.",
]


@pytest.mark.parametrize("line", KEPT)
def test_article_words_are_kept(line):
    art = _clean(_with(line, "middle"))
    assert line in art.text, [(r.kind, r.text) for r in art.removed]
    assert not art.removed


def test_caption_before_lone_agency_line_goes_with_it():
    text = f"{P1}\n\nSoldiers carry sandbags to a dike near Brenn, 5 May 2026.\nReuters\n\n{P2}\n\n{P3}"
    art = _clean(text)
    kinds = [r.kind for r in art.removed]
    assert kinds == ["caption", "credit"]
    assert "Reuters" not in art.text.split("\n")


def test_body_paragraph_before_a_lone_credit_is_kept():
    art = _clean(f"{P1}\n\n{P2}\n\nGetty Images\n\n{P3}")
    assert P2 in art.text and "Getty Images" not in art.text
    assert [r.kind for r in art.removed] == ["credit"]


def test_bylines_and_contributors_become_authors():
    text = (
        f"By Jane Doe and Omar Haddad\n\n{P1}\n\n{P2}\n\n{P3}\n\n"
        "Valley News' Piet Aalders contributed to this report."
    )
    art = _clean(text)
    assert art.authors == ["Jane Doe", "Omar Haddad", "Piet Aalders"]


@pytest.mark.parametrize(
    ("line", "authors", "published"),
    [
        ("By Jane Doe", ["Jane Doe"], None),
        ("By Jane Doe, CNN Updated 10:05 AM EDT, Tue May 5, 2026", ["Jane Doe"], "2026-05-05T10:05:00"),
        ("By JANE DOE Associated Press", ["JANE DOE"], None),
        ("By Jane Doe and Omar Haddad | Valley News", ["Jane Doe", "Omar Haddad"], None),
        ("By The Associated Press", [], None),
        ("Von Anna Schmidt", ["Anna Schmidt"], None),
        ("Par Jean Dupont et Marie Curie", ["Jean Dupont", "Marie Curie"], None),
    ],
)
def test_byline_shapes(line, authors, published):
    art = _clean(f"{line}\n\n{P1}\n\n{P2}")
    assert (art.authors, art.published) == (authors, published)
    assert [r.kind for r in art.removed] == ["byline"]


def test_timestamp_line_gives_published_only_when_missing():
    text = f"March 10, 2026, 9:40 AM\n\n{P1}\n\n{P2}\n\n{P3}"
    assert _clean(text).published == "2026-03-10T09:40:00"
    assert _clean(text, published="2026-03-11").published == "2026-03-11"


def test_date_marker_is_the_published_date_and_leaves_the_text():
    art = _clean(f" date 2026-05-06 {P1}\n\n{P2}\n\n{P3}")
    assert art.published == "2026-05-06"
    assert art.text.startswith("Rescue teams")
    assert "date 2026" not in art.text


@pytest.mark.parametrize(
    ("text", "title", "kinds"),
    [
        (
            f"Floods reach the Aster valley\n\n{P1}\n\n{P2}\n\n{P3}",
            "Floods reach the Aster valley",
            ["title"],
        ),
        (
            f"Floods reach the Aster valley\n\nFloods reach the Aster valley\n\n{P1}\n\n{P2}\n\n{P3}",
            "Floods reach the Aster valley",
            ["title", "repeated_title"],
        ),
        (f"{P1}\n\n{P2}\n\n{P3}", None, []),  # no headline-shaped first line: no title
        (f"Floods Reach the Aster Valley.\n\n{P1}\n\n{P2}", "Floods Reach the Aster Valley.", ["title"]),
        (f"Floods reach the Aster valley.\n\n{P1}\n\n{P2}", None, []),  # may be a one-line lede: kept
    ],
)
def test_title_from_first_line_and_its_repeat(text, title, kinds):
    art = _clean(text)
    assert art.title == title
    assert [r.kind for r in art.removed] == kinds


@pytest.mark.parametrize("label", ["Floods", "World news", "LIVE"])
def test_kicker_label_above_the_headline(label):
    art = _clean(f"{label}\n\nFloods reach the Aster valley\n\n{P1}\n\n{P2}")
    assert art.title == "Floods reach the Aster valley" and art.text.startswith("Rescue teams")
    assert [r.kind for r in art.removed] == ["furniture", "title"]


def test_record_title_repeated_at_top_of_body():
    art = _clean(
        f"Floods reach the Aster valley | Valley News\n\n{P1}\n\n{P2}\n\n{P3}",
        title="Floods reach the Aster valley",
    )
    assert art.title == "Floods reach the Aster valley"
    assert [r.kind for r in art.removed] == ["repeated_title"]


def test_repeated_paragraph_is_removed_once():
    art = _clean(f"{P1}\n\n{P2}\n\n{P1}\n\n{P3}")
    assert art.text.count(P1) == 1
    assert [r.kind for r in art.removed] == ["repeated_paragraph"]


@pytest.mark.parametrize(
    ("raw", "must_contain", "must_not_contain"),
    [
        (f"{P1}\r\n\r\n{P2}\r\n{P3}", [f"{P1}\n\n{P2}\n\n{P3}"], ["\r"]),
        (f"  {P1}  \n\n\n\n{P2}\u00a0\t\n{P3}", [f"{P1}\n\n{P2}\n\n{P3}"], ["\n\n\n", "\u00a0", "\t"]),
        # a hard-wrapped paragraph is joined into one
        (
            "Rescue teams reached the flooded villages of the Aster\n"
            "valley on Wednesday, two days after the river broke\n"
            "its banks, the regional governor said in a statement\nissued late in the evening.\n\n" + P2,
            ["Aster valley on Wednesday, two days after the river broke its banks"],
            [],
        ),
    ],
)
def test_whitespace_and_paragraphs(raw, must_contain, must_not_contain):
    art = _clean(raw)
    for s in must_contain:
        assert s in art.text
    for s in must_not_contain:
        assert s not in art.text


def test_metadata_fields():
    art = clean(
        RawRecord(
            origin="r.jsonl:1",
            fmt="jsonl",
            text=f"{P1}\n\n{P2}",
            id="r1",
            url="https://www.valley-news.example/a/1",
            published="Tue, 10 Mar 2026 16:30:00 +0000",
            authors=["Jane Doe"],
        )
    )
    assert art.id == "r1" and art.source == "valley-news.example"
    assert art.published == "2026-03-10T16:30:00"
    assert art.language == "en" and art.words == len(art.text.split())
    assert len(art.content_hash) == 64
    assert art.path == "r.jsonl:1" and art.format == "jsonl"


def test_record_without_id_gets_a_stable_content_id():
    a = clean(RawRecord(origin="x:1", fmt="jsonl", text=f"{P1}\n\n{P2}"))
    b = clean(RawRecord(origin="y:9", fmt="jsonl", text=f"{P1}\n\n{P2}"))
    assert a.id == b.id and len(a.id) == 16


def test_source_falls_back_to_the_id():
    assert _clean(f"{P1}\n\n{P2}").source == "t"


@pytest.mark.parametrize("text", ["", "Too short.", "Tags\nA\nB"])
def test_too_little_text_is_rejected(text):
    with pytest.raises(InputError, match="t.txt"):
        _clean(text)


def test_one_short_sentence_is_a_brief():
    art = _clean("Too short to be an article.")
    assert art.brief and art.words == 6 and art.text == "Too short to be an article."


def test_normalise_keeps_words():
    assert normalise("a\u200bb  c\r\nd\u00ade") == "ab c\nde"


def test_html_record_uses_trafilatura_metadata():
    html = (
        "<html><head><title>Floods reach the valley | Valley News</title>"
        "<meta property='og:site_name' content='Valley News'>"
        "<meta property='article:published_time' content='2026-05-06T08:00:00Z'></head><body><article>"
        f"<h1>Floods reach the valley</h1><p>{P1}</p><p>{P2}</p><p>{P3}</p></article></body></html>"
    )
    art = clean(RawRecord(origin="p.html", fmt="html", html=html, stem="p"))
    assert art.source == "Valley News" and art.published.startswith("2026-05-06")
    assert art.title == "Floods reach the valley"
    assert art.text.startswith("Rescue teams") and P3 in art.text


# Whole articles in the shapes of several kinds of outlets (all invented).
WIRE = """Dikes hold as Aster river crests

By Ana Lima and Tom Reed

BRENN (Wire) - The dikes along the lower Aster held overnight as the river crested two metres above \
its usual level, the regional flood office said on Thursday.

Soldiers carry sandbags to a dike near Brenn, May 7, 2026. REUTERS/Ola Marsh

Engineers will inspect every section before residents may return, the office said in a statement.

"We are not out of danger yet," flood office chief Piet Aalders told reporters in Brenn.

Reporting by Ana Lima in Brenn; Editing by Tom Reed

Our Standards: The Thomson Reuters Trust Principles."""
BROADSHEET = """Last modified on Thu 7 May 2026 09.15 BST

The dikes along the lower Aster held overnight as the river crested two metres above its usual level.
Soldiers carry sandbags to a dike near Brenn on Wednesday. Photograph: Ola Marsh/AFP/Getty Images
Engineers will inspect every section before residents may return, the regional flood office said.
"We are not out of danger yet," said the head of the office, Piet Aalders.
Explainer: Why the Aster floods every spring
Sign up to First Edition, our free daily newsletter
Topics
Floods
Aster valley
Weather"""
BROADCASTER = """Aster floods: dikes hold as river crests

Image source, Getty Images
Image caption, Soldiers carried sandbags to the dikes on Wednesday

The dikes along the lower Aster held overnight as the river crested two metres above its usual level, \
officials said.

Engineers will inspect every section before residents may return, the regional flood office said.

Share

"We are not out of danger yet," the head of the office, Piet Aalders, said on Thursday morning.

Related Topics
Floods
Aster valley"""


@pytest.mark.parametrize(
    ("text", "must", "must_not", "title", "authors", "published"),
    [
        (
            WIRE,
            ["BRENN (Wire) - The dikes", "We are not out of danger yet"],
            ["REUTERS/", "Soldiers carry", "Reporting by", "Our Standards", "By Ana"],
            "Dikes hold as Aster river crests",
            ["Ana Lima", "Tom Reed"],
            None,
        ),
        (
            BROADSHEET,
            ["held overnight", "not out of danger"],
            ["Photograph:", "Soldiers carry", "Sign up", "Topics", "\nFloods", "Last modified", "Explainer"],
            None,
            [],
            "2026-05-07T09:15:00",
        ),
        (
            BROADCASTER,
            ["held overnight", "not out of danger"],
            ["Image source", "Image caption", "Share", "Related Topics", "Aster valley"],
            "Aster floods: dikes hold as river crests",
            [],
            None,
        ),
    ],
    ids=["wire", "broadsheet", "broadcaster"],
)
def test_whole_articles_of_several_shapes(text, must, must_not, title, authors, published):
    art = _clean(text)
    for s in must:
        assert s in art.text
    for s in must_not:
        assert s not in art.text, s
    assert (art.title, art.authors, art.published) == (title, authors, published)
