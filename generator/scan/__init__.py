"""Reading scanned answer sheets: rasterise, locate, read marks, review (docs/answer-sheet.md)."""
