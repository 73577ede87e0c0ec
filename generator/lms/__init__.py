"""Into and out of learning-management systems: quiz exports, response imports, gradebook files.

- ``export.export_key(key_path, fmt, out)``: Moodle XML (Cloze), QTI 2.1 zip, Canvas QTI 1.2 zip.
- ``responses``: readers of Moodle's Responses report (CSV, Excel) and Canvas's Student
  Analysis CSV into the grader's ``Submission``s.
- ``gradebooks``: Canvas and Moodle grade-import CSVs from a ``Grading``.
See docs/lms.md.
"""
