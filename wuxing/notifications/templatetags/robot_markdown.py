"""Text for the WeCom and DingTalk robots, whose messages are markdown.

Village, group and indicator names and reasons are user text: in a markdown message a
name like `[点此](http://…)` would become a live link, `<font color=…>` a coloured tag
and a line break a fake heading. Markdown has no escape that both robots honour, so the
active characters become their full-width forms (common in Chinese text anyway) and
line breaks spaces: what the user wrote is still readable, and never markup.
"""

from django import template

register = template.Library()

FULL_WIDTH = str.maketrans({
    "\\": "＼", "`": "｀", "*": "＊", "_": "＿", "[": "［", "]": "］", "(": "（", ")": "）",
    "#": "＃", "<": "＜", ">": "＞", "~": "～", "|": "｜", "!": "！", "&": "＆",
    "\r": " ", "\n": " ", "\t": " ",
})


@register.filter
def md_text(value) -> str:
    """User text as inert markdown (the robot templates render with autoescape off)."""
    return "" if value is None else str(value).translate(FULL_WIDTH)
