"""Text from templates: the drafts' subject and body, and the short version reminders show.

The bundled templates live in `config/templates/`; a file of the same name in the user's
`drafts.templates_dir` wins. Any template error, in either text, is a TemplateProblem: the
service treats it as a configuration error to fix, not as something to retry.
"""

from __future__ import annotations

import re
from pathlib import Path

import jinja2

from radiosilence.model import FollowUp, Kind

TEMPLATE_NAMES = {Kind.THANK_YOU: "thank-you.txt.j2", Kind.NUDGE: "nudge.txt.j2",
                  Kind.FINAL: "final.txt.j2"}
SHORT_TEMPLATE = "short.txt.j2"


class TemplateProblem(Exception):
    """A user template does not render or lacks its Subject line."""


def template_environment(user_dir: Path | None) -> jinja2.Environment:
    """Templates from `user_dir` first (same file names override), then the bundled ones."""
    loaders: list[jinja2.BaseLoader] = []
    if user_dir:
        loaders.append(jinja2.FileSystemLoader(str(user_dir)))
    loaders.append(jinja2.PackageLoader("radiosilence.config", "templates"))
    return jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders), autoescape=False, keep_trailing_newline=False,
        undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
    )


def render_text(env: jinja2.Environment, followup: FollowUp, signature: str) -> tuple[str, str]:
    """(subject, body) of the draft for `followup`, from its template."""
    name = TEMPLATE_NAMES[followup.kind]
    try:
        text = env.get_template(name).render(**followup.context, signature=signature)
    except jinja2.TemplateError as error:
        raise TemplateProblem(f"template {name}: {error}") from error
    head, _, body = text.partition("\n")
    if not head.lower().startswith("subject:"):
        raise TemplateProblem(f"template {name}: the first line must be 'Subject: ...'")
    return head.partition(":")[2].strip(), _tidy(body)


def render_short(env: jinja2.Environment, followup: FollowUp) -> str:
    """A version short enough for a LinkedIn message (at most 300 characters)."""
    try:
        text = env.get_template(SHORT_TEMPLATE).render(**followup.context,
                                                       kind=str(followup.kind))
    except jinja2.TemplateError as error:
        raise TemplateProblem(f"template {SHORT_TEMPLATE}: {error}") from error
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= 300 else text[:297].rstrip() + "..."


def _tidy(body: str) -> str:
    """Collapse the blank lines template logic leaves behind."""
    body = re.sub(r"[ \t]+\n", "\n", body.strip())
    return re.sub(r"\n{3,}", "\n\n", body)
