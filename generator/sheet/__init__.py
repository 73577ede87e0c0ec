"""The scannable answer sheet: its layout (the one truth the printer and the scanner share) and its PDF."""
