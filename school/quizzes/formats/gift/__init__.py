"""GIFT, Moodle's plain-text question format: reading (``parse``) and writing (``dump``).

A GIFT file is UTF-8 text; questions are separated by blank lines::

    // [id:dz-001] [tag:党章]               comment lines; [id:] and [tag:] are kept
    $CATEGORY: $course$/top/党章            the category of the questions that follow
    ::名称::[html]题目文字{=对 ~错 #反馈}     name, format marker, text, answer block

The answer block, between the first ``{`` and the first ``}``, decides the type:

=====================================  =============================================
``{}`` or ``{####总体反馈}``            essay
no braces at all                       description (no answers, default mark 0)
``{#3:2}`` ``{#1..5}`` ``{#=3 =%50%4}``  numerical (value:tolerance, min..max, weights)
contains ``~``                         multiple choice: "single" if any ``=`` marks a
                                       right option, otherwise "multiple" (weights)
contains ``=`` and ``->``              matching (``= -> 干扰项`` is an extra right side)
``T`` ``TRUE`` ``F`` ``FALSE``         true/false: ``{F#答错时反馈#答对时反馈}``
anything else                          short answer ("fillin"): ``{=北京 =%50%北平}``
=====================================  =============================================

``%50%`` weights an answer, ``#`` starts its feedback, ``####`` the general feedback, and
``\\: \\# \\= \\{ \\} \\~ \\\\ \\n`` write the special characters literally. When text follows the
block, the question uses the missing-word layout: the block becomes ``_____`` in the text.

Behaviour follows Moodle's qformat_gift and its tests; where we differ or had to choose:

* Errors. Moodle skips a bad question and imports the rest; we collect every problem (line and
  Chinese message) and raise one FormatError, so a file imports completely or not at all. Checks
  that Moodle leaves to saving (a right answer exists, multiple-choice weights add up to 100%,
  weights within ±100%, numbers are numbers) are made here, where the line is still known.
* Category. ``$CATEGORY: $course$/top/A/B`` gives "A/B": the ``$course$``-style context and
  the ``top`` root carry no meaning outside Moodle (Moodle itself files every path under its
  implicit top category, so "$course$/Default for New Features" is the category "Default for
  New Features" in the course). Names keep Moodle's ``//`` for a literal slash. ``dump`` writes
  ``$CATEGORY: $course$/top/A/B`` as Moodle exports it; a path of nothing but context and
  ``top`` means "no category". A ``$CATEGORY:`` line may be followed by a question in the same
  block (Moodle would swallow it into the category name).
* Format markers. ``[html]`` ``[moodle]`` ``[plain]`` ``[markdown]`` at the start of the
  question text set ``text_format`` (default "moodle", as in Moodle). Markers on answers,
  feedback, matching items and the general feedback are removed from the text, as Moodle does;
  their format is dropped because ParsedAnswer has no format field. Markers are matched without
  regard to case. A bracketed word of two or more ASCII letters that is not a format, such as
  ``[xyz]``, is reported as an unknown marker rather than kept as text (``[moodle][xyz]`` keeps
  it); ``[A]`` and ``[1]`` are ordinary text.
* True/false. ``T TRUE F FALSE`` are recognised in any case (Moodle: upper case only, so its
  ``{true}`` is a short answer "true"). The answers are always "true" then "false"; the first
  feedback is for a wrong response and the second for a right one, as in Moodle.
* Names. A question without ``::name::`` gets name "" (Moodle derives one from the text); the
  question bank names it, as it does for Aiken questions.
* Lines keep their indentation inside multi-line question text (code in ``<pre>``); Moodle's
  file reader strips it, its own unit test for ``<pre>`` keeps it.

The modules: ``reader`` (``parse``), ``writer`` (``dump``) and ``syntax``, the escapes, format
markers and weights both of them use. Decoding the file is shared with Aiken
(``school.quizzes.formats.text``).
"""

from __future__ import annotations

from school.quizzes.formats.gift.reader import category_path, parse
from school.quizzes.formats.gift.writer import dump
from school.quizzes.formats.text import decode_text

__all__ = ["category_path", "decode_text", "dump", "parse"]
