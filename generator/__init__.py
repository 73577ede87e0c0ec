"""backprop-exam: backpropagation worksheets, worked answer keys and a fair grader."""

__version__ = "0.1.0"
