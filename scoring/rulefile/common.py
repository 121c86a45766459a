"""Rule-set files: the format version, the problem messages and the error type."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

FORMAT_VERSION = 1

MESSAGES: dict[str, str] = {
    # The file is not valid YAML: {error}
    "not_yaml": "不是有效的 YAML 文件：{error}",
    # The file must be a mapping of fields at the top level
    "not_mapping": "{where}应为“字段: 值”形式的映射",
    "not_list": "{where}应为列表",
    "empty": "文件为空",
    # Unknown field "{key}"
    "unknown_key": "未知字段“{key}”",
    "duplicate_key": "字段“{key}”重复出现",
    # Required field "{key}" is missing
    "missing_key": "缺少必填字段“{key}”",
    "not_string": "“{key}”应为文字",
    "not_integer": "“{key}”应为整数",
    "not_number": "“{key}”应为数字",
    "not_bool": "“{key}”应为 true 或 false",
    "out_of_range": "“{key}”应在 {low} 到 {high} 之间",
    "bad_format_version": "不支持的格式版本 {value}，应为 {expected}",
    # Issuer must be a division code of 2, 4, 6, 9 or 12 digits
    "bad_issuer": "发布单位区划代码应为 2、4、6、9 或 12 位数字",
    "unknown_branch_rule": "未知的支部过硬星规则“{value}”，可选：{allowed}",
    "unknown_star": "未知的星“{value}”，可选：{allowed}",
    "missing_star": "缺少“{star}”的设置",
    "bad_level_labels": "星级名称应包含 0 到 5 共六级",
    # pass_mark {pass_mark} is greater than max_points {max_points}
    "pass_mark_too_high": "及格分 {pass_mark} 高于满分 {max_points}",
    "star_without_indicators": "“{star}”没有任何指标",
    # The points of this star's indicators add up to {total}, not max_points {max_points}
    "points_total_mismatch": "“{star}”各指标分值合计 {total}，与满分 {max_points} 不符",
    "bad_code": "指标代码“{value}”应为小写字母开头的英文、数字或下划线",
    # Indicator code "{value}" is used twice (first on line {first})
    "duplicate_code": "指标代码“{value}”重复（首次出现在第 {first} 行）",
    "unknown_kind": "未知的取值类型“{value}”，可选：{allowed}",
    "unknown_role": "未知的评判作用“{value}”，可选：{allowed}",
    "unknown_comparison": "未知的比较方式“{value}”，可选：{allowed}",
    "unknown_cadence": "未知的填报周期“{value}”，可选：{allowed}",
    "unknown_combine": "未知的累计方式“{value}”，可选：{allowed}",
    # Comparison "{value}" does not fit a {kind} value
    "comparison_kind": "比较方式“{value}”不适用于{kind}类型",
    "needs_threshold": "{role}指标须设置比较方式和阈值",
    "threshold_not_bool": "是/否类指标的阈值应为 true 或 false",
    "threshold_not_number": "阈值应为数字",
    "threshold_percent": "百分比阈值应在 0 到 100 之间",
    "threshold_count": "计数阈值应为不小于 0 的整数",
    "threshold_not_choice": "阈值“{value}”不在可选项中",
    "threshold_not_list": "“in”比较的阈值应为可选项列表",
    "choices_required": "选项类指标须列出 choices",
    "choices_forbidden": "只有选项类指标可以设置 choices",
    "choices_duplicate": "选项“{value}”重复",
    # A veto item cannot carry points
    "veto_with_points": "一票否决指标不能设置分值",
    "points_forbidden": "{role}指标不能设置分值或分档",
    "points_required": "计分指标须设置分值（points）或分档（steps）",
    "points_and_steps": "分值（points）与分档（steps）只能二选一",
    "steps_and_threshold": "设置分档（steps）时不再设置阈值（threshold）",
    "steps_kind": "只有数值类指标可以分档计分",
    "steps_order": "分档应按由易到难排列，阈值和分值逐档提高",
    "steps_every_month": "按月全部达标（every_month）不能与分档同时使用",
    "points_positive": "分值应为正整数",
    "combine_kind": "累计方式“{value}”只适用于数值类指标",
    "veto_every_month": "一票否决指标不能使用 every_month 累计方式",
    "info_partial": "说明类指标的比较方式和阈值应同时设置或同时省略",
}

TOP_KEYS = ("format_version", "name", "issuer", "year", "version", "reference", "branch_rule",
            "risk_margin", "level_labels", "stars", "indicators")
TOP_REQUIRED = ("format_version", "name", "issuer", "year", "stars", "indicators")
STAR_KEYS = ("pass_mark", "max_points")
INDICATOR_KEYS = ("code", "star", "name", "unit", "kind", "choices", "role", "comparison",
                  "threshold", "points", "steps", "cadence", "combine", "min_photos",
                  "min_documents", "evidence_max_age_months", "help")
INDICATOR_REQUIRED = ("code", "star", "name", "kind", "role")
STEP_KEYS = ("threshold", "points")
KIND_NAMES = {"bool": "是/否", "number": "数值", "percent": "百分比", "count": "计数",
              "choice": "选项"}
ROLE_NAMES = {"gate": "必达", "points": "计分", "veto": "一票否决", "info": "说明"}
REFERENCE_HEADER = (
    "# 参考评星标准（示例）：仅供演示和参考，不是任何县（市、区）的正式标准。",
    "# 使用前须由县级组织部门按本地评星标准和争星晋级实施细则替换。",
    "# Reference rule set: a stand-in to be replaced by the county's own standard.",
)

_CODE_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_ISSUER_RE = re.compile(r"^\d{2}(\d{2}(\d{2}(\d{3}(\d{3})?)?)?)?$")
_YAML_WORDS = frozenset({"y", "n", "yes", "no", "on", "off", "true", "false", "null"})
_T = "tag:yaml.org,2002:"
_YAML_UNSAFE = re.compile("[\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff\ud800-\udfff]")


@dataclass(frozen=True)
class Problem:
    line: int
    message: str
    code: str = ""
    params: dict[str, object] = field(default_factory=dict, compare=False)

    def __str__(self) -> str:
        return f"第 {self.line} 行：{self.message}"


class RuleSetFileError(ValueError):
    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems, key=lambda p: p.line)
        super().__init__("\n".join(str(p) for p in self.problems))
