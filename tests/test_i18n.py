"""Every page and message speaks English and Simplified Chinese (issue 4). The Chinese
desk serves document 001's school, whose staff work in Chinese (ED1-ED10): the
catalogue must translate every string the code and the templates mark, and nothing a
person reads may be left unmarked."""

from __future__ import annotations

import gettext
import io
import re
import shutil
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_python
from babel.messages.pofile import read_po
from django.core.management import call_command
from django.template.base import Lexer, TokenType
from django.test import Client
from django.utils import translation
from django.utils.translation.template import templatize

from ladder.cases import actions as case_actions
from ladder.customers import actions as customer_actions
from ladder.errors import Invalid, NotFound, StaleVersion
from ladder.money import make_money
from ladder.tenancy import actions as tenancy_actions
from ladder.tenancy.actors import Actor
from ladder.tenancy.models import Role, Staff

ROOT = Path(__file__).resolve().parent.parent
CODE = ROOT / "ladder"
PO = CODE / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
TEMPLATES = CODE / "web" / "templates"
CJK = re.compile(r"[\u4e00-\u9fff]")

# What ``makemessages`` is told to skip; the catalogue holds our own strings only.
IGNORE = (".venv", "node_modules", "tests", "benchmarks", "build", "docs", "var", "test-results")

# How the catalogue is made (from the repository's root), then translated by hand.
MAKEMESSAGES = "ladder makemessages -l zh_Hans --no-location " + " ".join(
    f"--ignore={p}" for p in IGNORE
)

MsgKey = tuple[str | None, str]


def catalogue() -> Catalog:
    with PO.open("rb") as f:
        return read_po(f, locale="zh_Hans")


def msgid(message: Message) -> str:
    return message.id if isinstance(message.id, str) else message.id[0]


def strings(message: Message) -> tuple[str, ...]:
    value = message.string
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


def keys(catalog: Catalog) -> set[MsgKey]:
    return {(m.context, msgid(m)) for m in catalog if m.id}


# --- the catalogue is translated -----------------------------------------------------


def test_every_msgid_has_a_chinese_translation_and_none_is_fuzzy() -> None:
    """ED1-ED10: a Chinese school's staff read every string in Chinese; a fuzzy entry
    is a guess that gettext would not even use."""
    catalog = catalogue()
    messages = [m for m in catalog if m.id]
    assert len(messages) > 300  # the catalogue is the real one, not an empty stub
    untranslated = [msgid(m) for m in messages if not strings(m) or not all(strings(m))]
    fuzzy = [msgid(m) for m in messages if m.fuzzy]
    assert untranslated == []
    assert fuzzy == []
    assert not catalog.fuzzy  # the header too
    assert catalog.num_plurals == 1  # Chinese has one plural form


def test_translations_keep_their_placeholders() -> None:
    """A translation that drops or misspells ``%(name)s`` would fail at run time."""
    placeholder = re.compile(r"%\((\w+)\)[sd]|\{(\w*)\}")
    wrong = []
    for m in catalogue():
        if not m.id:
            continue
        ids = [m.id] if isinstance(m.id, str) else list(m.id)
        wanted = {p for i in ids for p in placeholder.findall(i)}
        for s in strings(m):
            if set(placeholder.findall(s)) != wanted:
                wrong.append((msgid(m), s))
    assert wrong == []


# --- the catalogue is complete -------------------------------------------------------

KEYWORDS: dict[str, tuple[Any, ...] | None] = {
    "gettext": None,
    "gettext_lazy": None,
    "gettext_noop": None,
    "_": None,
    "ngettext": (1, 2),
    "ngettext_lazy": (1, 2),
    "pgettext": ((1, "c"), 2),
    "pgettext_lazy": ((1, "c"), 2),
    "npgettext": ((1, "c"), 2, 3),
    "npgettext_lazy": ((1, "c"), 2, 3),
}


