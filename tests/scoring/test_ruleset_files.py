"""import_ruleset / export_ruleset: the same file back, and an invalid file imports nothing
and names each problem with its line, in Chinese."""

import io

import pytest
from django.core.management import CommandError, call_command

from scoring.models import RuleSet
from scoring.rulesets import REFERENCE_FILE
from villages.models import AdminUnit, UnitLevel

pytestmark = pytest.mark.django_db
REFERENCE = REFERENCE_FILE.read_text(encoding="utf-8")


@pytest.fixture
def province(db):
    return AdminUnit.objects.create(code="410000000000", name="河南省",
                                    level=UnitLevel.PROVINCE)


def _import(path, **options) -> RuleSet:
    call_command("import_ruleset", str(path), stdout=io.StringIO(), **options)
    return RuleSet.objects.latest("pk")


def test_import_then_export_gives_the_same_file(province, tmp_path):
    source = tmp_path / "in.yaml"
    source.write_text(REFERENCE, encoding="utf-8")
    ruleset = _import(source)
    assert (ruleset.issuer, ruleset.status, ruleset.indicators.count()) == (
        province, "draft", 31)
    call_command("export_ruleset", ruleset.pk, output=str(tmp_path / "out.yaml"),
                 stdout=io.StringIO())
    assert (tmp_path / "out.yaml").read_text(encoding="utf-8") == REFERENCE
    out = io.StringIO()
    call_command("export_ruleset", ruleset.pk, stdout=out)
    assert out.getvalue() == REFERENCE


def test_the_issuer_option_overrides_the_file_and_publish_publishes(town_a, tmp_path):
    source = tmp_path / "in.yaml"
    source.write_text(REFERENCE, encoding="utf-8")
    ruleset = _import(source, issuer="410902", publish=True)
    assert ruleset.issuer.code == "410902000000" and ruleset.is_published
    out = io.StringIO()
    call_command("export_ruleset", ruleset.pk, stdout=out)
    assert 'issuer: "410902"' in out.getvalue()
    again = _import(source, issuer="410902")  # same year and version: the next version
    assert again.version == 2


def _line_of(text: str, fragment: str, occurrence: int = 1) -> int:
    return [n for n, line in enumerate(text.splitlines(), 1) if fragment in line][occurrence - 1]


# kind: (text in the reference, replacement, (fragment on the problem line, occurrence),
# the Chinese message)
INVALID = {
    "unknown star": ("    star: industry\n    name: \"党支部领办合作社\"",
                     "    star: prosperity\n    name: \"党支部领办合作社\"",
                     ("star: prosperity", 1), "未知的星“prosperity”"),
    "duplicate indicator code": ("code: member_points_rate", "code: meetings_held",
                                 ("code: meetings_held", 2),
                                 "指标代码“meetings_held”重复（首次出现在第 27 行）"),
    "threshold that does not fit the kind": (
        "    threshold: 90\n", "    threshold: 150\n", ("threshold: 150", 1),
        "百分比阈值应在 0 到 100 之间"),
    "comparison that does not fit the kind": (
        "    comparison: \"==\"\n    threshold: true\n    cadence: monthly\n    combine: "
        "every_month\n    min_documents: 1",
        "    comparison: \">=\"\n    threshold: true\n    cadence: monthly\n    combine: "
        "every_month\n    min_documents: 1", ("comparison: \">=\"", 1),
        "比较方式“>=”不适用于是/否类型"),
    "veto marked with points": ("    role: veto\n", "    role: veto\n    points: 10\n",
                                ("    points: 10", 1), "一票否决指标不能设置分值"),
    "unknown field": ("    unit: \"元\"\n", "    unti: \"元\"\n", ("unti:", 1),
                      "未知字段“unti”"),
    "not YAML": ("name: \"河南省", "name: [\"河南省", None, "不是有效的 YAML 文件"),
}


@pytest.mark.parametrize("kind", list(INVALID))
def test_an_invalid_file_imports_nothing_and_names_each_problem_with_its_line(
        kind, province, tmp_path):
    old, new, locate, message = INVALID[kind]
    assert old in REFERENCE
    text = REFERENCE.replace(old, new, 1)
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError, match="未导入"):
        call_command("import_ruleset", str(path), stdout=io.StringIO(), stderr=err)
    assert not RuleSet.objects.exists()
    problems = err.getvalue().splitlines()
    matching = [p for p in problems if message in p]
    assert matching, problems
    if locate is not None:
        assert matching[0].startswith(f"第 {_line_of(text, *locate)} 行：")


def test_an_unknown_issuer_imports_nothing(tmp_path):
    path = tmp_path / "in.yaml"
    path.write_text(REFERENCE, encoding="utf-8")
    with pytest.raises(CommandError, match="41"):
        call_command("import_ruleset", str(path), stdout=io.StringIO())
    assert not RuleSet.objects.exists()
