"""Rule-set files: parse and validate YAML into a RuleSetSpec, and write canonical YAML.

Pure (no Django). The format is documented in docs/rule-sets.md. Validation collects
*every* problem with its line number before giving up, so a county can fix a file in one
pass; an invalid file yields no spec at all.

Messages have one source, ``common.MESSAGES`` (English msgids with their Chinese in the
project's catalogue, locale/zh_Hans); a problem's ``message`` is the Chinese, the
product's default language, and each problem also carries a stable ``code`` and its
``params`` so scoring/wording.py words it in the user's language. Format 2 (derived
values, thresholds by village, groups, bonus and deductions, points per choice, score
bands, earlier cycles, quotas) is read in ``v2.py``; there is one writer, ``writing.py``.
"""

from .common import FORMAT_VERSION, MESSAGES, Problem, RuleSetFileError
from .reading import parse_ruleset
from .writing import dump_ruleset

__all__ = ["FORMAT_VERSION", "MESSAGES", "Problem", "RuleSetFileError", "dump_ruleset",
           "parse_ruleset"]