def _sources() -> Iterator[tuple[Path, bytes]]:
    """Our Python files and templates, the templates turned into the Python-like text
    that ``makemessages`` hands to xgettext (Django's own ``templatize``)."""
    for path in sorted(CODE.rglob("*")):
        if "locale" in path.parts or "migrations" in path.parts:
            continue
        if path.suffix == ".py":
            yield path, path.read_bytes()
        elif path.suffix in (".html", ".txt"):
            text = templatize(path.read_text(encoding="utf-8"), origin=str(path))
            # Each msgid is a one-line literal; the indentation around it is noise.
            yield path, "\n".join(line.lstrip() for line in text.splitlines()).encode()


def extracted() -> dict[MsgKey, str]:
    """Every marked string in our code, and the first file that marks it."""
    found: dict[MsgKey, str] = {}
    for path, source in _sources():
        for _line, func, args, _comments in extract_python(io.BytesIO(source), KEYWORDS, [], {}):
            values = (args,) if isinstance(args, str) else tuple(args)
            name = func if isinstance(func, str) else func[0]
            context, text = (
                (values[0], values[1]) if name.startswith(("p", "np")) else (None, values[0])
            )
            if text:
                found.setdefault((context, text), str(path.relative_to(ROOT)))
    return found


def test_no_marked_string_is_missing_from_the_catalogue() -> None:
    """Whoever marks a new string runs makemessages and translates it; a string that
    is marked but not in the catalogue would show in English on a Chinese page."""
    found = extracted()
    committed = keys(catalogue())
    missing = sorted(f"{where}: {key[1]!r}" for key, where in found.items() if key not in committed)
    assert missing == [], f"run `{MAKEMESSAGES}` and translate the new entries"
    stale = sorted(k[1] for k in committed - found.keys())
    assert stale == [], f"strings no longer in the code: run `{MAKEMESSAGES}`"


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="needs GNU gettext's xgettext")
def test_makemessages_finds_nothing_the_catalogue_lacks(tmp_path: Path, settings: Any) -> None:
    """The same check with the tool that writes the catalogue: makemessages into an
    empty locale folder, compared with the committed one."""
    settings.LOCALE_PATHS = [tmp_path]
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(ROOT)
        call_command(
            "makemessages",
            locale=["zh_Hans"],
            # Without "locale" it would also find, and write to, the committed one.
            ignore_patterns=[*IGNORE, "*.egg-info", "locale"],
            verbosity=0,
        )
    with (tmp_path / "zh_Hans" / "LC_MESSAGES" / "django.po").open("rb") as f:
        fresh = keys(read_po(f))
    assert sorted(k[1] for k in fresh - keys(catalogue())) == []
    assert sorted(k[1] for k in keys(catalogue()) - fresh) == []


# --- no template string is left unmarked ---------------------------------------------

