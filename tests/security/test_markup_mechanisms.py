"""No user text is ever marked safe: the lint over the sources, crispy's help text, and
the robots' markdown."""

import re
from collections import Counter
from pathlib import Path

from django import forms
from django.template import Context, Template
from django.test import override_settings

from scoring.reviews.forms import ResubmitForm
from wuxing.notifications.channels import render
from wuxing.notifications.models import Message

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("wuxing", "scoring", "villages", "templates")
SUFFIXES = {".py", ".html", ".txt", ".md", ".js"}

# What marks text safe or switches escaping off. Any new use fails the lint until it is
# reviewed and added below with the reason it cannot carry user text.
MARKERS = {
    "|safe filter": re.compile(r"\|\s*safe(seq)?\b"),
    "mark_safe": re.compile(r"\bmark_safe\b"),
    "SafeString()": re.compile(r"\bSafe(String|Text|Data)\s*\("),
    "autoescape off": re.compile(r"{%\s*autoescape\s+off"),
    # format_html escapes its arguments, not a template already filled by f/%/format
    "format_html pre-filled": re.compile(
        r"format_html\(\s*(f[\"']|[\"'][^\"']*[\"']\s*(%|\.format))"),
    # Django's own form templates print help text with |safe; forms render through crispy
    "form rendered by Django": re.compile(r"{{\s*\w*form\w*(\.as_\w+)?\s*}}"),
    # our scripts build the page with textContent; htmx swaps autoescaped templates
    "innerHTML": re.compile(r"\.(innerHTML|outerHTML)\s*\+?=|insertAdjacentHTML\("),
}

PRESENT = "scoring/dashboards/present.py"
REVIEWED_LINES = [
    # Joins of format_html / format_html_join results: their arguments are escaped.
    (PRESENT, 'return SafeString("\\n".join(rows))'),
    (PRESENT, 'return SafeString("\\n".join(rows))'),
    (PRESENT, 'village.name, village.level, SafeString("".join(partners))))'),
    # render_to_string output is autoescaped HTML already.
    (PRESENT, "return SafeString(render_to_string(template, context).strip())"),
    # A constant HTML comment, never user data.
    (PRESENT, '"close_changes": CLOSE_CHANGES, "ledger_slot": SafeString(LEDGER_SLOT)})'),
    # The two halves of the autoescaped render above, split at that constant.
    (PRESENT, 'return TownSections(_html("dashboards/_head.html", {}), '
              "SafeString(before),"),
    (PRESENT, "SafeString(after), ledger)"),
    # Plain-text mail bodies: no HTML reader; the HTML alternative is autoescaped.
    ("templates/notifications/message.txt",
     "{% autoescape off %}{{ message.context.intro }}"),
    ("templates/notifications/email.txt",
     "{% load i18n %}{% autoescape off %}{{ message.subject }}"),
    # Robot markdown: every value goes through md_text (checked below).
    ("templates/notifications/robot.md", "{% load i18n robot_markdown %}{% autoescape off %}"
                                         "### {{ message.subject|md_text }}"),
    # The comment of the help-text override names the filter it removes.
    ("templates/bootstrap5/layout/help_text.html",
     "{% comment %}crispy-bootstrap5's own copy prints help text with |safe; help text "
     "here may"),
]
REVIEWED = Counter(REVIEWED_LINES)


def _findings() -> dict:
    found: dict = {}
    for top in SOURCES:
        for path in sorted((ROOT / top).rglob("*")):
            if path.suffix not in SUFFIXES or "migrations" in path.parts:
                continue
            relative = path.relative_to(ROOT).as_posix()
            for line in path.read_text(encoding="utf-8").splitlines():
                if any(marker.search(line) for marker in MARKERS.values()):
                    key = (relative, line.strip())
                    found[key] = found.get(key, 0) + 1
    return found


def test_nothing_is_marked_safe_outside_the_reviewed_list():
    unreviewed = {k: n for k, n in _findings().items() if REVIEWED.get(k) != n}
    assert unreviewed == {}, "review these and add them to REVIEWED with a reason"


def test_the_reviewed_list_holds_only_lines_that_still_exist():
    assert set(REVIEWED) <= set(_findings())


def test_the_lint_catches_each_kind_of_marking():
    samples = ["{{ x|safe }}", "{{ xs|safeseq }}", "mark_safe(x)", "SafeString(x)",
               "{% autoescape off %}", 'format_html(f"<b>{x}</b>")',
               'format_html("<b>%s</b>" % x)', "{{ form }}", "{{ form.as_p }}",
               "el.innerHTML = x"]
    for sample in samples:
        assert any(m.search(sample) for m in MARKERS.values()), sample


def test_crispy_help_text_is_escaped():
    class Form(forms.Form):
        text = forms.CharField(help_text="<script>alert(1)</script>")

    html = Template("{% load crispy_forms_tags %}{{ form|crispy }}").render(
        Context({"form": Form()}))
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_a_return_reason_shows_escaped_on_the_resubmit_form():
    form = ResubmitForm(items=[("star:industry", "产业兴旺星",
                                '"><img src=x onerror=alert(1)>缺少凭证')])
    html = Template("{% load crispy_forms_tags %}{{ form|crispy }}").render(
        Context({"form": form}))
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html


@override_settings(WUXING_SITE_URL="https://wuxing.example.gov.cn")
def test_robot_markdown_keeps_user_text_inert():
    hostile = '[领奖](http://evil.example) <font color="warning">急</font>\n### 假标题 **粗**'
    message = Message(subject=f"【{hostile}】提醒", url="/progress/", context={
        "intro": hostile, "outro": hostile,
        "sections": [{"heading": hostile, "rows": [hostile, "甲村（未填报）"]}]})
    content = render("notifications/robot.md", message)
    assert "](http://evil" not in content and "<font" not in content
    assert "\n### 假标题" not in content and "**粗**" not in content
    assert content.count("\n###") == 0 and content.startswith("### ")  # one real heading
    assert "［领奖］（http://evil.example）" in content  # still readable
    assert "[打开平台](https://wuxing.example.gov.cn/progress/)" in content


def test_every_value_in_the_robot_template_is_made_inert():
    text = (ROOT / "templates/notifications/robot.md").read_text(encoding="utf-8")
    values = re.findall(r"{{\s*([^}]+?)\s*}}", text)
    system = {"message.absolute_url", "count"}
    assert [v for v in values if v not in system and not v.endswith("|md_text")] == []


def test_the_html_mail_escapes_user_text():
    hostile = '"><img src=x onerror=alert(1)>'
    message = Message(subject=hostile, url="/progress/", context={
        "intro": hostile, "outro": hostile, "sections": [{"heading": hostile,
                                                          "rows": [hostile]}]})
    html = render("notifications/email.html", message)
    assert "<img" not in html and html.count("&lt;img src=x onerror=alert(1)&gt;") == 6
