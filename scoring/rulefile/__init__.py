"""Rule-set files: parse and validate YAML into a RuleSetSpec, and write canonical YAML.

Pure (no Django). The format is documented in docs/rule-sets.md. Validation collects
*every* problem with its line number before giving up, so a county can fix a file in one
pass; an invalid file yields no spec at all.

Messages are written in Simplified Chinese, the product's default language (English in
the comment beside each); each problem also carries a stable ``code`` and its ``params``
so the Django layer can re-word or translate it.
"""

from .common import FORMAT_VERSION, MESSAGES, Problem, RuleSetFileError
from .reading import parse_ruleset
from .writing import dump_ruleset

__all__ = ["FORMAT_VERSION", "MESSAGES", "Problem", "RuleSetFileError", "dump_ruleset",
           "parse_ruleset"]
