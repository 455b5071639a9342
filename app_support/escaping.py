"""Text is text: the one escaping function for every user-supplied string shown through Markdown.

File names (in error sentences), survey names, stage, segment and column names, owners' e-mails:
anything that came from a user and is shown with ``st.write``, ``st.caption``, ``st.error``, a
widget label or an expander title goes through :func:`md_escape`, so it reads exactly as typed.
Streamlit's Markdown has more syntax than CommonMark, and some of it is matched *after* backslash
escapes are resolved, so escaping alone is not enough:

* CommonMark, GitHub extensions and HTML (``**bold**``, ``_it_``, ``[link](...)``, ``~~x~~``,
  ``# heading``, ``<b>``, ``&amp;``, tables) and LaTeX (``$x^2$``): the characters that open them get a
  backslash; a sentence's full stop does not need one, except after a leading number (``1.`` would
  start a list);
* Streamlit's icons (``:material/home:``), emoji shortcodes (``:smile:``, ``:streamlit:``), colour
  and size directives (``:red[text]``, ``:blue-background[...]``, ``:small[...]``) and URL schemes
  (``https://``): an invisible WORD JOINER (U+2060) after a colon that touches a word breaks them
  (a colon followed by a space, as in a sentence, cannot start one and is left alone);
* automatic links of bare addresses (``www.example.com``, ``ann@example.com``): a word joiner after
  ``www`` and after the first dot of the part after ``@`` (an e-mail link needs a dot there);
* line breaks (a list or heading on the next line) become spaces.

The word joiner is invisible and does not change how the text reads (it only stops a line break
there). Tested against a real browser rendering in ``tests/browser/test_rights_browser.py``.

Examples
--------
>>> md_escape("**Q1** $5 :red[x]")
'\\\\*\\\\*Q1\\\\*\\\\* \\\\$5 :\\u2060red\\\\[x\\\\]'
>>> md_escape("There is no saved survey at this link: try again.")  # a plain sentence stays as it is
'There is no saved survey at this link: try again.'
>>> md_escape("line one\\nline two")
'line one line two'
"""

from __future__ import annotations

import re

WORD_JOINER = "\u2060"
_PUNCTUATION = re.compile(r"([\\`*_{}\[\]()#+\-!|<>~$])")
_ENTITY = re.compile(r"&(?=#?\w+;)")
_LIST_NUMBER = re.compile(r"^(\s*\d+)([.)])")
_COLON = re.compile(r":(?=[\w/+\-])")
_EMAIL_DOT = re.compile(r"(@[\w-]+)\.(?=\w)")
_WWW = re.compile(r"(www)(?=\.)", re.IGNORECASE)
_BREAKS = re.compile(r"[\r\n\t\v\f\u2028\u2029]+")


def md_escape(text) -> str:
    """``text`` (any value, shown as ``str``) made safe to show inside Streamlit Markdown, as itself.

    Parameters
    ----------
    text : object
        The user-supplied value.

    Returns
    -------
    str
        Markdown that renders as the original text on one line.
    """
    out = _BREAKS.sub(" ", str(text))
    out = _WWW.sub(r"\1" + WORD_JOINER, out)
    out = _PUNCTUATION.sub(r"\\\1", out)
    out = _ENTITY.sub(r"\\&", out)
    out = _LIST_NUMBER.sub(r"\1\\\2", out)
    out = _COLON.sub(":" + WORD_JOINER, out)
    return _EMAIL_DOT.sub(r"\1." + WORD_JOINER, out)
