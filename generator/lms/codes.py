"""How the variant code is carried in every question's name and text ("Variant JBA-DJV"), so that a
response report, which shows the question text, tells which variant a student had.

Kept apart (no imports of the grader) because both the exports and the response readers use it.
"""

from __future__ import annotations

import re

CODE_LABEL = "Variant"
_CODE = r"[0-9A-HJKMNP-TV-Z]{3}-[0-9A-HJKMNP-TV-Z]{3}"
CODE_IN_TEXT = re.compile(rf"\b{CODE_LABEL}\s+({_CODE})\b", re.IGNORECASE)
