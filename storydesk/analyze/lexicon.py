"""Analyze stage: closed word lists (cues, titles, number words) shared by the analysis components."""

from __future__ import annotations

# Verbs that introduce reported speech ("said", "told reporters", "warned that ...").
SPEECH_LEMMAS = frozenset(
    """say tell add warn state claim insist argue note announce confirm deny explain stress suggest write
    report acknowledge admit reply respond declare assert allege tweet post predict caution emphasize
    emphasise recall reiterate complain comment remark testify vow promise pledge threaten ask accuse
    concede contend maintain observe urge question wonder disclose reveal signal agree counter dismiss reject
    estimate boast brag quip joke lament mention repeat retort scoff underscore concur charge shout yell
    scream exclaim whisper bark snap muse cry plead""".split()
)
# Verbs of belief or knowledge: attributed content that is not speech ("officials believe that ...").
BELIEF_LEMMAS = frozenset("believe think expect hope fear feel know worry doubt conclude find show".split())

# Stance cues for statements.
CLAIM_LEMMAS = frozenset("claim allege insist assert maintain contend boast purport".split())
DENY_LEMMAS = frozenset("deny reject dismiss refute rebut contradict disavow".split())
DISPUTE_LEMMAS = frozenset("dispute contest challenge question doubt".split())
REPORT_LEMMAS = frozenset("report".split())
DENY_PHRASES = ("not true", "untrue", "false", "no such", "baseless", "fake news", "nonsense")

# Words that make a noun phrase a title or role when they stand before or beside a person's name.
TITLE_WORDS = frozenset(
    """president vice secretary minister spokesman spokeswoman spokesperson envoy emissary adviser advisor
    aide senator sen. representative rep. governor gov. mayor chancellor premier king queen prince princess
    pope general gen. colonel col. lieutenant lt. captain capt. commander chief director chairman
    chairwoman chair head ceo founder judge justice ambassador diplomat official leader candidate nominee
    prosecutor attorney lawyer analyst professor dr. taoiseach prime deputy speaker councillor councilman
    sheriff officer economist negotiator correspondent reporter editor coach manager president-elect
    commissioner inspector superintendent marshal admiral sergeant sgt. bishop cardinal rabbi imam
    executive spokesmen officials strategist chairperson treasurer attorney-general""".split()
)
# Honorifics are part of how a name is written, not a role.
HONORIFICS = frozenset("mr mr. mrs mrs. ms ms. miss sir dame lord lady".split())

# Words inside a name that make it an organisation rather than a person.
ORG_WORDS = frozenset(
    """house ministry council department agency news office party committee court congress senate
    parliament government administration army force forces police union bank university group
    association commission institute company corp inc ltd times post journal""".split()
)

# Words before a number that make it approximate.
APPROX_WORDS = {
    "about": "about",
    "around": "about",
    "roughly": "about",
    "approximately": "about",
    "some": "about",
    "nearly": "nearly",
    "almost": "nearly",
    "close": "nearly",
    "over": "over",
    "more": "over",
    "above": "over",
    "upwards": "over",
    "exceeding": "over",
    "under": "under",
    "less": "under",
    "fewer": "under",
    "below": "under",
    "least": "at least",
    "most": "at most",
    "up": "up to",
    "estimated": "about",
}

NUMBER_WORDS = {
    "zero": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
    "a": 1,
    "an": 1,
    "dozen": 12,
    "dozens": 24,
    "half": 0.5,
    "quarter": 0.25,
    "third": 1 / 3,
    "fifth": 0.2,
}
MULTIPLIERS = {
    "hundred": 100,
    "thousand": 1_000,
    "million": 1_000_000,
    "billion": 1_000_000_000,
    "trillion": 1_000_000_000_000,
    "mln": 1_000_000,
    "bln": 1_000_000_000,
    "m": 1_000_000,
    "bn": 1_000_000_000,
    "k": 1_000,
}
ORDINAL_WORDS = {
    "first": 1,
    "second": 2,
    "third": 3,
    "fourth": 4,
    "fifth": 5,
    "sixth": 6,
    "seventh": 7,
    "eighth": 8,
    "ninth": 9,
    "tenth": 10,
    "eleventh": 11,
    "twelfth": 12,
    "twentieth": 20,
    "hundredth": 100,
}
CURRENCY = {
    "$": "$",
    "€": "€",
    "£": "£",
    "¥": "¥",
    "dollar": "$",
    "dollars": "$",
    "euro": "€",
    "euros": "€",
    "pound": "£",
    "pounds": "£",
    "us$": "$",
    "usd": "$",
    "eur": "€",
    "gbp": "£",
    "yen": "¥",
    "rubles": "RUB",
    "roubles": "RUB",
    "hryvnias": "UAH",
    "yuan": "CNY",
}
TIME_UNITS = frozenset(
    "second seconds minute minutes hour hours day days week weeks month months year years "
    "decade decades century centuries".split()
)
# Nouns that can be the source in "according to X".
SOURCE_NOUNS = frozenset(
    """source official report statement data figure figures estimate media agency analyst expert mapping
    survey poll witness resident document people person ministry government police spokesman spokeswoman
    spokesperson investigator researcher study record records filing filings count tally monitor group
    organization organisation observer journalist reporter newspaper outlet website site account aide
    friend relative family campaign office department committee authority authorities article story news
    paper tweet interview transcript post release book memo letter footage video website database""".split()
)
