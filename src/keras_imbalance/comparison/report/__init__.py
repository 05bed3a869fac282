"""What a person reads of a comparison.

:mod:`.recipe` (the snippet to paste; :mod:`.recipe_templates` its shared text),
:mod:`.figures` and :mod:`.html` (``report.html``), :mod:`.operating_table` (where each
detector operates) and :mod:`.formatting` (numbers, the same in the terminal, Markdown and
HTML).
"""