# Attributes whose values people read (or hear from a screen reader).
PEOPLE_ATTRIBUTES = ("placeholder", "title", "aria-label", "alt", "aria-placeholder")
# Words a person may read untranslated: none so far ("Ladder" is translated too).
ALLOWED: frozenset[str] = frozenset()
HIDDEN = "\x00"  # stands for a template variable or tag in the text that is left
COMMENT = re.compile(r"<!--.*?-->", re.S)
TAG = re.compile(r"<[^>]*>", re.S)
ATTRIBUTE = re.compile(r"""([\w:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.S)
ENTITY = re.compile(r"&(?:#\d+|#x[0-9a-fA-F]+|\w+);")
WORD = re.compile(r"\w+")


def unmarked_text(source: str) -> str:
    """The template's own text outside every template tag and variable, with each tag
    or variable replaced by ``HIDDEN``; the text of {% blocktranslate %} and
    {% comment %} blocks is left out (the first is marked, the second is not shown)."""
    parts: list[str] = []
    inside: str | None = None
    for token in Lexer(source).tokenize():
        if token.token_type == TokenType.BLOCK:
            name = token.contents.split(" ", 1)[0]
            if name in ("blocktranslate", "blocktrans", "comment", "verbatim"):
                inside = name
            elif name in ("endblocktranslate", "endblocktrans", "endcomment", "endverbatim"):
                inside = None
        if token.token_type == TokenType.TEXT and inside is None:
            parts.append(token.contents)
        else:
            parts.append(HIDDEN)
    return "".join(parts)


def has_letters(text: str) -> list[str]:
    """The words in ``text`` made of letters (Latin, CJK, any script)."""
    words = WORD.findall(ENTITY.sub(" ", text).replace(HIDDEN, " "))
    return [
        w
        for w in words
        if w not in ALLOWED and any(unicodedata.category(c).startswith("L") for c in w)
    ]


def template_problems(source: str) -> list[str]:
    text = COMMENT.sub(" ", unmarked_text(source))
    problems = []
    for tag in TAG.findall(text):
        for name, double, single in ATTRIBUTE.findall(tag):
            if name.lower() in PEOPLE_ATTRIBUTES and has_letters(double or single):
                problems.append(f"{name}={double or single!r} in {tag.strip()!r}")
        if re.match(r"<input\b", tag) and re.search(r"""type=["'](submit|button|reset)""", tag):
            value = re.search(r"""value=["']([^"']*)""", tag)
            if value and has_letters(value.group(1)):
                problems.append(f"button text {value.group(1)!r}")
    for line in TAG.sub(" ", text).splitlines():
        words = has_letters(line)
        if words:
            problems.append(f"text {' '.join(words)!r}")
    return problems


def test_the_check_finds_unmarked_text_and_passes_marked_text() -> None:
    """The checker itself: plain words, Chinese and attributes for people are caught;
    translated text, variables, comments and technical attributes are not."""
    marked = (
        '{% load i18n %}<!-- a note --><p class="x" id="a-1">{% translate "Hi" %} '
        "{{ case.subject }} · 12 &middot;</p>{% blocktranslate %}Hi {{ n }}{% endblocktranslate %}"
        '{% comment %}Not shown{% endcomment %}<input placeholder="{% translate "Name" %}">'
    )
    assert template_problems(marked) == []
    assert template_problems("<h1>My work</h1>") == ["text 'My work'"]
    assert template_problems("<p>{{ x }} 我的工作</p>") == ["text '我的工作'"]
    assert template_problems('<input title="Search">') != []
    assert template_problems('<button><img alt="Send"></button>') != []
    assert template_problems('<input type="submit" value="Go">') != []


TEMPLATE_FILES = sorted(TEMPLATES.rglob("*.html"))


@pytest.mark.parametrize("path", TEMPLATE_FILES, ids=[p.name for p in TEMPLATE_FILES])
def test_every_template_string_is_marked_for_translation(path: Path) -> None:
    """All text a person reads on a page is inside {% translate %} or
    {% blocktranslate %}, so the Chinese desk (ED1-ED10) shows no English."""
    assert template_problems(path.read_text(encoding="utf-8")) == []


def test_there_are_templates_to_check() -> None:
    assert len(TEMPLATE_FILES) >= 8


# --- the domain's messages are translated --------------------------------------------


def test_domain_messages_speak_the_active_language() -> None:
    """Forms show errors next to the field in the user's language: the domain raises
    its messages through gettext; the API, which activates no language unless the
    client asks (Accept-Language), keeps the English text."""
    with translation.override("zh-hans"):
        assert str(NotFound("case")) == "未找到工单"
        with pytest.raises(Invalid) as refused:
            make_money("1.005", "CNY", "money_at_stake")
        assert refused.value.errors[0].message == "小数点后最多两位"
        stale = str(StaleVersion(expected=3, current=4))
        assert "3" in stale
        assert "4" in stale
        assert CJK.search(stale)
    assert str(NotFound("case")) == "case not found"
    with pytest.raises(Invalid) as refused:
        make_money("1.005", "CNY", "money_at_stake")
    assert refused.value.errors[0].message == "has more than two decimal places"


# --- a page in Chinese ---------------------------------------------------------------

HEADING = re.compile(r"<h([1-3])[^>]*>(.*?)</h\1>", re.S)


@pytest.fixture
def school(db: None) -> Staff:
    """Document 001's school: its locale is Chinese, and so is its class teacher."""
    org = tenancy_actions.create_organization(
        slug="school",
        name="学校",
        locale="zh-hans",
        currency="CNY",
        case_prefix="SCH",
        timezone_name="Asia/Shanghai",
    )
    team = tenancy_actions.create_team(organization=org, name="前台")
    return tenancy_actions.add_staff(
        organization=org,
        username="owner@school",
        display_name="王老师",
        roles=[Role.OWNER],
        password="pw-for-tests-only",
        teams=[team],
    )


def visible_headings(html: str) -> list[str]:
    return [re.sub(r"\s+", " ", TAG.sub(" ", h)).strip() for _level, h in HEADING.findall(html)]


def english_ui_words(html: str) -> list[str]:
    """Headings that still read as one of the catalogue's English msgids."""
    english = {msgid(m) for m in catalogue() if m.id and m.string and m.string != m.id}
    return [h for h in visible_headings(html) if h in english]


def test_a_chinese_class_teacher_sees_my_work_and_the_case_in_chinese(school: Staff) -> None:
    """ED1, ED5, ED8: the school's class teacher (班主任) works in Chinese: My work and
    the case page are Chinese, with no English headings left."""
    actor = Actor.for_staff(school)
    customer = customer_actions.create_customer(actor=actor, name="李同学")
    case = case_actions.create_case(
        actor=actor,
        customer_id=customer.pk,
        kind="refund",
        channel="phone",
        subject="申请退费",
        owner_id=school.pk,
    )
    client = Client()
    client.force_login(school.user)

    work = client.get("/work/")
    assert work.status_code == 200
    html = work.content.decode()
    assert '<html lang="zh-hans">' in html
    assert "我的工作" in html  # "My work"
    assert "My work" not in html
    assert all(CJK.search(h) for h in visible_headings(html)), visible_headings(html)
    assert english_ui_words(html) == []

    page = client.get(f"/cases/{case.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert '<html lang="zh-hans">' in html
    assert "时间线" in html  # "Timeline"
    assert "退费" in html  # the kind, "Refund"
    assert english_ui_words(html) == []
    assert all(CJK.search(h) for h in visible_headings(html)), visible_headings(html)


def test_a_refused_form_says_why_in_chinese(school: Staff) -> None:
    """ED6, ED7: the field error beside a note without text comes from the action,
    translated; no English message reaches the Chinese desk."""
    actor = Actor.for_staff(school)
    customer = customer_actions.create_customer(actor=actor, name="李同学")
    case = case_actions.create_case(
        actor=actor, customer_id=customer.pk, kind="complaint", channel="phone", subject="投诉"
    )
    client = Client()
    client.force_login(school.user)
    r = client.post(f"/cases/{case.pk}/log/", {"kind": "note", "body": "   "})
    html = r.content.decode()
    assert r.status_code == 422
    assert "a note needs text" not in html
    assert "This field is required" not in html


def test_the_compiled_catalogue_matches_the_catalogue() -> None:
    """The .mo is built (``make messages``, run by ``make run`` and ``make test``), not
    committed: a stale one would show old or no translations."""
    compiled = PO.with_suffix(".mo")
    assert compiled.exists(), "run `make messages`"
    with compiled.open("rb") as f:
        built = gettext.GNUTranslations(f)
    stale = []
    for m in catalogue():
        if not m.id:
            continue
        if isinstance(m.id, str):
            got = built.pgettext(m.context, m.id) if m.context else built.gettext(m.id)
        else:
            got = built.ngettext(m.id[0], m.id[1], 1)
        if got != strings(m)[0]:
            stale.append(msgid(m))
    assert stale == [], "the .mo is stale: run `make messages`"
